"""spikeinterface-xmodal: cross-modal electrophysiology for SpikeInterface and NWB.

Importing the package registers its SortingAnalyzer extensions (``lfp_region``) and loads the
``ndx-xmodal`` NWB namespace, so ``analyzer.compute("lfp_region")`` and ``pynwb`` reads of our tables work.
"""

from . import analyzer, classifiers, datasets, nwb, plotting, preprocessing, tokenizers, training
from .predictions import CellSubclassPredictions, RegionPredictions
from .version import __version__

__all__ = [
    "CellSubclassPredictions",
    "RegionPredictions",
    "__version__",
    "analyzer",
    "classifiers",
    "datasets",
    "nwb",
    "plotting",
    "preprocessing",
    "tokenizers",
    "training",
]
