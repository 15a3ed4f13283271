"""LFP band extraction: band-limit and downsample an AP-band or wide-band recording to an LFP rate."""

from __future__ import annotations

from spikeinterface.core import BaseRecording
from spikeinterface.preprocessing import highpass_filter, resample

from .check_finite import check_finite

DEFAULT_LFP_SAMPLING_FREQUENCY = 2500.0


def is_lfp_rate(recording: BaseRecording, lfp_sampling_frequency: float = DEFAULT_LFP_SAMPLING_FREQUENCY) -> bool:
    """Return True when ``recording`` is already sampled at (or below) the LFP rate."""
    return recording.sampling_frequency <= lfp_sampling_frequency * (1 + 1e-6)


def extract_lfp(
    recording: BaseRecording,
    lfp_sampling_frequency: float = DEFAULT_LFP_SAMPLING_FREQUENCY,
    freq_min: float | None = 0.5,
    dtype: str = "float32",
) -> BaseRecording:
    """Band-limit and downsample a recording to an LFP recording, lazily.

    The chain is SpikeInterface's own preprocessors (after ``check_finite``, which names channels holding
    NaN or Inf when they are read): an anti-aliased polyphase ``resample`` to
    ``lfp_sampling_frequency`` (which low-passes below the new Nyquist frequency), then an optional
    ``highpass_filter`` at ``freq_min`` that removes DC and slow drifts. Filtering after downsampling
    keeps the long high-pass margins cheap. The result is lazy, chainable and serialisable like any
    SpikeInterface preprocessor (``to_dict`` / ``spikeinterface.load``).

    A recording that already is LFP (sampled at or below ``lfp_sampling_frequency``, e.g. a Neuropixels
    LF stream) is returned as it is.

    Parameters
    ----------
    recording : BaseRecording
        AP-band or wide-band recording (e.g. 30 kHz), or an LFP recording.
    lfp_sampling_frequency : float, default: 2500.0
        Target sampling frequency in Hz. 2500 Hz is the Neuropixels LF-stream rate; 1250 Hz is also common.
    freq_min : float or None, default: 0.5
        High-pass corner in Hz applied after downsampling; None keeps DC.
    dtype : str, default: "float32"
        dtype of the returned traces.

    Returns
    -------
    BaseRecording
        The LFP recording, with the parent's channel ids, probe and properties.

    Examples
    --------
    >>> lfp = extract_lfp(recording_30khz, lfp_sampling_frequency=1250.0)
    """
    if not isinstance(recording, BaseRecording):
        raise TypeError(f"extract_lfp expects a spikeinterface BaseRecording, got {type(recording).__name__}")
    if lfp_sampling_frequency <= 0:
        raise ValueError(f"lfp_sampling_frequency must be positive, got {lfp_sampling_frequency}")
    if is_lfp_rate(recording, lfp_sampling_frequency):
        return recording
    if freq_min is not None and not 0 < freq_min < lfp_sampling_frequency / 2:
        raise ValueError(
            f"freq_min={freq_min} Hz must lie between 0 and the LFP Nyquist frequency ({lfp_sampling_frequency / 2} Hz)"
        )
    lfp = resample(check_finite(recording), resample_rate=lfp_sampling_frequency, dtype=dtype)
    if freq_min is not None:
        # SpikeInterface refuses high-pass corners below 100 Hz unless told: at LFP rates the default
        # margin (5 periods of freq_min) is what makes chunked filtering artefact-free.
        lfp = highpass_filter(lfp, freq_min=freq_min, ignore_low_freq_error=True, dtype=dtype)
    return lfp
