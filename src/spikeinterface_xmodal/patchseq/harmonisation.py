"""Mouse <-> human feature harmonisation, read from an explicit table shipped with the package.

The mouse (Gouwens et al. 2020) and human (Lee, Dalley et al. 2023) tables come from different extractors: the
same quantity has different names (``rheo_width`` / ``width_rheo``), units (first ISI in s / its inverse in Hz) or
reference (absolute peak / peak minus threshold). ``data/harmonisation.csv`` lists, for each shared feature, its
name in each table, the unit, the family and the transform that brings the table's column to the shared
definition. Nothing is matched by guess: a feature absent from this table is not shared.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

SPECIES = ("mouse", "human")
HARMONISATION_FILE = "harmonisation.csv"
_REQUIRED = (
    "name",
    "family",
    "unit",
    *(f"{species}_{field}" for species in SPECIES for field in ("column", "unit", "transform")),
)
# unit a transform turns a source unit into (identity and subtract keep the unit)
_INVERSE_UNITS = {"s": "Hz", "Hz": "s"}


def _transform_problem(row: pd.Series, species: str) -> str | None:
    transform, source_unit = row[f"{species}_transform"], row[f"{species}_unit"]
    if transform == "identity" or transform.startswith("subtract:"):
        result_unit = source_unit
    elif transform == "inverse":
        result_unit = _INVERSE_UNITS.get(source_unit)
    else:
        return f"unknown {species}_transform {transform!r} (expected identity, inverse or subtract:<column>)"
    if result_unit != row["unit"]:
        return f"{species}_transform {transform!r} turns {source_unit!r} into {result_unit!r}, not {row['unit']!r}"
    return None


def check_harmonisation_table(table: pd.DataFrame) -> pd.DataFrame:
    """Check a harmonisation table: required columns, unique names, transforms that give the shared unit.

    Raises
    ------
    ValueError
        Naming the missing column, the repeated feature or the row whose transform or unit is inconsistent.
    """
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(f"The harmonisation table lacks the columns {missing}")
    repeated = table["name"][table["name"].duplicated()].tolist()
    if repeated:
        raise ValueError(f"The harmonisation table lists these features more than once: {repeated}")
    for _, row in table.iterrows():
        for species in SPECIES:
            problem = _transform_problem(row, species)
            if problem is not None:
                raise ValueError(f"Harmonisation table row {row['name']!r}: {problem}")
    return table


@lru_cache(maxsize=1)
def _packaged_table() -> pd.DataFrame:
    with resources.files(__package__).joinpath("data", HARMONISATION_FILE).open("r", encoding="utf8") as f:
        return check_harmonisation_table(pd.read_csv(f, keep_default_na=False, dtype=str))


def harmonisation_table() -> pd.DataFrame:
    """The packaged harmonisation table (a copy): one row per shared feature.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``family``, ``unit``, then per species ``<species>_column``, ``<species>_unit`` and
        ``<species>_transform`` (``identity``, ``inverse`` or ``subtract:<column>``), and a ``note``.
    """
    return _packaged_table().copy()


def harmonised_families(table: pd.DataFrame | None = None) -> dict[str, list[str]]:
    """Family -> harmonised feature names, as the table assigns them (for the estimators' ``families``)."""
    table = harmonisation_table() if table is None else table
    return {family: group["name"].tolist() for family, group in table.groupby("family", sort=False)}


def harmonise(features: pd.DataFrame, species: str, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Bring one species' feature table to the shared names, units and definitions.

    Parameters
    ----------
    features : pandas.DataFrame
        Cells by the species' own IPFX column names.
    species : {"mouse", "human"}
        Which columns of the harmonisation table to read.
    table : pandas.DataFrame or None, default: None
        A harmonisation table; None uses the packaged one.

    Returns
    -------
    pandas.DataFrame
        Same index, one column per shared feature (the table's ``name``), in the table's order.

    Raises
    ------
    ValueError
        Unknown species, or ``features`` lacks columns the table needs (all are named).

    Examples
    --------
    >>> shared = harmonise(load_mouse_visp().features, "mouse")
    """
    if species not in SPECIES:
        raise ValueError(f"species must be one of {SPECIES}, got {species!r}")
    table = harmonisation_table() if table is None else check_harmonisation_table(table)
    transforms = table[f"{species}_transform"]
    needed = set(table[f"{species}_column"]) | {t.split(":", 1)[1] for t in transforms if t.startswith("subtract:")}
    missing = sorted(needed - set(features.columns))
    if missing:
        raise ValueError(f"The {species} feature table lacks columns the harmonisation table needs: {missing}")
    shared = {}
    for name, column, transform in zip(table["name"], table[f"{species}_column"], transforms, strict=True):
        values = features[column].astype(float)
        if transform == "inverse":
            values = 1.0 / values.where(values != 0, np.nan)
        elif transform.startswith("subtract:"):
            values = values - features[transform.split(":", 1)[1]].astype(float)
        shared[name] = values
    return pd.DataFrame(shared, index=features.index)
