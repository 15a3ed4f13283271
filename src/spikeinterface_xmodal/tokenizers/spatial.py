"""Spatial tokens: how strongly each channel's LFP co-varies with its nearest neighbours on the probe."""

from __future__ import annotations

import numpy as np

_CHANNEL_BLOCK = 32


def nearest_neighbours(channel_locations: np.ndarray, n_neighbours: int = 2) -> np.ndarray:
    """Indices of the ``n_neighbours`` closest other channels of each channel, shape (n_channels, k)."""
    locations = np.asarray(channel_locations, dtype="float64")
    n_neighbours = min(n_neighbours, locations.shape[0] - 1)
    if n_neighbours < 1:
        return np.zeros((locations.shape[0], 0), dtype="int64")
    distances = np.linalg.norm(locations[:, None, :] - locations[None, :, :], axis=2)
    np.fill_diagonal(distances, np.inf)
    return np.argsort(distances, axis=1, kind="stable")[:, :n_neighbours]


def neighbour_correlation(traces: np.ndarray, neighbours: np.ndarray, centred: bool = False) -> np.ndarray:
    """Mean Pearson correlation of each channel with its neighbours over a window, for one window or a batch.

    Parameters
    ----------
    traces : np.ndarray
        Shape (n_samples, n_channels) or (n_windows, n_samples, n_channels); fastest when each channel's
        samples are contiguous (``read_windows`` batches).
    neighbours : np.ndarray
        From ``nearest_neighbours``.
    centred : bool, default: False
        True when each channel's mean over the window is already removed (skips a copy).

    Returns
    -------
    np.ndarray
        Shape (n_channels,) or (n_windows, n_channels), float32; 0 for an all-zero channel and within
        rounding of 0 for any other flat one (``SpectralTokenizer.tokenize_batch`` sets those to 0).
    """
    channels_first = np.moveaxis(np.asarray(traces), -1, -2)  # (..., n_channels, n_samples)
    if not np.issubdtype(channels_first.dtype, np.floating):
        channels_first = channels_first.astype("float64")
    if not centred:
        channels_first = channels_first - channels_first.mean(axis=-1, keepdims=True)
    n_channels, n_neighbours = neighbours.shape
    if n_neighbours == 0:
        return np.zeros(channels_first.shape[:-1], dtype="float32")
    norms = np.sqrt(np.einsum("...t,...t->...", channels_first, channels_first).astype("float64"))
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    products = np.empty((*channels_first.shape[:-1], n_neighbours), dtype="float64")
    for first in range(0, n_channels, _CHANNEL_BLOCK):  # blocks keep each gathered neighbour copy in cache
        block = slice(first, first + _CHANNEL_BLOCK)
        for column, indices in enumerate(neighbours[block].T):
            products[..., block, column] = np.einsum(
                "...t,...t->...", channels_first[..., block, :], channels_first[..., indices, :]
            )
    return (products * inverse[..., None] * inverse[..., neighbours]).mean(axis=-1).astype("float32")
