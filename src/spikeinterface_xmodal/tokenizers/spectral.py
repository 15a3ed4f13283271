"""Spectral tokens of LFP windows: log band power per canonical band, RMS, and a log-PSD on a fixed grid."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ..preprocessing.band_power import (
    DEFAULT_BANDS,
    POWER_FLOOR,
    band_weights,
    check_bands,
    welch_frequencies,
    welch_integrals,
    welch_segment_samples,
)
from .spatial import neighbour_correlation


@dataclass
class SpectralTokenizer:
    """Settings of the spectral tokenizer: a window becomes one token per channel.

    Each token holds the log10 power in each band (integrated Welch PSD, in squared trace units),
    the log10 RMS of the window, and the log10 of the mean PSD in fixed log-spaced frequency bins
    (interpolated where a bin is narrower than the Welch resolution), so that tokens from recordings
    sampled at different rates are comparable. Powers are those of ``scipy.signal.welch`` (Hann segments
    of ``welch_segment_s``, 50 % overlap), computed in float32 over whole batches of windows
    (``preprocessing.band_power.welch_integrals``, shared with the ``band_power`` recording), and floored
    at ``POWER_FLOOR`` (1e-30 squared trace units, log10 -30) so that dead or flat channels give finite
    tokens; ``tokenize_batch`` flags flat windows.

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
        self.bands = check_bands(self.bands)
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

    def psd_bin_weights(self, frequencies: np.ndarray) -> np.ndarray:
        """Weights that average a PSD in each log-PSD bin, shape (n_frequencies, n_psd_bins).

        A bin's value is the mean PSD over the frequencies in [low, high), or, for a bin narrower than
        the frequency resolution, the PSD linearly interpolated at its centre.
        """
        edges = self.psd_bin_edges
        weights = np.zeros((frequencies.size, self.n_psd_bins))
        for column, (low, high, centre) in enumerate(zip(edges[:-1], edges[1:], self.psd_frequencies, strict=True)):
            inside = (frequencies >= low) & (frequencies < high)
            if inside.any():
                weights[inside, column] = 1.0 / inside.sum()
            else:  # np.interp as weights: the two frequencies around the centre (the end one outside the range)
                right = int(np.clip(np.searchsorted(frequencies, centre), 1, frequencies.size - 1))
                fraction = np.clip(
                    (centre - frequencies[right - 1]) / np.diff(frequencies[right - 1 : right + 1])[0], 0, 1
                )
                weights[right - 1 : right + 1, column] = 1 - fraction, fraction
        return weights

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

    def tokenize_batch(
        self,
        windows: np.ndarray,
        sampling_frequency: float,
        neighbours: np.ndarray | None = None,
        overwrite: bool = False,
    ) -> dict[str, np.ndarray]:
        """Tokenize a batch of windows at once (float32, one Welch pass over every window and channel).

        Parameters
        ----------
        windows : np.ndarray
            Shape (n_windows, n_samples, n_channels), float32; fastest channel-major, as from ``read_windows``.
        sampling_frequency : float
            Sampling rate of ``windows`` in Hz.
        neighbours : np.ndarray or None, default: None
            Neighbour indices (``nearest_neighbours``) for the neighbour correlation; None gives 0.
        overwrite : bool, default: False
            Centre ``windows`` in place instead of on a copy.

        Returns
        -------
        dict of str to np.ndarray
            ``band_tokens`` (n_windows, n_channels, n_bands + 1): log10 band power then log10 RMS;
            ``log_psd`` (n_windows, n_channels, n_psd_bins); ``neighbour_correlation`` (n_windows,
            n_channels); ``flat`` (n_windows, n_channels), True where every sample of the window is equal.
            Powers are floored at ``POWER_FLOOR`` (log10: -30; RMS -15) and a flat window gets exactly
            the floor and a correlation of 0, so every token is finite.
        """
        windows = np.asarray(windows, dtype="float32")
        centred = np.subtract(windows, windows.mean(axis=1, keepdims=True), out=windows if overwrite else None)
        n_samples = centred.shape[1]
        segment_samples = welch_segment_samples(sampling_frequency, self.welch_segment_s, n_samples)
        frequencies = welch_frequencies(sampling_frequency, segment_samples)
        weights = np.hstack([band_weights(frequencies, self.bands), self.psd_bin_weights(frequencies)])
        power, flat = welch_integrals(centred, sampling_frequency, segment_samples, weights)
        channels_first = np.moveaxis(centred, 2, 1)
        mean_square = np.einsum("...t,...t->...", channels_first, channels_first) / n_samples
        mean_square = np.where(flat, POWER_FLOOR, np.maximum(mean_square, POWER_FLOOR))
        n_bands = len(self.bands)
        band_tokens = np.log10(np.concatenate([power[..., :n_bands], mean_square[..., None]], axis=-1))
        band_tokens[..., -1] /= 2  # log10 RMS = log10(mean square) / 2
        if neighbours is None:
            correlation = np.zeros(flat.shape, dtype="float32")
        else:
            correlation = neighbour_correlation(centred, neighbours, centred=True)
            correlation[flat] = 0.0
        return dict(
            band_tokens=band_tokens.astype("float32"),
            log_psd=np.log10(power[..., n_bands:]),
            neighbour_correlation=correlation,
            flat=flat,
        )
