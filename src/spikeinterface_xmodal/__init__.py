"""spikeinterface-xmodal: cross-modal electrophysiology for SpikeInterface and NWB.

Importing the package registers its SortingAnalyzer extensions (``lfp_region``) and loads the
``ndx-xmodal`` NWB namespace, so ``analyzer.compute("lfp_region")`` and ``pynwb`` reads of our tables work.
Its subpackages (``datasets``, ``training``, ``plotting``, ...) load on first use.
"""

from . import analyzer
from ._lazy import lazy_attributes
from .model_kinds import load_model, register_model_kind
from .nwb import namespace as _nwb_namespace  # noqa: F401  (registers the ndx-xmodal namespace with pynwb)
from .version import __version__

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "CellSubclassPredictions": ".predictions",
        "RegionPredictions": ".predictions",
        "datasets": ".datasets",
        "detect_channels_outside_brain": ".pipelines",
        "distillation": ".distillation",
        "localize_channels": ".pipelines",
        "nwb": ".nwb",
        "patchseq": ".patchseq",
        "pipelines": ".pipelines",
        "plotting": ".plotting",
        "preprocessing": ".preprocessing",
        "region_models": ".region_models",
        "tokenizers": ".tokenizers",
        "training": ".training",
    },
)

__all__ = [
    "CellSubclassPredictions",
    "RegionPredictions",
    "__version__",
    "analyzer",
    "datasets",
    "detect_channels_outside_brain",
    "distillation",
    "load_model",
    "localize_channels",
    "nwb",
    "patchseq",
    "pipelines",
    "plotting",
    "preprocessing",
    "region_models",
    "register_model_kind",
    "tokenizers",
    "training",
]
