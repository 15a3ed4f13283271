"""Spatial tokens: how strongly each channel's LFP co-varies with its nearest neighbours on the probe."""

from __future__ import annotations

import numpy as np


def nearest_neighbours(channel_locations: np.ndarray, n_neighbours: int = 2) -> np.ndarray:
    """Indices of the ``n_neighbours`` closest other channels of each channel, shape (n_channels, k)."""
    locations = np.asarray(channel_locations, dtype="float64")
    n_neighbours = min(n_neighbours, locations.shape[0] - 1)
    if n_neighbours < 1:
        return np.zeros((locations.shape[0], 0), dtype="int64")
    distances = np.linalg.norm(locations[:, None, :] - locations[None, :, :], axis=2)
    np.fill_diagonal(distances, np.inf)
    return np.argsort(distances, axis=1, kind="stable")[:, :n_neighbours]


def neighbour_correlation(traces: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """Mean Pearson correlation of each channel with its neighbours over one window.

    Parameters
    ----------
    traces : np.ndarray
        Shape (n_samples, n_channels).
    neighbours : np.ndarray
        From ``nearest_neighbours``.

    Returns
    -------
    np.ndarray
        Shape (n_channels,); 0 for a flat (dead) channel.
    """
    if neighbours.shape[1] == 0:
        return np.zeros(traces.shape[1], dtype="float32")
    centred = np.asarray(traces, dtype="float64") - traces.mean(axis=0, keepdims=True)
    norms = np.sqrt((centred**2).sum(axis=0))
    scaled = centred / np.where(norms > 0, norms, np.inf)
    correlations = np.einsum("tc,tck->ck", scaled, scaled[:, neighbours])
    return correlations.mean(axis=1).astype("float32")
