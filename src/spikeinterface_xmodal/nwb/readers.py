"""Read ndx-xmodal tables back as pandas DataFrames."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from hdmf.common import DynamicTable

from .fileio import open_nwb
from .matching import column_as_strings
from .namespace import REGION_TABLE_TYPE, find_prediction_tables

PROBABILITY_PREFIX = "p_"
ATTENTION_PREFIX = "attention_"

# column of our table that says what each row refers to -> (row column, index name, name column of the target)
_TARGETS = {
    "electrodes": ("electrode", "channel_id", "channel_name"),
    "units": ("unit", "unit_id", "unit_name"),
    "intracellular_recordings": ("recording", "recording_id", None),
}


def _target_frame(table: DynamicTable) -> pd.DataFrame:
    """Return the columns and index that say which electrode / unit / cell each prediction is for.

    The index follows SpikeInterface's NWB readers: the target's name column when it has one, else its id.
    """
    if "icephys_electrode" in table.colnames:
        return pd.DataFrame(index=pd.Index(column_as_strings(table, "icephys_electrode"), name="icephys_electrode"))
    column = next(c for c in _TARGETS if c in table.colnames)
    row_name, index_name, name_column = _TARGETS[column]
    region = table[column]
    rows = np.asarray(region.data[:], dtype="int64")
    frame = pd.DataFrame({row_name: rows, f"{row_name}_id": np.asarray(region.table.id[:])[rows]})
    names = column_as_strings(region.table, name_column) if name_column else None
    if names is not None:
        frame[name_column] = np.asarray(names, dtype=object)[rows]
    frame.index = pd.Index(frame[name_column if names is not None else f"{row_name}_id"], name=index_name)
    return frame


def table_to_dataframe(table: DynamicTable) -> pd.DataFrame:
    """Turn one RegionPredictionTable / CellSubclassPredictionTable into a DataFrame.

    Parameters
    ----------
    table : RegionPredictionTable or CellSubclassPredictionTable
        A table read from an NWB file.

    Returns
    -------
    pd.DataFrame
        One row per prediction, indexed by channel id / unit id / cell, with the predicted label, one
        ``p_<class>`` column per class (and ``ood_score``, ``attention_<family>`` columns if stored).
        ``df.attrs`` holds the provenance: kind, classes, ontology or taxonomy, model_name, model_version,
        model_card (a dict), training_data, description.
    """
    frame = _target_frame(table)
    is_region = table.neurodata_type == REGION_TABLE_TYPE
    label = "predicted_region" if is_region else "predicted_subclass"
    frame[label] = column_as_strings(table, label)
    classes = [str(c) for c in table.classes]
    probabilities = np.asarray(table["probabilities"].data[:], dtype="float64")
    for i, cls in enumerate(classes):
        frame[f"{PROBABILITY_PREFIX}{cls}"] = probabilities[:, i]
    if "ood_score" in table.colnames:
        frame["ood_score"] = np.asarray(table["ood_score"].data[:], dtype="float64")
    if "attention_weights" in table.colnames:
        attention = np.asarray(table["attention_weights"].data[:], dtype="float64")
        for i, family in enumerate(table.feature_families):
            frame[f"{ATTENTION_PREFIX}{family}"] = attention[:, i]
    frame.attrs = dict(
        kind="region" if is_region else "cell_subclass",
        classes=classes,
        model_name=table.model_name,
        model_version=table.model_version,
        model_card=json.loads(table.model_card),
        training_data=table.training_data,
        description=table.description,
    )
    if is_region:
        frame.attrs["ontology"] = table.ontology
    else:
        frame.attrs["taxonomy"] = table.taxonomy
        families = table.feature_families
        frame.attrs["feature_families"] = [] if families is None else [str(f) for f in families]
    return frame


def read_predictions(nwb_path: str | Path) -> dict[str, pd.DataFrame]:
    """Read every ndx-xmodal prediction table of an NWB file.

    Parameters
    ----------
    nwb_path : str or Path
        An NWB file (HDF5 file or Zarr directory).

    Returns
    -------
    dict of str to pd.DataFrame
        Table name -> DataFrame (see :func:`table_to_dataframe`); empty if the file has none.

    Examples
    --------
    >>> read_predictions("session.nwb")["lfp_region"].attrs["model_name"]  # doctest: +SKIP
    """
    with open_nwb(nwb_path, "r") as (_, nwbfile):
        return {name: table_to_dataframe(table) for name, table in find_prediction_tables(nwbfile).items()}
