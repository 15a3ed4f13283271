"""spikeinterface-xmodal: cross-modal electrophysiology for SpikeInterface and NWB.

Importing the package registers its SortingAnalyzer extensions (``lfp_region``) and loads the
``ndx-xmodal`` NWB namespace, so ``analyzer.compute("lfp_region")`` and ``pynwb`` reads of our tables work.
"""

from . import analyzer, datasets, nwb, plotting, preprocessing, region_models, tokenizers, training
from .model_kinds import load_model, register_model_kind
from .predictions import CellSubclassPredictions, RegionPredictions
from .version import __version__

__all__ = [
    "CellSubclassPredictions",
    "RegionPredictions",
    "__version__",
    "analyzer",
    "datasets",
    "load_model",
    "nwb",
    "plotting",
    "preprocessing",
    "region_models",
    "register_model_kind",
    "tokenizers",
    "training",
]
