"""Result containers shared by the predictors (analyzer extensions, Patch-seq classifiers) and the NWB writers.

They hold plain arrays and JSON-able metadata, so that a writer never needs a live model or analyzer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _check_probabilities(probabilities: np.ndarray, n_rows: int, classes: list[str], what: str) -> np.ndarray:
    probabilities = np.asarray(probabilities, dtype="float64")
    if probabilities.shape != (n_rows, len(classes)):
        raise ValueError(
            f"{what}: probabilities have shape {probabilities.shape}, expected ({n_rows}, {len(classes)}) "
            "(one row per prediction, one column per class)"
        )
    if not np.all(np.isfinite(probabilities)):
        raise ValueError(f"{what}: probabilities contain NaN or Inf")
    return probabilities


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

    def __post_init__(self):
        self.channel_ids = np.asarray(self.channel_ids)
        self.predicted_region = np.asarray(self.predicted_region, dtype=str)
        self.classes = [str(c) for c in self.classes]
        n = self.channel_ids.size
        if self.predicted_region.shape != (n,):
            raise ValueError(f"RegionPredictions: {self.predicted_region.size} predicted regions for {n} channels")
        self.probabilities = _check_probabilities(self.probabilities, n, self.classes, "RegionPredictions")


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
        self.predicted_subclass = np.asarray(self.predicted_subclass, dtype=str)
        self.classes = [str(c) for c in self.classes]
        n = self.ids.size
        if self.predicted_subclass.shape != (n,):
            raise ValueError(f"CellSubclassPredictions: {self.predicted_subclass.size} labels for {n} rows")
        self.probabilities = _check_probabilities(self.probabilities, n, self.classes, "CellSubclassPredictions")
        if self.attention_weights is not None:
            families = self.feature_families or []
            self.attention_weights = _check_probabilities(
                self.attention_weights, n, families, "CellSubclassPredictions attention_weights"
            )
