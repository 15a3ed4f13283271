"""Spikes and LFP on one grid of time bins: the tokens of the spike teacher and the LFP student."""

from __future__ import annotations

import numpy as np

_CHUNK_S = 60.0  # LFP is read this many seconds at a time


def n_bins_of(recording, bin_s: float) -> int:
    """Number of whole bins of ``bin_s`` seconds in a one-segment recording."""
    per_bin = recording.sampling_frequency * bin_s
    return int(recording.get_num_samples() // per_bin)


def bin_times(recording, bin_s: float) -> np.ndarray:
    """Centre times (s, the recording's time base) of the bins of :func:`bin_lfp`."""
    start = float(recording.get_times()[0])
    return start + (np.arange(n_bins_of(recording, bin_s)) + 0.5) * bin_s


def bin_lfp(recording, bin_s: float) -> np.ndarray:
    """Mean LFP of each channel in consecutive bins (a boxcar low-pass and decimation), shape (n_bins, n_channels).

    Parameters
    ----------
    recording : spikeinterface.core.BaseRecording
        One segment of LFP, any rate with at least one sample per bin.
    bin_s : float
        Bin width in seconds.

    Returns
    -------
    np.ndarray
        float32 means, in uV when the recording has gains.

    Raises
    ------
    ValueError
        If a bin would hold no sample, the recording is shorter than one bin, or it has NaN or Inf samples
        (the error names the channels).
    """
    from ..preprocessing.check_finite import check_finite

    recording = check_finite(recording)
    fs = recording.sampling_frequency
    if fs * bin_s < 1:
        raise ValueError(f"the LFP at {fs} Hz has less than one sample per {bin_s * 1000:.0f} ms bin")
    n_bins = n_bins_of(recording, bin_s)
    if n_bins < 1:
        raise ValueError(f"the LFP recording ({recording.get_duration():.3f} s) is shorter than one bin ({bin_s} s)")
    in_uv = recording.has_scaleable_traces()
    bin_of_sample = (np.arange(recording.get_num_samples()) // (fs * bin_s)).astype(int)
    sums = np.zeros((n_bins, recording.get_num_channels()))
    step = int(_CHUNK_S * fs)
    for start in range(0, recording.get_num_samples(), step):
        stop = min(start + step, recording.get_num_samples())
        traces = recording.get_traces(start_frame=start, end_frame=stop, return_in_uV=in_uv).astype(float)
        bins = bin_of_sample[start:stop]
        firsts = np.flatnonzero(np.r_[True, np.diff(bins) != 0])  # bins are runs of consecutive samples
        keep = bins[firsts] < n_bins
        np.add.at(sums, bins[firsts][keep], np.add.reduceat(traces, firsts, axis=0)[keep])
    counts = np.bincount(bin_of_sample[bin_of_sample < n_bins], minlength=n_bins)[:, None]
    return (sums / counts).astype("float32")


def bin_spikes(spike_times: list[np.ndarray], n_bins: int, bin_s: float, what: str = "the sorting") -> np.ndarray:
    """Spike counts per bin and unit, shape (n_bins, n_units), bins starting at time 0.

    Raises
    ------
    ValueError
        No spike falls in any bin (the teacher would have nothing to learn from).
    """
    edges = np.arange(n_bins + 1) * bin_s
    counts = np.column_stack([np.histogram(t, edges)[0] for t in spike_times]).astype("float32")
    if counts.sum() == 0:
        raise ValueError(f"{what} has no spikes in the {n_bins} bins of {bin_s * 1000:.0f} ms over the LFP")
    return counts
