"""Region model kinds behind ``lfp_region``: the shared interface, estimate, smoothing, calibration and novelty.

The spectral baseline (``spectral_baseline.RegionModel``) is one kind; others register through
``spikeinterface_xmodal.model_kinds.register_model_kind`` and are loaded by ``load_region_model``.
"""

from .base import RegionModelKind, check_region_card, lfp_at_rate, load_region_model
from .calibration import TemperatureCalibration, expected_calibration_error, fit_temperature
from .estimate import ChannelRegionEstimate, OutOfDistributionWarning, finish_estimate, shrink_out_of_distribution
from .novelty import FeatureNovelty
from .probe_hmm import ProbeHMM, probe_order, recording_probe_order
from .spectral_baseline import (
    CLASSIFIERS,
    DEFAULT_CLASSIFIER,
    REGION_MODEL_KIND,
    RegionModel,
    make_region_estimator,
)
from .spectral_features import DEFAULT_FEATURE_SET, FEATURE_SETS, channel_features

__all__ = [
    "CLASSIFIERS",
    "DEFAULT_CLASSIFIER",
    "DEFAULT_FEATURE_SET",
    "FEATURE_SETS",
    "REGION_MODEL_KIND",
    "ChannelRegionEstimate",
    "FeatureNovelty",
    "OutOfDistributionWarning",
    "ProbeHMM",
    "RegionModel",
    "RegionModelKind",
    "TemperatureCalibration",
    "channel_features",
    "check_region_card",
    "expected_calibration_error",
    "finish_estimate",
    "fit_temperature",
    "lfp_at_rate",
    "load_region_model",
    "make_region_estimator",
    "probe_order",
    "recording_probe_order",
    "shrink_out_of_distribution",
]
