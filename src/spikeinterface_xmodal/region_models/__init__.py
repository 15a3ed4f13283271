"""Region model kinds behind ``lfp_region``: the shared interface, estimate, smoothing, calibration and novelty.

The spectral baseline (``spectral_baseline.RegionModel``) is one kind; others register through
``spikeinterface_xmodal.model_kinds.register_model_kind`` and are loaded by ``load_region_model``.
"""

from .._lazy import lazy_attributes
from .base import RegionModelKind, check_region_card, lfp_at_rate, load_region_model
from .estimate import ChannelRegionEstimate, OutOfDistributionWarning, finish_estimate, shrink_out_of_distribution
from .probe_hmm import ProbeHMM, probe_order, recording_probe_order

# scikit-learn-backed parts load on first use
__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "CLASSIFIERS": ".spectral_baseline",
        "DEFAULT_CLASSIFIER": ".spectral_baseline",
        "REGION_MODEL_KIND": ".spectral_baseline",
        "RegionModel": ".spectral_baseline",
        "make_region_estimator": ".spectral_baseline",
        "DEFAULT_FEATURE_SET": ".spectral_features",
        "FEATURE_SETS": ".spectral_features",
        "channel_features": ".spectral_features",
        "FeatureNovelty": ".novelty",
        "TemperatureCalibration": ".calibration",
        "expected_calibration_error": ".calibration",
        "fit_temperature": ".calibration",
    },
)

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
