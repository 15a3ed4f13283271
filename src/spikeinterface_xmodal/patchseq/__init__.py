"""Patch-seq: electrophysiology features -> transcriptomic subclass, with mouse -> human transfer.

Attributes load on first use (PEP 562), so ``import spikeinterface_xmodal`` never imports ipfx or torch.
"""

from .._lazy import lazy_attributes

# name -> submodule that defines it; add yours here
__getattr__, __dir__ = lazy_attributes(__name__, {})
