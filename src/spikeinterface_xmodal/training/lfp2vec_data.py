"""Streamed Lfp2Vec training data: (recording, window, channel group) items read from disk when asked for."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from spikeinterface.core import BaseRecording

from ..preprocessing.windows import read_windows
from ..region_models.lfp2vec import draw_windows

UNLABELLED_INDEX = -1


class _ChannelsOfWindow:
    """``read_windows`` batch function keeping some channels, channel-major: {"waveforms": (n, n_channels, T)}."""

    def __init__(self, channels: np.ndarray):
        self.channels = channels

    def __call__(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        return {"waveforms": batch.transpose(0, 2, 1)[:, self.channels]}


class ChannelWindowDataset(torch.utils.data.Dataset):
    """Windows of many recordings, one item per (recording, window, group of channels), read on access.

    Nothing is read up front: an item reads its one window with ``read_windows`` (every channel of it, for a
    few), so memory stays at a batch whatever the number and length of the recordings. A map-style dataset:
    Lightning shards it across DDP processes with a distributed sampler. An item holds ``waveforms``
    (n_channels, window_samples), the channels' ``depths_um`` along the probe and, with labels, ``labels``.

    Parameters
    ----------
    recordings : sequence of BaseRecording
        At the model's rate (``region_models.lfp2vec.lfp_at_model_rate``).
    window_s : float
        Window length (s).
    n_windows : int or None
        Windows drawn per recording (``sample_windows``); a recording holding fewer is refused. None takes all.
    channels_per_item : int
        Channels per item (the last group of a window may be smaller).
    channels_per_window : int or None
        Channels drawn (without replacement, seeded) for each window; None uses all usable channels.
    labels : sequence of np.ndarray or None
        Class index per channel of each recording (``UNLABELLED_INDEX`` where unknown: such channels are not
        used); None for self-supervised data.
    seed : int
        Seed of the window and channel draws.
    """

    def __init__(
        self,
        recordings: Sequence[BaseRecording],
        window_s: float,
        n_windows: int | None,
        channels_per_item: int = 8,
        channels_per_window: int | None = None,
        labels: Sequence[np.ndarray] | None = None,
        seed: int = 0,
    ):
        if channels_per_item < 1 or (channels_per_window is not None and channels_per_window < 1):
            raise ValueError("channels_per_item and channels_per_window must be positive")
        self.recordings = list(recordings)
        self.window_s = window_s
        self.labels = None if labels is None else [np.asarray(lab, dtype="int64") for lab in labels]
        self.depths_um = [r.get_channel_locations()[:, 1].astype("float32") for r in self.recordings]
        rng = np.random.default_rng(seed)
        self.items: list[tuple[int, np.ndarray, np.ndarray]] = []
        for index, recording in enumerate(self.recordings):
            usable = np.arange(recording.get_num_channels())
            if self.labels is not None:
                usable = usable[self.labels[index] != UNLABELLED_INDEX]
            for window in draw_windows(recording, window_s, n_windows, int(rng.integers(2**31))):
                channels = rng.permutation(usable)[:channels_per_window]
                for start in range(0, channels.size, channels_per_item):
                    group = np.sort(channels[start : start + channels_per_item])
                    self.items.append((index, window.reshape(1), group))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, item: int) -> dict[str, torch.Tensor]:
        index, window, channels = self.items[item]
        waveforms = read_windows(
            self.recordings[index], window, self.window_s, _ChannelsOfWindow(channels), progress_bar=False, n_jobs=1
        )["waveforms"][0]
        sample = {
            "waveforms": torch.from_numpy(np.ascontiguousarray(waveforms)),
            "depths_um": torch.from_numpy(self.depths_um[index][channels]),
        }
        if self.labels is not None:
            sample["labels"] = torch.from_numpy(self.labels[index][channels])
        return sample


def collate_channel_windows(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Concatenate items' windows (and labels) into one batch of windows."""
    return {name: torch.cat([item[name] for item in items]) for name in items[0]}
