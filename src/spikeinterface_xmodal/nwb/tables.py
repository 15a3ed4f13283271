"""Build ndx-xmodal tables from prediction results, matched to the rows of an open NWB file."""

from __future__ import annotations

import json

import numpy as np
from hdmf.common import DynamicTable, DynamicTableRegion, VectorData
from pynwb import NWBFile

from ..predictions import CellSubclassPredictions, RegionPredictions
from .matching import UNIT_KEYS, match_electrodes, match_icephys, match_rows
from .names import check_name
from .namespace import CellSubclassPredictionTable, RegionPredictionTable

OOD_SCORE_DESCRIPTION = "Out-of-distribution score of each electrode's input: higher = less like the training data."


def _provenance(result: RegionPredictions | CellSubclassPredictions) -> dict:
    """Return the model attributes shared by both tables."""
    try:
        card = json.dumps(result.model_card, sort_keys=True)
    except TypeError as error:
        raise TypeError(f"model_card: must be JSON-serialisable ({error})") from error
    provenance = dict(
        classes=list(result.classes),
        model_name=str(result.model_name),
        model_version=str(result.model_version),
        model_card=card,
    )
    training_data = result.model_card.get("training_data")
    if training_data:
        provenance["training_data"] = (
            training_data if isinstance(training_data, str) else json.dumps(training_data, sort_keys=True)
        )
    return provenance


def _label_columns(label_name: str, labels: np.ndarray, probabilities: np.ndarray) -> list[VectorData]:
    return [
        VectorData(name=label_name, description="Predicted label (the most probable class).", data=list(labels)),
        VectorData(
            name="probabilities",
            description="Predicted probability of each class (columns follow the 'classes' attribute).",
            data=probabilities,
        ),
    ]


def region_table(
    nwbfile: NWBFile, result: RegionPredictions, name: str, electrodes_column: str | None = None
) -> RegionPredictionTable:
    """Build a RegionPredictionTable whose rows point at the electrodes named by ``result.channel_ids``.

    ``electrodes_column`` records the name of the electrodes column that will mirror ``predicted_region``.

    Raises
    ------
    ValueError
        If the file has no electrodes table, or the channel ids cannot be matched to its rows (see
        :func:`.matching.match_electrodes`).
    """
    rows = match_electrodes(nwbfile, result.channel_ids)
    columns = [
        DynamicTableRegion(
            name="electrodes",
            description="The electrode (row of the file's electrodes table) each prediction refers to.",
            data=rows,
            table=nwbfile.electrodes,
        ),
        *_label_columns("predicted_region", result.predicted_region, result.probabilities),
    ]
    if result.ood_score is not None:
        columns.append(VectorData(name="ood_score", description=OOD_SCORE_DESCRIPTION, data=result.ood_score))
    extra = {} if electrodes_column is None else {"electrodes_column": electrodes_column}
    return RegionPredictionTable(
        name=name,
        description=f"Brain region per electrode predicted by model {result.model_name!r} ({result.ontology}).",
        ontology=result.ontology,
        columns=columns,
        **extra,
        **_provenance(result),
    )


def _target_column(nwbfile: NWBFile, result: CellSubclassPredictions) -> VectorData:
    """Return the column that says which unit / recording / electrode each row refers to."""
    if result.target == "units":
        rows = match_rows(nwbfile.units, result.ids, UNIT_KEYS, "units")
        return DynamicTableRegion(
            name="units",
            description="The unit (row of the file's units table) each prediction refers to.",
            data=rows,
            table=nwbfile.units,
        )
    column, matched = match_icephys(nwbfile, result.ids)
    if column == "icephys_electrode":
        return VectorData(
            name=column,
            description="Name of the intracellular electrode (the recorded cell) in /general/intracellular_ephys.",
            data=list(matched),
        )
    return DynamicTableRegion(
        name=column,
        description="The intracellular recording (row of the intracellular_recordings table) of each row.",
        data=matched,
        table=nwbfile.intracellular_recordings,
    )


def subclass_table(nwbfile: NWBFile, result: CellSubclassPredictions, name: str) -> CellSubclassPredictionTable:
    """Build a CellSubclassPredictionTable whose rows point at the units or cells named by ``result.ids``.

    Raises
    ------
    ValueError
        If the target table is missing, or an id matches no row or several.
    """
    columns = [
        _target_column(nwbfile, result),
        *_label_columns("predicted_subclass", result.predicted_subclass, result.probabilities),
    ]
    extra = {}
    if result.attention_weights is not None:
        columns.append(
            VectorData(
                name="attention_weights",
                description="Model attention per feature family (columns follow 'feature_families').",
                data=result.attention_weights,
            )
        )
        extra["feature_families"] = list(result.feature_families)
    return CellSubclassPredictionTable(
        name=name,
        description=f"Cell subclass per {result.target} row predicted by model {result.model_name!r}.",
        taxonomy=result.taxonomy,
        columns=columns,
        **extra,
        **_provenance(result),
    )


def check_new_column(electrodes: DynamicTable, column: str, freed: str | None = None) -> None:
    """Raise ValueError unless ``column`` can be added to the electrodes table as a new text column.

    ``freed`` is a column that is deleted before ``column`` is added (the mirror of a table being replaced).
    """
    check_name(column, "electrodes_column")
    taken = {"location", *electrodes.colnames, *(c.name for c in electrodes.columns)} - {freed}
    if column in taken:
        raise ValueError(
            f"electrodes_column: the electrodes table already has a column {column!r}; existing columns are "
            "never overwritten, choose a new name"
        )
    # names that the table or the NWB schema use for something else
    reserved = {"id", *DynamicTable.__fields__, *(c["name"] for c in getattr(type(electrodes), "__columns__", ()))}
    if column in reserved:
        raise ValueError(
            f"electrodes_column: {column!r} is reserved in the electrodes table (for the row ids, the table's own "
            "attributes or a column that the NWB schema defines with another type); choose another name"
        )


def region_column_description(table_name: str) -> str:
    """Return the description of the electrodes column that repeats the predictions of table ``table_name``."""
    return f"Brain region predicted by the ndx-xmodal table {table_name!r} (see processing/ecephys)."


def region_column_of(table: RegionPredictionTable, electrodes: DynamicTable | None) -> str | None:
    """Return the electrodes column that ``table`` wrote, or None.

    The column must be named by the table's ``electrodes_column`` attribute *and* carry the description this
    package writes, so that a column another program wrote is never taken for ours.
    """
    column = getattr(table, "electrodes_column", None)
    if electrodes is None or column not in electrodes.colnames:
        return None
    return column if electrodes[column].description == region_column_description(table.name) else None


def add_region_column(electrodes: DynamicTable, column: str, table: RegionPredictionTable) -> None:
    """Add a text column to the electrodes table with the predicted region of each electrode ("" if none)."""
    values = np.full(len(electrodes), "", dtype=object)
    values[np.asarray(table["electrodes"].data)] = np.asarray(table["predicted_region"].data, dtype=object)
    electrodes.add_column(name=column, description=region_column_description(table.name), data=list(values))
