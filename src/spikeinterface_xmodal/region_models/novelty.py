"""Out-of-distribution score of per-channel features: how unlike the training channels a new channel is."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.neighbors import NearestNeighbors

# the score is 1 at this quantile of the distances of channels from sessions left out of the fit
REFERENCE_QUANTILE = 0.95
N_NEIGHBOURS = 5
MAX_PROTOTYPES = 2000
PROTOTYPES_FILENAME = "novelty_prototypes.npy"


class FeatureNovelty:
    """Distance of a channel's features to its nearest training channels, in units of a held-out reference.

    A channel's distance is its mean Euclidean distance to the ``N_NEIGHBOURS`` nearest training channels
    (standardised features; at most ``MAX_PROTOTYPES`` of them, drawn with a fixed seed), so that it must
    resemble some training channels as a whole, not feature by feature. The reference is the
    ``REFERENCE_QUANTILE`` of the same distance for channels of sessions left out of the fit (each session
    in turn): a score above 1 means "further from the training data than 95% of channels of unseen sessions
    from the same sources". White noise, an AP-band stream passed as LFP or a broken reference score well
    above 1.
    """

    def fit(self, feature_blocks: list[np.ndarray], seed: int = 0) -> FeatureNovelty:
        """Fit on per-session feature matrices (n_channels_i, n_features); two or more sessions."""
        blocks = [np.asarray(block, dtype="float64") for block in feature_blocks]
        if len(blocks) < 2:
            raise ValueError("The novelty score needs features of at least two training sessions")
        held_out = [
            _mean_neighbour_distance(np.concatenate(blocks[:i] + blocks[i + 1 :]), block)
            for i, block in enumerate(blocks)
        ]
        self.reference_ = float(np.quantile(np.concatenate(held_out), REFERENCE_QUANTILE))
        if not self.reference_ > 0:
            raise ValueError("Unseen sessions repeat training channels' features exactly: no scale for novelty")
        prototypes = np.concatenate(blocks)
        if prototypes.shape[0] > MAX_PROTOTYPES:
            rng = np.random.default_rng(seed)
            prototypes = prototypes[np.sort(rng.choice(prototypes.shape[0], MAX_PROTOTYPES, replace=False))]
        self.prototypes_ = prototypes
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        """Per-row score: mean distance to the nearest training channels / reference."""
        return _mean_neighbour_distance(self.prototypes_, np.asarray(features, dtype="float64")) / self.reference_

    def state(self) -> dict:
        """The JSON part of the fitted state (the prototypes go to a file, see ``save_prototypes``)."""
        return dict(method="nearest_neighbours", n_neighbours=N_NEIGHBOURS, reference=self.reference_)

    def save_prototypes(self, folder: Path) -> None:
        """Write the training prototypes into a model folder."""
        np.save(Path(folder) / PROTOTYPES_FILENAME, self.prototypes_, allow_pickle=False)

    @classmethod
    def load(cls, state: dict, folder: str | Path) -> FeatureNovelty:
        """Rebuild from ``state()`` and the prototypes file of a model folder; a ValueError names what is wrong."""
        if not isinstance(state, dict) or state.get("method") != "nearest_neighbours":
            raise ValueError(f"expected {{'method': 'nearest_neighbours', ...}}, got {state!r}")
        reference = state.get("reference")
        if isinstance(reference, bool) or not isinstance(reference, (int, float)) or not reference > 0:
            raise ValueError(f"reference must be a positive number, got {reference!r}")
        path = Path(folder) / PROTOTYPES_FILENAME
        try:
            prototypes = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise ValueError(f"cannot read {path} ({error})") from error
        if prototypes.ndim != 2 or prototypes.shape[0] < N_NEIGHBOURS or not np.all(np.isfinite(prototypes)):
            raise ValueError(f"{path} must hold a finite (n_channels >= {N_NEIGHBOURS}, n_features) array")
        novelty = cls()
        novelty.reference_, novelty.prototypes_ = float(reference), prototypes.astype("float64")
        return novelty


def _mean_neighbour_distance(prototypes: np.ndarray, features: np.ndarray) -> np.ndarray:
    neighbours = NearestNeighbors(n_neighbors=min(N_NEIGHBOURS, prototypes.shape[0]), algorithm="brute")
    return neighbours.fit(prototypes).kneighbors(features)[0].mean(axis=1)
