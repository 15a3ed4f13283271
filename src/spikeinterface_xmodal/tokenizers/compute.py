"""Run the spectral tokenizer over windows of a recording, in parallel chunks with SpikeInterface job kwargs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from spikeinterface.core import BaseRecording
from spikeinterface.core.job_tools import TimeSeriesChunkExecutor, fix_job_kwargs

from ..preprocessing.windows import sample_windows, window_length_samples
from .spatial import nearest_neighbours, neighbour_correlation
from .spectral import SpectralTokenizer


@dataclass
class SpectralTokens:
    """Tokens of a recording: one per window and channel.

    Attributes
    ----------
    band_tokens : np.ndarray
        Shape (n_windows, n_channels, n_features), log10 band power and log10 RMS.
    log_psd : np.ndarray
        Shape (n_windows, n_channels, n_psd_bins).
    neighbour_correlation : np.ndarray
        Shape (n_windows, n_channels): mean correlation with the two nearest channels.
    windows : np.ndarray
        The windows (``segment_index``, ``start_frame``), as from ``sample_windows``.
    channel_ids : np.ndarray
        Channel ids, in the column order of the tokens.
    feature_names : list of str
        Names of the band-token features.
    psd_frequencies : np.ndarray
        Frequencies of the log-PSD grid in Hz.
    sampling_frequency : float
        Sampling rate of the tokenized recording.
    """

    band_tokens: np.ndarray
    log_psd: np.ndarray
    neighbour_correlation: np.ndarray
    windows: np.ndarray
    channel_ids: np.ndarray
    feature_names: list[str]
    psd_frequencies: np.ndarray
    sampling_frequency: float


def _channel_positions(recording: BaseRecording) -> np.ndarray:
    """Channel locations, or the channel order as a 1-D position when no probe is attached."""
    if recording.has_probe() or "location" in recording.get_property_keys():
        return recording.get_channel_locations()
    return np.arange(recording.get_num_channels(), dtype="float64")[:, None]


def _init_tokenizer_worker(recording, tokenizer, windows, window_len):
    neighbours = nearest_neighbours(_channel_positions(recording))
    return dict(recording=recording, tokenizer=tokenizer, windows=windows, window_len=window_len, neighbours=neighbours)


def _tokenize_chunk(segment_index, start_frame, end_frame, worker_dict):
    recording = worker_dict["recording"]
    windows = worker_dict["windows"]
    window_len = worker_dict["window_len"]
    in_chunk = np.flatnonzero(
        (windows["segment_index"] == segment_index)
        & (windows["start_frame"] >= start_frame)
        & (windows["start_frame"] + window_len <= end_frame)
    )
    traces = recording.get_traces(segment_index=segment_index, start_frame=start_frame, end_frame=end_frame)
    bad = ~np.isfinite(traces).all(axis=0)
    if np.any(bad):
        raise ValueError(
            f"The recording has NaN or Inf samples on channels {recording.channel_ids[bad][:10].tolist()} "
            f"(segment {segment_index}, frames {start_frame}-{end_frame}). Interpolate or remove those channels "
            "first, e.g. with spikeinterface.preprocessing.interpolate_bad_channels."
        )
    fs = recording.sampling_frequency
    band_tokens, log_psd, correlation = [], [], []
    for start in windows["start_frame"][in_chunk]:
        window = traces[start - start_frame : start - start_frame + window_len]
        bands, psd = worker_dict["tokenizer"].tokenize(window, fs)
        band_tokens.append(bands)
        log_psd.append(psd)
        correlation.append(neighbour_correlation(window, worker_dict["neighbours"]))
    return in_chunk, band_tokens, log_psd, correlation


def _chunk_slices(windows: np.ndarray, window_len: int, chunk_size: int) -> list[tuple[int, int, int]]:
    """Group sorted windows into chunks of at most ``chunk_size`` + one window of samples."""
    slices = []
    group = windows["start_frame"] // max(chunk_size, 1)
    keys = np.column_stack([windows["segment_index"], group])
    for segment_index, chunk_index in np.unique(keys, axis=0):
        members = (keys[:, 0] == segment_index) & (keys[:, 1] == chunk_index)
        starts = windows["start_frame"][members]
        slices.append((int(segment_index), int(starts.min()), int(starts.max()) + window_len))
    return slices


def compute_spectral_tokens(
    recording: BaseRecording,
    tokenizer: SpectralTokenizer | None = None,
    windows: np.ndarray | None = None,
    n_windows: int | None = 20,
    seed: int | None = 0,
    **job_kwargs,
) -> SpectralTokens:
    """Tokenize windows of a recording in parallel chunks.

    Windows are read chunk by chunk (``chunk_duration`` / ``chunk_size`` job kwargs bound the samples
    held in memory at once, plus one window), so peak memory does not grow with recording length.

    Parameters
    ----------
    recording : BaseRecording
        An LFP recording (see ``preprocessing.extract_lfp``).
    tokenizer : SpectralTokenizer or None, default: None
        Tokenizer settings; None uses the defaults (3 s windows).
    windows : np.ndarray or None, default: None
        Windows from ``sample_windows``; None draws ``n_windows`` with ``seed``.
    n_windows : int or None, default: 20
        Number of windows to draw when ``windows`` is None; None tokenizes every window.
    seed : int or None, default: 0
        Seed of the window draw.
    **job_kwargs
        SpikeInterface job kwargs: ``n_jobs``, ``chunk_duration``, ``progress_bar``, ``pool_engine``, ...

    Returns
    -------
    SpectralTokens
        Tokens of shape (n_windows, n_channels, ...).
    """
    tokenizer = tokenizer or SpectralTokenizer()
    tokenizer.check_sampling_frequency(recording.sampling_frequency)
    if windows is None:
        windows = sample_windows(recording, tokenizer.window_s, n_windows=n_windows, seed=seed)
    window_len = window_length_samples(recording, tokenizer.window_s)
    n_channels = recording.get_num_channels()
    band_tokens = np.zeros((windows.size, n_channels, len(tokenizer.feature_names)), dtype="float32")
    log_psd = np.zeros((windows.size, n_channels, tokenizer.n_psd_bins), dtype="float32")
    correlation = np.zeros((windows.size, n_channels), dtype="float32")

    def gather(result):
        # fill the outputs as chunks arrive, so only one chunk's tokens are held at a time
        window_indices, bands, psds, correlations = result
        if window_indices.size:
            band_tokens[window_indices] = np.stack(bands)
            log_psd[window_indices] = np.stack(psds)
            correlation[window_indices] = np.stack(correlations)

    executor = TimeSeriesChunkExecutor(
        recording,
        _tokenize_chunk,
        _init_tokenizer_worker,
        (recording, tokenizer, windows, window_len),
        gather_func=gather,
        job_name="spectral tokens",
        **fix_job_kwargs(job_kwargs),
    )
    executor.run(slices=_chunk_slices(windows, window_len, executor.chunk_size))
    return SpectralTokens(
        band_tokens=band_tokens,
        log_psd=log_psd,
        neighbour_correlation=correlation,
        windows=windows,
        channel_ids=np.asarray(recording.channel_ids),
        feature_names=tokenizer.feature_names,
        psd_frequencies=tokenizer.psd_frequencies,
        sampling_frequency=recording.sampling_frequency,
    )
