"""Spectral tokens of LFP windows: log band power per canonical band, RMS, and a log-PSD on a fixed grid."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.signal import welch

DEFAULT_BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 12.0),
    "beta": (12.0, 30.0),
    "gamma": (30.0, 80.0),
    "high_gamma": (80.0, 150.0),
    "ripple": (150.0, 250.0),
}


@dataclass
class SpectralTokenizer:
    """Settings of the spectral tokenizer: a window becomes one token per channel.

    Each token holds the log10 power in each band (integrated Welch PSD, in squared trace units),
    the log10 RMS of the window, and the log10 of the mean PSD in fixed log-spaced frequency bins
    (interpolated where a bin is narrower than the Welch resolution), so that tokens from recordings
    sampled at different rates are comparable.

    Parameters
    ----------
    window_s : float, default: 3.0
        Length of one window in seconds.
    bands : dict of str to (float, float), default: delta .. ripple (1-250 Hz)
        Frequency bands in Hz.
    welch_segment_s : float, default: 1.0
        Welch segment length in seconds (frequency resolution 1 / welch_segment_s).
    psd_fmin, psd_fmax : float, default: 1.0, 250.0
        Range of the log-PSD grid in Hz.
    n_psd_bins : int, default: 32
        Number of log-spaced frequencies of the log-PSD grid.
    """

    window_s: float = 3.0
    bands: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_BANDS))
    welch_segment_s: float = 1.0
    psd_fmin: float = 1.0
    psd_fmax: float = 250.0
    n_psd_bins: int = 32

    def __post_init__(self):
        self.bands = {name: (float(lo), float(hi)) for name, (lo, hi) in self.bands.items()}
        for name, (lo, hi) in self.bands.items():
            if not 0 <= lo < hi:
                raise ValueError(f"Band {name!r} must satisfy 0 <= low < high, got ({lo}, {hi})")
        if self.welch_segment_s > self.window_s:
            raise ValueError(f"welch_segment_s ({self.welch_segment_s} s) must not exceed window_s ({self.window_s} s)")

    @property
    def feature_names(self) -> list[str]:
        """Names of the band-token features, in column order."""
        return [*self.bands, "rms"]

    @property
    def psd_bin_edges(self) -> np.ndarray:
        """Edges (Hz) of the log-spaced log-PSD bins."""
        return np.geomspace(self.psd_fmin, self.psd_fmax, self.n_psd_bins + 1)

    @property
    def psd_frequencies(self) -> np.ndarray:
        """Centre frequencies (Hz, geometric) of the log-PSD bins."""
        edges = self.psd_bin_edges
        return np.sqrt(edges[:-1] * edges[1:])

    def _binned_log_psd(self, freqs: np.ndarray, psd: np.ndarray) -> np.ndarray:
        """log10 of the mean PSD in each bin; (n_channels, n_bins)."""
        edges = self.psd_bin_edges
        binned = np.empty((psd.shape[1], self.n_psd_bins))
        for i, (lo, hi, centre) in enumerate(zip(edges[:-1], edges[1:], self.psd_frequencies, strict=True)):
            in_bin = (freqs >= lo) & (freqs < hi)
            if in_bin.any():
                binned[:, i] = psd[in_bin].mean(axis=0)
            else:
                binned[:, i] = [np.interp(centre, freqs, channel) for channel in psd.T]
        return np.log10(binned)

    @property
    def max_frequency(self) -> float:
        """Highest frequency the tokens need, in Hz."""
        return max(self.psd_fmax, *(hi for _, hi in self.bands.values()))

    def check_sampling_frequency(self, sampling_frequency: float) -> None:
        """Raise a ValueError when ``sampling_frequency`` cannot resolve every band."""
        if sampling_frequency / 2 <= self.max_frequency:
            raise ValueError(
                f"A sampling frequency of {sampling_frequency} Hz cannot resolve the tokenizer's bands up to "
                f"{self.max_frequency} Hz: the Nyquist frequency must exceed it (use at least "
                f"{2 * self.max_frequency + 1:.0f} Hz, e.g. a 1250 or 2500 Hz LFP stream)."
            )

    def to_dict(self) -> dict:
        """JSON-serialisable settings (inverse of ``from_dict``)."""
        settings = asdict(self)
        # a list, not a mapping: band order is the token's column order and must survive sorted JSON
        settings["bands"] = [[name, lo, hi] for name, (lo, hi) in self.bands.items()]
        return settings

    @classmethod
    def from_dict(cls, settings: dict) -> SpectralTokenizer:
        """Rebuild a tokenizer from ``to_dict`` output."""
        settings = dict(settings)
        settings["bands"] = {name: (lo, hi) for name, lo, hi in settings["bands"]}
        return cls(**settings)

    def tokenize(self, traces: np.ndarray, sampling_frequency: float) -> tuple[np.ndarray, np.ndarray]:
        """Tokenize one window.

        Parameters
        ----------
        traces : np.ndarray
            Shape (n_samples, n_channels), one window.
        sampling_frequency : float
            Sampling rate of ``traces`` in Hz.

        Returns
        -------
        band_tokens : np.ndarray
            Shape (n_channels, n_bands + 1): log10 band power then log10 RMS.
        log_psd : np.ndarray
            Shape (n_channels, n_psd_bins): log10 mean PSD in the bins centred on ``psd_frequencies``.
        """
        # channels on the last, contiguous axis: Welch's per-segment detrend is several times faster
        traces = np.ascontiguousarray(np.asarray(traces, dtype="float64").T)
        traces = traces - traces.mean(axis=1, keepdims=True)
        nperseg = min(traces.shape[1], round(self.welch_segment_s * sampling_frequency))
        freqs, psd = welch(traces, fs=sampling_frequency, nperseg=nperseg, axis=-1)
        psd = np.maximum(psd.T, np.finfo("float64").tiny)
        band_powers = [
            np.trapezoid(psd[(freqs >= lo) & (freqs <= hi)], freqs[(freqs >= lo) & (freqs <= hi)], axis=0)
            for lo, hi in self.bands.values()
        ]
        rms = traces.std(axis=1)
        band_tokens = np.log10(np.maximum(np.column_stack([*band_powers, rms]), np.finfo("float64").tiny))
        log_psd = self._binned_log_psd(freqs, psd)
        return band_tokens.astype("float32"), log_psd.astype("float32")
