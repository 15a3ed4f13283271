"""Band power of LFP windows (Welch, float32, vectorised) and a lazy SpikeInterface node that streams it.

The Welch computation here is shared by the spectral tokenizer (``tokenizers.spectral``) and by
``BandPowerRecording``, so both give the same numbers for the same window.
"""

from __future__ import annotations

import numpy as np
from spikeinterface.core import BaseRecording, BaseRecordingSegment
from spikeinterface.core.core_tools import define_function_handling_dict_from_class
from spikeinterface.preprocessing.basepreprocessor import BasePreprocessor

DEFAULT_BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 12.0),
    "beta": (12.0, 30.0),
    "gamma": (30.0, 80.0),
    "high_gamma": (80.0, 150.0),
    "ripple": (150.0, 250.0),
}

# Lowest power reported, in squared trace units: far below any real signal (even traces in volts), and
# its log10 (-30) and 10 ** -30 stay finite in float32. A flat window reads exactly this in every band.
POWER_FLOOR = 1e-30

# Channels per Welch block: keeps one block's windowed segments and spectra (a few MB) in cache.
_CHANNEL_BLOCK = 8


def welch_segment_samples(sampling_frequency: float, segment_s: float, window_samples: int) -> int:
    """Welch segment length in samples: ``segment_s`` at ``sampling_frequency``, at most the window."""
    return min(window_samples, round(segment_s * sampling_frequency))


def welch_frequencies(sampling_frequency: float, segment_samples: int) -> np.ndarray:
    """Frequencies (Hz) of the one-sided Welch PSD with segments of ``segment_samples``."""
    return np.fft.rfftfreq(segment_samples, 1.0 / sampling_frequency)


def band_weights(frequencies: np.ndarray, bands: dict[str, tuple[float, float]]) -> np.ndarray:
    """Trapezoid-rule weights that integrate a PSD over each band (edges included).

    Parameters
    ----------
    frequencies : np.ndarray
        PSD frequencies in Hz, increasing.
    bands : dict of str to (float, float)
        Bands in Hz.

    Returns
    -------
    np.ndarray
        Shape (n_frequencies, n_bands): ``psd @ weights`` equals ``np.trapezoid`` of the PSD over the
        frequencies within each band.
    """
    weights = np.zeros((frequencies.size, len(bands)))
    for column, (low, high) in enumerate(bands.values()):
        inside = np.flatnonzero((frequencies >= low) & (frequencies <= high))
        steps = np.diff(frequencies[inside]) / 2
        weights[inside[:-1], column] += steps
        weights[inside[1:], column] += steps
    return weights


def flat_windows(windows: np.ndarray) -> np.ndarray:
    """True where a channel's window is flat (every sample equal), for windows of shape (n, n_samples, n_channels)."""
    return windows.max(axis=1) == windows.min(axis=1)


def welch_integrals(
    windows: np.ndarray, sampling_frequency: float, segment_samples: int, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Welch PSD of every window and channel, integrated against frequency weights.

    The PSD is ``scipy.signal.welch``'s default (periodic Hann segments of ``segment_samples``, 50 %
    overlap, constant detrend per segment, one-sided density), computed in float32 with ``scipy.fft``
    over all windows at once; the per-segment detrend is applied to the spectrum (a Hann window's
    spectrum is non-zero only in bins 0 and 1), so callers should pass roughly centred traces.

    Parameters
    ----------
    windows : np.ndarray
        Shape (n_windows, n_samples, n_channels), computed in float32; fastest when each channel's
        samples are contiguous (``windows.transpose(0, 2, 1)`` C-contiguous), as ``read_windows`` hands them.
    sampling_frequency : float
        Sampling rate in Hz.
    segment_samples : int
        Welch segment length (see ``welch_segment_samples``).
    weights : np.ndarray
        Shape (n_frequencies, n_outputs) over ``welch_frequencies``, e.g. from ``band_weights``.

    Returns
    -------
    integrals : np.ndarray
        Shape (n_windows, n_channels, n_outputs), float32: ``psd @ weights``, at least ``POWER_FLOOR``
        and exactly ``POWER_FLOOR`` for flat windows.
    flat : np.ndarray
        Shape (n_windows, n_channels), bool: windows whose samples are all equal (see ``flat_windows``).
    """
    import scipy.fft  # with scipy.special behind it, slow to import: only when computing

    windows = np.asarray(windows, dtype="float32")  # no copy for float32 (views keep their strides)
    n_windows, n_samples, n_channels = windows.shape
    step = segment_samples - segment_samples // 2
    n_segments = (n_samples - segment_samples) // step + 1
    taper = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(segment_samples) / segment_samples)  # periodic Hann
    taper_spectrum = scipy.fft.rfft(taper)[:2].astype("complex64")
    # density scaling, one-sided doubling (not DC nor an even length's Nyquist bin), mean over segments
    scale = np.full(segment_samples // 2 + 1, 2.0 / (sampling_frequency * (taper**2).sum() * n_segments))
    scale[0] /= 2
    if segment_samples % 2 == 0:
        scale[-1] /= 2
    # one row per real and imaginary part: |X|^2 = re^2 + im^2 becomes a single matrix product
    projection = np.repeat(weights * scale[:, None], 2, axis=0).astype("float32")
    taper = taper.astype("float32")

    channels_first = np.moveaxis(windows, 2, 1)  # (n_windows, n_channels, n_samples), a view
    integrals = np.empty((n_windows, n_channels, weights.shape[1]), dtype="float32")
    for first in range(0, n_channels, _CHANNEL_BLOCK):
        block = channels_first[:, first : first + _CHANNEL_BLOCK]
        segments = np.lib.stride_tricks.as_strided(
            block,
            shape=(*block.shape[:2], n_segments, segment_samples),
            strides=(*block.strides[:2], step * block.strides[2], block.strides[2]),
            writeable=False,
        )
        spectra = scipy.fft.rfft(segments * taper, axis=-1)
        spectra[..., :2] -= segments.mean(axis=-1, keepdims=True) * taper_spectrum  # constant detrend
        parts = spectra.view("float32")
        integrals[:, first : first + _CHANNEL_BLOCK] = np.einsum("...sf,...sf->...f", parts, parts) @ projection
    flat = flat_windows(windows)
    np.maximum(integrals, POWER_FLOOR, out=integrals)
    integrals[flat] = POWER_FLOOR
    return integrals, flat


def log_band_power(
    windows: np.ndarray,
    sampling_frequency: float,
    bands: dict[str, tuple[float, float]] | None = None,
    welch_segment_s: float = 1.0,
) -> np.ndarray:
    """log10 band power (Welch PSD integrated over each band, squared trace units) of each window and channel.

    Parameters
    ----------
    windows : np.ndarray
        Shape (n_windows, n_samples, n_channels), float32, roughly centred (see ``welch_integrals``).
    sampling_frequency : float
        Sampling rate in Hz.
    bands : dict of str to (float, float), list of [str, float, float] or None, default: None
        Bands in Hz; None uses ``DEFAULT_BANDS``.
    welch_segment_s : float, default: 1.0
        Welch segment length in seconds.

    Returns
    -------
    np.ndarray
        Shape (n_windows, n_channels, n_bands), float32, at least ``log10(POWER_FLOOR)`` (a flat window reads it).
    """
    bands = check_bands(bands)
    segment_samples = welch_segment_samples(sampling_frequency, welch_segment_s, windows.shape[1])
    weights = band_weights(welch_frequencies(sampling_frequency, segment_samples), bands)
    power, _ = welch_integrals(windows, sampling_frequency, segment_samples, weights)
    return np.log10(power)


def check_bands(bands) -> dict[str, tuple[float, float]]:
    """Bands as ``{name: (low, high)}`` in Hz from a mapping or ``[name, low, high]`` rows (None: defaults), checked."""
    if bands is None:
        bands = DEFAULT_BANDS
    rows = bands.items() if isinstance(bands, dict) else [(name, (low, high)) for name, low, high in bands]
    checked = {}
    for name, (low, high) in rows:
        if not 0 <= low < high:
            raise ValueError(f"Band {name!r} must satisfy 0 <= low < high, got ({low}, {high})")
        checked[str(name)] = (float(low), float(high))
    return checked


def _band_probegroup(recording: BaseRecording, n_bands: int):
    """The parent's probes repeated once per band, wired to output channel ``source * n_bands + band``."""
    from probeinterface import ProbeGroup

    probegroup = ProbeGroup()
    for band in range(n_bands):
        for probe in recording.get_probegroup().probes:
            copy = probe.copy()
            copy.set_device_channel_indices(np.asarray(probe.device_channel_indices) * n_bands + band)
            probegroup.add_probe(copy)
    return probegroup


class BandPowerRecording(BasePreprocessor):
    """Log10 band power of each channel over sliding windows, as a lazy recording.

    Output sample ``i`` of a segment is the window of ``window_s`` starting at parent frame ``i * hop``
    (``hop = round(hop_s * fs)``), timed at the window's centre; the output rate is ``fs / hop`` (1 / hop_s).
    Each value is the log10 of the Welch PSD integrated over a band, in squared trace units, computed
    exactly as the spectral tokenizer's band tokens (``welch_integrals``): at least ``log10(POWER_FLOOR)``
    (-30), which a flat window reads in every band. There is one output channel per input channel and
    band, ordered channel-major, with id ``"<channel>_<band>"``, properties ``source_channel`` and
    ``band``, the source channel's other properties and location (one probe copy per band).
    ``get_traces`` reads only the parent samples (and channels) that the requested windows cover; when
    windows overlap (``hop_s < window_s``), ask for many output samples at once (e.g. ``chunk_duration="60s"``
    when saving) so that each parent sample is read about once.

    Parameters
    ----------
    recording : BaseRecording
        The LFP recording; its Nyquist frequency must exceed every band.
    bands : dict of str to (float, float), list of [str, float, float] or None, default: None
        Bands in Hz; None uses ``DEFAULT_BANDS`` (delta .. ripple, 1-250 Hz).
    window_s : float, default: 3.0
        Window length in seconds.
    hop_s : float, default: 0.5
        Step between window starts in seconds.
    welch_segment_s : float, default: 1.0
        Welch segment length in seconds.

    Returns
    -------
    BandPowerRecording
        The band-power recording (float32).

    Examples
    --------
    >>> power = band_power(lfp, bands={"theta": (4, 8), "ripple": (150, 250)}, hop_s=1.0)
    """

    def __init__(
        self,
        recording: BaseRecording,
        bands: dict[str, tuple[float, float]] | list | None = None,
        window_s: float = 3.0,
        hop_s: float = 0.5,
        welch_segment_s: float = 1.0,
    ):
        bands = check_bands(bands)
        fs = recording.sampling_frequency
        window_samples, hop_samples = round(window_s * fs), round(hop_s * fs)
        if window_samples < 1 or hop_samples < 1:
            raise ValueError(f"window_s ({window_s} s) and hop_s ({hop_s} s) must each span at least one sample")
        if not 0 < welch_segment_s <= window_s:
            raise ValueError(f"welch_segment_s ({welch_segment_s} s) must lie in (0, window_s={window_s} s]")
        highest = max(high for _, high in bands.values())
        if fs / 2 <= highest:
            raise ValueError(f"A sampling frequency of {fs} Hz cannot resolve bands up to {highest} Hz (Nyquist)")
        for segment_index in range(recording.get_num_segments()):
            if recording.get_num_samples(segment_index) < window_samples:
                raise ValueError(
                    f"Segment {segment_index} has {recording.get_num_samples(segment_index)} samples, fewer than "
                    f"one window of {window_s} s ({window_samples} samples)."
                )

        source_ids = np.asarray(recording.channel_ids)
        channel_ids = np.array([f"{channel}_{band}" for channel in source_ids for band in bands])
        # not BasePreprocessor.__init__: it copies the parent's metadata by channel id, and ids change here
        BaseRecording.__init__(self, fs / hop_samples, channel_ids, "float32")
        self._parent = recording
        if recording.has_probe():
            self.set_probegroup(_band_probegroup(recording, len(bands)), check_overlap=False)
        source = np.repeat(np.arange(source_ids.size), len(bands))
        for key in recording.get_property_keys():
            if key not in ("gain_to_uV", "offset_to_uV", "location", "contact_vector"):
                self.set_property(key, recording.get_property(key)[source])
        self.set_property("source_channel", source_ids[source])
        self.set_property("band", np.tile(list(bands), source_ids.size))

        for parent_segment in recording.segments:
            self.add_recording_segment(
                BandPowerRecordingSegment(
                    parent_segment, fs, source_ids.size, window_samples, hop_samples, bands, welch_segment_s
                )
            )
        self._kwargs = dict(
            recording=recording,
            bands=[[name, low, high] for name, (low, high) in bands.items()],  # ordered, survives sorted JSON
            window_s=window_s,
            hop_s=hop_s,
            welch_segment_s=welch_segment_s,
        )


class BandPowerRecordingSegment(BaseRecordingSegment):
    """One segment of ``BandPowerRecording``: computes the windows that ``get_traces`` asks for."""

    def __init__(
        self,
        parent_segment: BaseRecordingSegment,
        parent_sampling_frequency: float,
        n_source_channels: int,
        window_samples: int,
        hop_samples: int,
        bands: dict[str, tuple[float, float]],
        welch_segment_s: float,
    ):
        self._parent_segment = parent_segment
        self._parent_sampling_frequency = parent_sampling_frequency
        self._n_source_channels = n_source_channels
        self._window_samples = window_samples
        self._hop_samples = hop_samples
        self._bands = bands
        self._welch_segment_s = welch_segment_s
        times = parent_segment.get_times_kwargs()
        if times["time_vector"] is not None:  # each window timed at its centre
            centres = times["time_vector"][window_samples // 2 :: hop_samples][: self.get_num_samples()]
            time_kwargs = dict(time_vector=centres)
        else:
            time_kwargs = dict(t_start=(times["t_start"] or 0.0) + window_samples / 2 / parent_sampling_frequency)
        BaseRecordingSegment.__init__(self, sampling_frequency=parent_sampling_frequency / hop_samples, **time_kwargs)

    def get_num_samples(self) -> int:
        return (self._parent_segment.get_num_samples() - self._window_samples) // self._hop_samples + 1

    def get_traces(self, start_frame: int, end_frame: int, channel_indices) -> np.ndarray:
        n_bands = len(self._bands)
        outputs = np.arange(self._n_source_channels * n_bands)
        if channel_indices is not None:
            outputs = outputs[channel_indices]
        sources, bands = np.divmod(outputs, n_bands)
        needed, position = np.unique(sources, return_inverse=True)
        n_frames = max(end_frame - start_frame, 0)
        if n_frames == 0 or outputs.size == 0:
            return np.zeros((n_frames, outputs.size), dtype="float32")
        traces = self._parent_segment.get_traces(
            start_frame * self._hop_samples, (end_frame - 1) * self._hop_samples + self._window_samples, needed
        )
        channels_first = np.ascontiguousarray(traces.T, dtype="float32")
        channels_first -= channels_first.mean(axis=1, keepdims=True)  # float32 precision; Welch detrends anyway
        sliding = np.lib.stride_tricks.sliding_window_view(channels_first, self._window_samples, axis=1)
        windows = sliding[:, :: self._hop_samples].transpose(1, 2, 0)  # (n_frames, n_samples, n_channels), a view
        log_power = log_band_power(windows, self._parent_sampling_frequency, self._bands, self._welch_segment_s)
        return log_power[:, position, bands]


band_power = define_function_handling_dict_from_class(source_class=BandPowerRecording, name="band_power")
