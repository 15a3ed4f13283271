"""Predict the transcriptomic subclass of Patch-seq cells from their NWB files and write it back into them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .features import ID_COLUMNS, REASON_COLUMN, extract_features

DEFAULT_TABLE_NAME = "cell_subclass"
DEFAULT_TAXONOMY = "unspecified"


def _resolve_model(model: Any) -> tuple[Any, dict, str]:
    """(estimator, card, name) of a model folder or of a fitted estimator."""
    if isinstance(model, (str, Path)):
        from ..model_folder import read_model_card
        from .model_kinds import load_patchseq_model

        return load_patchseq_model(model), read_model_card(model), Path(model).name
    for attribute in ("predict_proba", "classes_"):
        if not hasattr(model, attribute):
            raise TypeError(
                f"model must be a Patch-seq model folder or a fitted classifier with `{attribute}`, "
                f"got {type(model).__name__}"
            )
    return model, getattr(model, "card", {}) or {}, type(model).__name__


def _check_targets(paths: list[Path], name: str, overwrite: bool) -> None:
    """Refuse, before any work, files that cannot be updated or already hold a table ``name``."""
    from ..nwb.fileio import open_nwb
    from ..nwb.target import writable_target

    for path in paths:
        writable_target(path)
        if overwrite:
            continue
        with open_nwb(path) as (_io, nwbfile):
            module = nwbfile.processing.get("icephys")
            if module is not None and name in module.data_interfaces:
                raise ValueError(
                    f"{path} already has a prediction table {name!r} in processing/icephys; pass overwrite=True "
                    "to replace it or choose another name"
                )


def _rows_of(features: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The rows of a precomputed feature table that belong to ``path`` (matched by file name)."""
    rows = features[features["filename"] == path.name]
    if rows.empty:
        raise ValueError(f"The feature table has no row with filename {path.name!r} (from {path})")
    return rows


def _predictions_table(features: pd.DataFrame, probabilities: np.ndarray, classes: list[str]) -> pd.DataFrame:
    table = features[list(ID_COLUMNS)].copy()
    table["predicted_subclass"] = np.asarray(classes)[probabilities.argmax(axis=1)]
    for j, subclass in enumerate(classes):
        table[f"p_{subclass}"] = probabilities[:, j]
    table[REASON_COLUMN] = features[REASON_COLUMN].to_numpy()
    return table


def predict_cells(
    nwb_paths: str | Path | Iterable[str | Path],
    model: Any,
    write: bool = True,
    name: str = DEFAULT_TABLE_NAME,
    overwrite: bool = False,
    taxonomy: str | None = None,
    features: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Features from NWB files -> subclass probabilities (and attention) -> a prediction table in each file.

    Parameters
    ----------
    nwb_paths : path or iterable of paths
        icephys NWB files, one or more cells each (one cell per intracellular electrode).
    model : str, Path or fitted classifier
        A Patch-seq model folder (loaded with ``load_patchseq_model``) or a fitted scikit-learn compatible
        classifier with ``predict_proba`` and ``classes_`` (and ``feature_names_in_``). A model with
        ``attention_`` after ``predict_proba`` (``FamilyAttentionClassifier``) has its per-family attention
        written too.
    write : bool, default: True
        Write a ``CellSubclassPredictionTable`` named ``name`` into ``processing/icephys`` of each file (rows
        matched to the intracellular electrodes), each file all or nothing (``nwb.write_cell_subclasses``).
    name : str, default: "cell_subclass"
        Name of the table.
    overwrite : bool, default: False
        Replace an existing table of that name; without it, a file that has one is refused before any work.
    taxonomy : str or None, default: None
        Name of the label set; default the model card's ``taxonomy``, else "unspecified".
    features : pandas.DataFrame or None, default: None
        Precomputed ``extract_features(nwb_paths)`` (rows matched to files by ``filename``); None computes them.

    Returns
    -------
    pandas.DataFrame
        One row per cell: ``filename``, ``cell_id``, ``predicted_subclass``, ``p_<subclass>`` per class,
        ``attention_<family>`` per family (attention models), ``nan_reason``.

    Raises
    ------
    ValueError
        A file has no current-clamp data, the features lack columns the model was trained on, a file already
        holds a table ``name`` (without ``overwrite``) or cannot be updated, or the folder is not a Patch-seq
        model.

    Examples
    --------
    >>> table = predict_cells(["cell_a.nwb", "cell_b.nwb"], "gouwens_mouse")
    >>> table[["cell_id", "predicted_subclass"]]
    """
    from ..nwb.writers import write_cell_subclasses
    from ..predictions import CellSubclassPredictions
    from .estimators import feature_names, select_features

    paths = [Path(nwb_paths)] if isinstance(nwb_paths, (str, Path)) else [Path(p) for p in nwb_paths]
    if not paths:
        raise ValueError("predict_cells needs at least one NWB file")
    estimator, card, model_name = _resolve_model(model)
    columns = feature_names(estimator)
    per_file = None if features is None else [_rows_of(features, path) for path in paths]
    if per_file is not None:  # a table lacking the model's columns is refused before any file is touched
        select_features(pd.concat(per_file), columns)
    if write:
        _check_targets(paths, name, overwrite)
    if per_file is None:
        per_file = [extract_features(path) for path in paths]
    features = pd.concat(per_file, ignore_index=True)
    bounds = np.cumsum([0, *(len(rows) for rows in per_file)])
    probabilities = np.asarray(estimator.predict_proba(select_features(features, columns)))
    classes = [str(c) for c in estimator.classes_]
    attention = getattr(estimator, "attention_", None)
    families = list(getattr(estimator, "families_", {}) or []) if attention is not None else None
    table = _predictions_table(features, probabilities, classes)
    if attention is not None:
        for j, family in enumerate(families):
            table.insert(len(table.columns) - 1, f"attention_{family}", attention[:, j])
    if write:
        for path, first, stop in zip(paths, bounds[:-1], bounds[1:], strict=True):
            rows = np.arange(first, stop)
            result = CellSubclassPredictions(
                ids=features["cell_id"].to_numpy()[rows],
                target="intracellular_recordings",
                predicted_subclass=table["predicted_subclass"].to_numpy()[rows],
                probabilities=probabilities[rows],
                classes=classes,
                taxonomy=taxonomy or card.get("taxonomy", DEFAULT_TAXONOMY),
                model_name=model_name,
                model_version=str(card.get("package_version", "unknown")),
                model_card=card,
                attention_weights=None if attention is None else attention[rows],
                feature_families=families,
            )
            write_cell_subclasses(path, result, name=name, overwrite=overwrite)
    return table
