"""Out-of-distribution score of per-channel features: how unlike the training channels a new channel is."""

from __future__ import annotations

import numpy as np
from sklearn.covariance import LedoitWolf

# the score is 1 at this quantile of held-out training channels' distances
REFERENCE_QUANTILE = 0.99


class FeatureNovelty:
    """Mahalanobis distance of feature vectors from the training channels, in units of a held-out reference.

    The covariance of the training features is estimated with Ledoit-Wolf shrinkage. The reference distance
    is the ``REFERENCE_QUANTILE`` of distances of channels from sessions left out of the fit (each session in
    turn), so that a score above 1 means "further from the training data than 99% of channels of unseen
    sessions from the same sources": white noise, an AP-band stream passed as LFP, another species or a
    broken reference score far above 1.
    """

    def fit(self, feature_blocks: list[np.ndarray]) -> FeatureNovelty:
        """Fit on per-session feature matrices (n_channels_i, n_features); two or more sessions."""
        blocks = [np.asarray(block, dtype="float64") for block in feature_blocks]
        if len(blocks) < 2:
            raise ValueError("The novelty score needs features of at least two training sessions")
        ratios = []
        for held_out in range(len(blocks)):
            fold = _MahalanobisDistance(np.concatenate([b for i, b in enumerate(blocks) if i != held_out]))
            ratios.append(fold.distance(blocks[held_out]) / fold.in_sample_quantile)
        self._distance = _MahalanobisDistance(np.concatenate(blocks))
        self.reference_ = self._distance.in_sample_quantile * float(
            np.quantile(np.concatenate(ratios), REFERENCE_QUANTILE)
        )
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        """Per-row score: Mahalanobis distance / reference (1 = the held-out 99th percentile)."""
        return self._distance.distance(np.asarray(features, dtype="float64")) / self.reference_

    def to_dict(self) -> dict:
        """JSON-serialisable state (inverse of ``from_dict``)."""
        return dict(
            location=self._distance.location.tolist(),
            precision=self._distance.precision.tolist(),
            reference=self.reference_,
        )

    @classmethod
    def from_dict(cls, state: dict) -> FeatureNovelty:
        """Rebuild from ``to_dict`` output; a ValueError names what is wrong."""
        try:
            location = np.asarray(state["location"], dtype="float64")
            precision = np.asarray(state["precision"], dtype="float64")
            reference = float(state["reference"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(
                f"expected location, precision and reference, got an unreadable state ({error})"
            ) from error
        if precision.shape != (location.size, location.size) or not reference > 0:
            raise ValueError(
                f"precision must be ({location.size}, {location.size}) and reference positive; "
                f"got {precision.shape} and {reference}"
            )
        novelty = cls()
        novelty._distance = _MahalanobisDistance.from_parameters(location, precision)
        novelty.reference_ = reference
        return novelty


class _MahalanobisDistance:
    """Ledoit-Wolf location and precision of a feature matrix, and the in-sample reference quantile."""

    def __init__(self, features: np.ndarray | None = None):
        if features is not None:
            estimator = LedoitWolf().fit(features)
            self.location, self.precision = estimator.location_, estimator.precision_
            self.in_sample_quantile = float(np.quantile(self.distance(features), REFERENCE_QUANTILE))

    @classmethod
    def from_parameters(cls, location: np.ndarray, precision: np.ndarray) -> _MahalanobisDistance:
        distance = cls()
        distance.location, distance.precision = location, precision
        return distance

    def distance(self, features: np.ndarray) -> np.ndarray:
        centred = features - self.location
        return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", centred, self.precision, centred), 0.0))
