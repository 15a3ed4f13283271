"""Binned sessions cut into windows for the spike teacher and the LFP student, split by held-out trials."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..distillation.binning import bin_lfp, bin_spikes, bin_times


@dataclass
class BinnedSession:
    """One session on its grid of bins: model inputs, optional teacher latents, and the first held-out bin.

    Attributes
    ----------
    session_id : str
        Read-in key.
    values : np.ndarray
        Model inputs, (n_bins, n_values) float32: spike counts, or standardised LFP.
    times : np.ndarray
        Bin centres (s).
    first_held_out : int
        Bins from here on are the held-out trials (validation); earlier bins are for training.
    targets : np.ndarray or None
        The teacher's latents of each bin, (n_bins, d_latent), for distillation.
    """

    session_id: str
    values: np.ndarray
    times: np.ndarray
    first_held_out: int
    targets: np.ndarray | None = None


def first_held_out_bin(times: np.ndarray, trials: dict | None, held_out_fraction: float) -> int:
    """First bin of the held-out trials: the last ``held_out_fraction`` of trials (or of bins, without trials)."""
    if not 0 < held_out_fraction < 1:
        raise ValueError(f"held_out_fraction must be between 0 and 1, got {held_out_fraction}")
    if trials is None or len(trials["start_time"]) < 2:
        return round(times.size * (1 - held_out_fraction))
    starts = np.sort(np.asarray(trials["start_time"], float))
    first_trial = min(len(starts) - 1, round(len(starts) * (1 - held_out_fraction)))
    return int(np.searchsorted(times, starts[first_trial]))


def standardise(values: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``(values - mean) / std`` as float32."""
    return ((values - mean) / std).astype("float32")


def channel_stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (floored) of each column."""
    std = values.std(axis=0)
    return values.mean(axis=0), np.where(std > 0, std, 1.0)


def spike_counts(session, bin_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres and spike counts (n_bins, n_units) of a session on its LFP's bins."""
    if session.sorting is None:
        raise ValueError(f"session {session.session_id!r} has no sorting; the spike teacher needs spikes")
    times = bin_times(session.lfp, bin_s)
    counts = bin_spikes(session.spike_times(), times.size, bin_s, f"the sorting of session {session.session_id!r}")
    return times, counts


def windows(n_bins: int, start: int, stop: int, window_bins: int) -> list[int]:
    """Start bins of half-overlapping windows of ``window_bins`` inside ``[start, stop)``."""
    last = stop - window_bins
    return list(range(start, last + 1, max(1, window_bins // 2))) if last >= start else []


class WindowDataset:
    """Windows of binned sessions: item ``i`` is ``(session index, inputs, teacher latents or an empty array)``."""

    def __init__(self, sessions: list[BinnedSession], window_bins: int, held_out: bool) -> None:
        self.sessions = sessions
        self.window_bins = window_bins
        self.items = []
        for index, session in enumerate(sessions):
            bounds = (session.first_held_out, session.values.shape[0]) if held_out else (0, session.first_held_out)
            self.items += [(index, s) for s in windows(session.values.shape[0], *bounds, window_bins)]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        import torch

        index, start = self.items[i]
        session = self.sessions[index]
        window = slice(start, start + self.window_bins)
        targets = session.targets[window] if session.targets is not None else np.zeros((self.window_bins, 0))
        return index, torch.from_numpy(session.values[window]), torch.from_numpy(targets.astype("float32"))


class SessionBatchSampler:
    """Batches of windows of one session each (read-ins differ by session), shuffled per epoch, split by rank.

    Every process of a distributed run draws the same batches and keeps every ``world_size``-th one, all
    processes keeping as many batches, so DDP never waits on a missing batch.
    """

    def __init__(self, dataset: WindowDataset, batch_size: int, shuffle: bool, seed: int) -> None:
        self.dataset, self.batch_size, self.shuffle, self.seed = dataset, batch_size, shuffle, seed
        self.epoch = 0

    def _all_batches(self) -> list[list[int]]:
        rng = np.random.default_rng([self.seed, self.epoch])
        by_session: dict[int, list[int]] = {}
        for i, (index, _) in enumerate(self.dataset.items):
            by_session.setdefault(index, []).append(i)
        batches = []
        for items in by_session.values():
            order = rng.permutation(items) if self.shuffle else np.asarray(items)
            batches += [order[i : i + self.batch_size].tolist() for i in range(0, len(order), self.batch_size)]
        return [batches[i] for i in rng.permutation(len(batches))] if self.shuffle else batches

    def _rank(self) -> tuple[int, int]:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return dist.get_rank(), dist.get_world_size()
        return 0, 1

    def __iter__(self):
        batches = self._all_batches()
        self.epoch += 1
        rank, world = self._rank()
        per_rank = max(1, len(batches) // world)
        return iter(batches[rank::world][:per_rank] if len(batches) >= world else batches[:1])

    def __len__(self) -> int:
        _, world = self._rank()
        n = sum(-(-c // self.batch_size) for c in self._counts())
        return max(1, n // world)

    def _counts(self) -> list[int]:
        counts: dict[int, int] = {}
        for index, _ in self.dataset.items:
            counts[index] = counts.get(index, 0) + 1
        return list(counts.values())


def lfp_bins(recording, bin_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres and mean LFP per bin of a recording."""
    return bin_times(recording, bin_s), bin_lfp(recording, bin_s)
