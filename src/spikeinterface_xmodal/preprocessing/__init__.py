"""SpikeInterface preprocessors: LFP extraction, band-power and LFP-latents nodes, window sampling and reading."""

from .band_power import DEFAULT_BANDS, POWER_FLOOR, BandPowerRecording, band_power, log_band_power
from .extract_lfp import DEFAULT_LFP_SAMPLING_FREQUENCY, extract_lfp, is_lfp_rate
from .lfp_latents import LfpLatentsRecording, lfp_latents
from .match_channels import match_lfp_channels
from .si_pipeline import register_preprocessor  # adds the nodes above to SpikeInterface's pipeline registry
from .windows import read_windows, sample_windows, window_length_samples

__all__ = [
    "DEFAULT_BANDS",
    "DEFAULT_LFP_SAMPLING_FREQUENCY",
    "POWER_FLOOR",
    "BandPowerRecording",
    "LfpLatentsRecording",
    "band_power",
    "extract_lfp",
    "is_lfp_rate",
    "lfp_latents",
    "log_band_power",
    "match_lfp_channels",
    "read_windows",
    "register_preprocessor",
    "sample_windows",
    "window_length_samples",
]
