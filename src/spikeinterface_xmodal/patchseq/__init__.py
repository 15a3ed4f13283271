"""Patch-seq: electrophysiology features -> transcriptomic subclass, with mouse -> human transfer.

Attributes load on first use (PEP 562), so ``import spikeinterface_xmodal`` never imports ipfx or torch.
"""

from .._lazy import lazy_attributes

# name -> submodule that defines it; add yours here
__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "load_mouse_visp": ".tables",
        "load_human_mtg": ".tables",
        "PatchseqTable": ".tables",
        "harmonise": ".harmonisation",
        "harmonisation_table": ".harmonisation",
        "feature_family": ".families",
        "group_families": ".families",
        "GouwensClassifier": ".estimators",
        "RandomForestBaseline": ".estimators",
        "FamilyAttentionClassifier": ".attention",
        "save_patchseq_model": ".model_kinds",
        "load_patchseq_model": ".model_kinds",
        "load_transfer_tables": ".transfer",
        "pretrain_source_model": ".transfer",
        "fine_tuned_classifier": ".transfer",
        "plot_confusion_matrix": ".plotting",
        "plot_family_attention": ".plotting",
        "mean_attention_by_class": ".plotting",
        "read_sweeps": ".sweeps",
        "CellSweeps": ".sweeps",
        "Sweep": ".sweeps",
        "extract_features": ".features",
        "cell_features": ".features",
        "predict_cells": ".predict",
    },
)
