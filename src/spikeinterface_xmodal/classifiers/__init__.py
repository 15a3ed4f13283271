"""Classifiers on tables of per-channel features (scikit-learn), and smoothing along the probe."""

from .probe_hmm import ProbeHMM, probe_order
from .region_features import FEATURE_SETS, channel_features
from .region_model import (
    CLASSIFIERS,
    REGION_MODEL_KIND,
    ChannelRegionEstimate,
    RegionModel,
    lfp_for_tokenizer,
    make_region_estimator,
    recording_probe_order,
)

__all__ = [
    "CLASSIFIERS",
    "FEATURE_SETS",
    "REGION_MODEL_KIND",
    "ChannelRegionEstimate",
    "ProbeHMM",
    "RegionModel",
    "channel_features",
    "lfp_for_tokenizer",
    "make_region_estimator",
    "probe_order",
    "recording_probe_order",
]
