"""Append prediction tables to an existing NWB file, all or nothing."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hdmf.common import DynamicTable
from pynwb import NWBFile, ProcessingModule

from ..predictions import CellSubclassPredictions, RegionPredictions
from .atomic import updated_copy
from .fileio import check_nwb_path, delete_group, open_nwb
from .namespace import find_prediction_tables, is_prediction_table
from .tables import add_region_column, check_new_column, region_table, subclass_table

REGION_EXTENSION = "lfp_region"
# tables go to the standard processing module of their modality, as NWB best practice asks
MODULE_DESCRIPTIONS = {
    "ecephys": "Processed extracellular electrophysiology data.",
    "icephys": "Processed intracellular electrophysiology data.",
}


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"name: expected a non-empty table name without '/', got {name!r}")


def _existing_table_path(nwbfile: NWBFile, name: str, module_name: str, overwrite: bool) -> str | None:
    """Return the path of our table ``name`` if it exists and may be replaced; raise if it may not."""
    module = nwbfile.processing.get(module_name)
    if module is not None and name in module.data_interfaces and not is_prediction_table(module[name]):
        raise ValueError(
            f"name: {name!r} is already used in processing/{module_name} by a {module[name].neurodata_type}, "
            "which is not an ndx-xmodal prediction table; choose another name"
        )
    existing = find_prediction_tables(nwbfile).get(name)
    if existing is None:
        return None
    if not overwrite:
        raise ValueError(
            f"name: predictions named {name!r} already exist in processing/{existing.parent.name}; "
            "pass overwrite=True (--overwrite from the shell) to replace them, or choose another name"
        )
    return f"processing/{existing.parent.name}/{name}"


def _processing_module(nwbfile: NWBFile, module_name: str) -> ProcessingModule:
    module = nwbfile.processing.get(module_name)
    if module is None:
        module = nwbfile.create_processing_module(name=module_name, description=MODULE_DESCRIPTIONS[module_name])
    return module


@contextmanager
def _region_target_not_yet_attached() -> Iterator[None]:
    """Hide hdmf's warning that a region column's target table is not in the same file: it will be."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The linked table for DynamicTableRegion", category=UserWarning)
        yield


def _write_table(
    nwb_path: str | Path,
    name: str,
    overwrite: bool,
    module_name: str,
    build: Callable[[NWBFile], DynamicTable],
    finish: Callable[[NWBFile, DynamicTable], None] | None = None,
) -> Path:
    """Validate on the original file, then build, add and write the table in a copy swapped in at the end.

    ``build`` makes the table from an open file (and raises on bad input); ``finish`` makes any other
    change once the table is in the file.
    """
    _check_name(name)
    path = check_nwb_path(nwb_path)
    with open_nwb(path, "r") as (_, nwbfile), _region_target_not_yet_attached():
        replaced = _existing_table_path(nwbfile, name, module_name, overwrite)
        build(nwbfile)  # every input check runs here, before anything is copied
    with updated_copy(path) as work:
        if replaced is not None:
            delete_group(work, replaced)
        with open_nwb(work, "a") as (io, nwbfile), _region_target_not_yet_attached():
            table = build(nwbfile)
            _processing_module(nwbfile, module_name).add(table)
            if finish is not None:
                finish(nwbfile, table)
            io.write(nwbfile)
    return path


def _region_predictions(analyzer_or_result) -> RegionPredictions:
    if isinstance(analyzer_or_result, RegionPredictions):
        return analyzer_or_result
    from spikeinterface.core import SortingAnalyzer

    if not isinstance(analyzer_or_result, SortingAnalyzer):
        raise TypeError(
            "analyzer_or_result: expected a RegionPredictions or a SortingAnalyzer, "
            f"got {type(analyzer_or_result).__name__}"
        )
    extension = analyzer_or_result.get_extension(REGION_EXTENSION)
    if extension is None:
        raise ValueError(
            f"analyzer_or_result: the SortingAnalyzer has no {REGION_EXTENSION!r} extension; run "
            f"analyzer.compute({REGION_EXTENSION!r}, ...) first (and `import spikeinterface_xmodal` before "
            "loading a saved analyzer, or the extension is dropped)"
        )
    return extension.get_predictions()


def write_region_predictions(
    nwb_path: str | Path,
    analyzer_or_result,
    name: str = REGION_EXTENSION,
    overwrite: bool = False,
    electrodes_column: str | None = None,
) -> Path:
    """Append predicted brain regions (one row per electrode) to an existing NWB file.

    The table goes to ``processing/ecephys/<name>`` as a ``RegionPredictionTable``. The file is updated all
    or nothing: a copy is edited and swapped in at the end, so an error or a killed process leaves the
    original as it was.

    Parameters
    ----------
    nwb_path : str or Path
        An existing NWB file (HDF5 file or Zarr directory) with an electrodes table.
    analyzer_or_result : RegionPredictions or SortingAnalyzer
        The predictions, or an analyzer with a computed ``lfp_region`` extension.
    name : str, default: "lfp_region"
        Name of the table; several models can sit side by side under different names.
    overwrite : bool, default: False
        Replace an existing prediction table of the same name instead of refusing.
    electrodes_column : str or None, default: None
        If given, also add a text column of this name to the electrodes table holding the predicted
        region ("" for electrodes without a prediction). The ``location`` column is never touched.

    Returns
    -------
    Path
        The updated file.

    Raises
    ------
    ValueError
        If the file has no electrodes table, a channel id matches no electrode (by ``channel_name``, else
        electrode id, else ``contact_ids``), the name is taken, or ``electrodes_column`` already exists.
    TypeError
        If ``analyzer_or_result`` is neither a RegionPredictions nor a SortingAnalyzer.

    Examples
    --------
    >>> write_region_predictions("session.nwb", analyzer)  # doctest: +SKIP
    """
    result = _region_predictions(analyzer_or_result)

    def build(nwbfile: NWBFile) -> DynamicTable:
        table = region_table(nwbfile, result, name)
        if electrodes_column is not None:
            check_new_column(nwbfile.electrodes, electrodes_column)
        return table

    def finish(nwbfile: NWBFile, table: DynamicTable) -> None:
        add_region_column(nwbfile.electrodes, electrodes_column, table)

    return _write_table(nwb_path, name, overwrite, "ecephys", build, finish if electrodes_column is not None else None)


def write_cell_subclasses(
    nwb_path: str | Path,
    result: CellSubclassPredictions,
    name: str = "cell_subclass",
    overwrite: bool = False,
) -> Path:
    """Append predicted cell subclasses (one row per unit or per cell) to an existing NWB file.

    The table goes to ``processing/ecephys/<name>`` (units) or ``processing/icephys/<name>`` (cells) as a
    ``CellSubclassPredictionTable``, all or nothing
    (see :func:`write_region_predictions`).

    Parameters
    ----------
    nwb_path : str or Path
        An existing NWB file (HDF5 file or Zarr directory).
    result : CellSubclassPredictions
        With ``target="units"``, ids are matched to the units table (``unit_name`` column, else unit id).
        With ``target="intracellular_recordings"``, ids are matched to intracellular electrode names,
        else to row ids of the intracellular_recordings table.
    name : str, default: "cell_subclass"
        Name of the table.
    overwrite : bool, default: False
        Replace an existing prediction table of the same name instead of refusing.

    Returns
    -------
    Path
        The updated file.

    Raises
    ------
    ValueError
        If the target table is missing, an id matches no row or several, or the name is taken.
    TypeError
        If ``result`` is not a CellSubclassPredictions.
    """
    if not isinstance(result, CellSubclassPredictions):
        raise TypeError(f"result: expected a CellSubclassPredictions, got {type(result).__name__}")
    module_name = "ecephys" if result.target == "units" else "icephys"
    return _write_table(nwb_path, name, overwrite, module_name, lambda nwbfile: subclass_table(nwbfile, result, name))
