"""Run the spectral tokenizer over windows of a recording, in parallel chunks with SpikeInterface job kwargs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
from spikeinterface.core import BaseRecording

from ..preprocessing.windows import read_windows, sample_windows
from .spatial import nearest_neighbours
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
    flat : np.ndarray
        Shape (n_windows, n_channels), bool: the channel was flat (every sample equal, e.g. dead or
        zeroed) in that window; its powers then read the floor (log10 -30, RMS -15) and its correlation 0.
    """

    band_tokens: np.ndarray
    log_psd: np.ndarray
    neighbour_correlation: np.ndarray
    windows: np.ndarray
    channel_ids: np.ndarray
    feature_names: list[str]
    psd_frequencies: np.ndarray
    sampling_frequency: float
    flat: np.ndarray


def _channel_positions(recording: BaseRecording) -> np.ndarray:
    """Channel locations, or the channel order as a 1-D position when no probe is attached."""
    if recording.has_probe() or "location" in recording.get_property_keys():
        return recording.get_channel_locations()
    return np.arange(recording.get_num_channels(), dtype="float64")[:, None]


def compute_spectral_tokens(
    recording: BaseRecording,
    tokenizer: SpectralTokenizer | None = None,
    windows: np.ndarray | None = None,
    n_windows: int | None = 20,
    seed: int | None = 0,
    **job_kwargs,
) -> SpectralTokens:
    """Tokenize windows of a recording in parallel chunks.

    Windows are read with ``preprocessing.read_windows`` (``chunk_duration`` / ``chunk_size`` job kwargs
    bound the samples held in memory at once, plus one window), so peak memory does not grow with
    recording length, and each chunk's windows are tokenized together (``SpectralTokenizer.tokenize_batch``).

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
        Tokens of shape (n_windows, n_channels, ...), with the ``flat`` flags of dead channels.
    """
    tokenizer = tokenizer or SpectralTokenizer()
    tokenizer.check_sampling_frequency(recording.sampling_frequency)
    if windows is None:
        windows = sample_windows(recording, tokenizer.window_s, n_windows=n_windows, seed=seed)
    tokenize = partial(
        tokenizer.tokenize_batch,
        sampling_frequency=recording.sampling_frequency,
        neighbours=nearest_neighbours(_channel_positions(recording)),
        overwrite=True,
    )
    tokens = read_windows(recording, windows, tokenizer.window_s, tokenize, job_name="spectral tokens", **job_kwargs)
    return SpectralTokens(
        **tokens,
        windows=windows,
        channel_ids=np.asarray(recording.channel_ids),
        feature_names=tokenizer.feature_names,
        psd_frequencies=tokenizer.psd_frequencies,
        sampling_frequency=recording.sampling_frequency,
    )
