"""Result containers shared by the predictors (analyzer extensions, Patch-seq classifiers) and the NWB writers.

They hold plain arrays and JSON-able metadata, so that a writer never needs a live model or analyzer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PROBABILITY_TOLERANCE = 1e-6  # rounding of probabilities computed in float32 or as 1 - sum(others)


def _check_names(names: list[str], what: str, noun: str = "class names") -> list[str]:
    """Return ``names`` as strings; refuse empty or duplicated names (one column is read back per name)."""
    names = [str(n) for n in names]
    if any(not n for n in names):
        raise ValueError(f"{what}: an empty name in {noun} {names}")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{what}: duplicated {noun} {duplicates}; each needs its own name")
    return names


def _check_probabilities(probabilities: np.ndarray, n_rows: int, classes: list[str], what: str) -> np.ndarray:
    probabilities = np.asarray(probabilities, dtype="float64")
    if probabilities.shape != (n_rows, len(classes)):
        raise ValueError(
            f"{what}: probabilities have shape {probabilities.shape}, expected ({n_rows}, {len(classes)}) "
            "(one row per prediction, one column per class)"
        )
    if not np.all(np.isfinite(probabilities)):
        raise ValueError(f"{what}: probabilities contain NaN or Inf")
    outside = (probabilities < -PROBABILITY_TOLERANCE) | (probabilities > 1 + PROBABILITY_TOLERANCE)
    if outside.any():
        row, column = np.argwhere(outside)[0]
        raise ValueError(
            f"{what}: {int(outside.sum())} probabilities are outside [0, 1], e.g. {probabilities[row, column]:g} "
            f"(row {row}, class {classes[column]!r})"
        )
    return probabilities


def _check_labels(labels: np.ndarray, n_rows: int, classes: list[str], what: str) -> np.ndarray:
    labels = np.asarray(labels, dtype=str)
    if labels.shape != (n_rows,):
        raise ValueError(f"{what}: {labels.size} labels for {n_rows} rows")
    unknown = sorted(set(labels.tolist()) - set(classes))
    if unknown:
        raise ValueError(f"{what}: predicted labels {unknown[:5]} are not in classes {classes}")
    return labels


def _check_scores(scores, n_rows: int, what: str) -> np.ndarray:
    try:
        scores = np.asarray(scores, dtype="float64")
    except ValueError as error:
        raise ValueError(f"{what}: expected numbers, one per row ({error})") from error
    if scores.shape != (n_rows,):
        raise ValueError(f"{what}: shape {scores.shape}, expected ({n_rows},) (one score per row)")
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{what}: contains NaN or Inf")
    return scores


@dataclass
class RegionPredictions:
    """Predicted brain region per recording channel.

    Parameters
    ----------
    channel_ids : np.ndarray
        Channel ids of the recording, one per row.
    predicted_region : np.ndarray
        Predicted region label (str) per channel.
    probabilities : np.ndarray
        Shape (n_channels, n_classes); columns follow ``classes``.
    classes : list of str
        Region labels, in the column order of ``probabilities``.
    ontology : str
        Name of the label set, e.g. ``"Allen CCF / Cosmos"``.
    model_name : str
        Name of the model folder that made the predictions.
    model_version : str
        Package version that trained the model.
    model_card : dict
        The model folder's JSON card (provenance: training data, metrics, settings).
    channel_locations : np.ndarray or None
        Shape (n_channels, 2 or 3), probe coordinates in um.
    ood_score : np.ndarray or None
        Out-of-distribution score per channel (finite floats): higher = less like the training data.
        Written as the optional ``ood_score`` column of the NWB table.

    Raises
    ------
    ValueError
        If shapes disagree, probabilities are not finite or outside [0, 1], a predicted region is not one of
        ``classes``, class names are empty or duplicated, or ``ood_score`` is not one finite float per channel.
    """

    channel_ids: np.ndarray
    predicted_region: np.ndarray
    probabilities: np.ndarray
    classes: list[str]
    ontology: str
    model_name: str
    model_version: str
    model_card: dict = field(default_factory=dict)
    channel_locations: np.ndarray | None = None
    ood_score: np.ndarray | None = None

    def __post_init__(self):
        self.channel_ids = np.asarray(self.channel_ids)
        n = self.channel_ids.size
        self.classes = _check_names(self.classes, "RegionPredictions")
        self.predicted_region = _check_labels(self.predicted_region, n, self.classes, "RegionPredictions")
        self.probabilities = _check_probabilities(self.probabilities, n, self.classes, "RegionPredictions")
        if self.ood_score is not None:
            self.ood_score = _check_scores(self.ood_score, n, "RegionPredictions ood_score")


@dataclass
class CellSubclassPredictions:
    """Predicted transcriptomic subclass per unit or per intracellular recording.

    Parameters
    ----------
    ids : np.ndarray
        Unit ids (``target="units"``) or intracellular recording / icephys electrode indices.
    target : str
        ``"units"`` or ``"intracellular_recordings"``: which NWB table the rows refer to.
    predicted_subclass : np.ndarray
        Predicted subclass label (str) per row.
    probabilities : np.ndarray
        Shape (n_rows, n_classes); columns follow ``classes``.
    classes : list of str
        Subclass labels in column order.
    taxonomy : str
        Name of the taxonomy, e.g. ``"Allen mouse VISp Patch-seq (Gouwens 2020)"``.
    model_name, model_version : str
        Provenance of the model.
    model_card : dict
        The model's JSON card.
    attention_weights : np.ndarray or None
        Optional (n_rows, n_families) attention per IPFX feature family.
    feature_families : list of str or None
        Names of the families, in the column order of ``attention_weights``.
    """

    ids: np.ndarray
    target: str
    predicted_subclass: np.ndarray
    probabilities: np.ndarray
    classes: list[str]
    taxonomy: str
    model_name: str
    model_version: str
    model_card: dict = field(default_factory=dict)
    attention_weights: np.ndarray | None = None
    feature_families: list[str] | None = None

    def __post_init__(self):
        if self.target not in ("units", "intracellular_recordings"):
            raise ValueError(f"target must be 'units' or 'intracellular_recordings', got {self.target!r}")
        self.ids = np.asarray(self.ids)
        n = self.ids.size
        self.classes = _check_names(self.classes, "CellSubclassPredictions")
        self.predicted_subclass = _check_labels(self.predicted_subclass, n, self.classes, "CellSubclassPredictions")
        self.probabilities = _check_probabilities(self.probabilities, n, self.classes, "CellSubclassPredictions")
        if self.attention_weights is not None:
            families = _check_names(self.feature_families or [], "CellSubclassPredictions", "feature_families")
            self.attention_weights = _check_probabilities(
                self.attention_weights, n, families, "CellSubclassPredictions attention_weights"
            )
