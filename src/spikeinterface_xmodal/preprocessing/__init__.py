"""SpikeInterface preprocessors: LFP extraction and analysis-window sampling."""

from .extract_lfp import DEFAULT_LFP_SAMPLING_FREQUENCY, extract_lfp, is_lfp_rate
from .windows import sample_windows, window_length_samples

__all__ = [
    "DEFAULT_LFP_SAMPLING_FREQUENCY",
    "extract_lfp",
    "is_lfp_rate",
    "sample_windows",
    "window_length_samples",
]
