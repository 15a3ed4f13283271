"""Reproducible sampling of fixed-length analysis windows from a recording."""

from __future__ import annotations

import numpy as np
from spikeinterface.core import BaseRecording

window_dtype = np.dtype([("segment_index", "int64"), ("start_frame", "int64")])


def window_length_samples(recording: BaseRecording, window_s: float) -> int:
    """Number of samples in a window of ``window_s`` seconds at the recording's sampling rate."""
    if window_s <= 0:
        raise ValueError(f"window_s must be positive, got {window_s}")
    return round(window_s * recording.sampling_frequency)


def sample_windows(
    recording: BaseRecording,
    window_s: float = 3.0,
    n_windows: int | None = 20,
    seed: int | None = 0,
) -> np.ndarray:
    """Choose non-overlapping analysis windows, reproducibly.

    The recording is tiled into consecutive non-overlapping windows of ``window_s`` seconds in every
    segment; ``n_windows`` of them are drawn without replacement with ``seed`` (all of them when
    ``n_windows`` is None or larger than the number of tiles). Windows are returned sorted by time.

    Parameters
    ----------
    recording : BaseRecording
        The recording to cut.
    window_s : float, default: 3.0
        Window length in seconds.
    n_windows : int or None, default: 20
        How many windows to draw; None takes every window.
    seed : int or None, default: 0
        Seed of the draw.

    Returns
    -------
    np.ndarray
        Structured array with fields ``segment_index`` and ``start_frame``, sorted.
    """
    window_len = window_length_samples(recording, window_s)
    tiles = []
    for segment_index in range(recording.get_num_segments()):
        n_tiles = recording.get_num_samples(segment_index) // window_len
        starts = np.arange(n_tiles, dtype="int64") * window_len
        tiles.append(np.column_stack([np.full(n_tiles, segment_index), starts]))
    tiles = np.concatenate(tiles) if tiles else np.zeros((0, 2), dtype="int64")
    if tiles.shape[0] == 0:
        longest = max(recording.get_duration(s) for s in range(recording.get_num_segments()))
        raise ValueError(
            f"The recording is shorter than one window: its longest segment lasts {longest:.2f} s "
            f"and the window is {window_s} s. Use a shorter window or a longer recording."
        )
    if n_windows is not None:
        if n_windows <= 0:
            raise ValueError(f"n_windows must be positive or None, got {n_windows}")
        if n_windows < tiles.shape[0]:
            rng = np.random.default_rng(seed)
            tiles = tiles[np.sort(rng.choice(tiles.shape[0], size=n_windows, replace=False))]
    windows = np.zeros(tiles.shape[0], dtype=window_dtype)
    windows["segment_index"] = tiles[:, 0]
    windows["start_frame"] = tiles[:, 1]
    return windows
