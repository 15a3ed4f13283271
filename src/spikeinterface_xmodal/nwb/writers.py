"""Append prediction tables to an existing NWB file, all or nothing."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from hdmf.common import DynamicTable
from pynwb import NWBFile, ProcessingModule

from ..predictions import CellSubclassPredictions, RegionPredictions
from .atomic import updated_copy
from .fileio import check_nwb_file, delete_column, delete_group, open_nwb
from .locking import writer_lock
from .names import check_name
from .namespace import find_prediction_tables, is_prediction_table
from .tables import add_region_column, check_new_column, region_column_of, region_table, subclass_table
from .target import writable_target

REGION_EXTENSION = "lfp_region"
ELECTRODES_PATH = "general/extracellular_ephys/electrodes"
# tables go to the standard processing module of their modality, as NWB best practice asks
MODULE_DESCRIPTIONS = {
    "ecephys": "Processed extracellular electrophysiology data.",
    "icephys": "Processed intracellular electrophysiology data.",
}


class _Replaced(NamedTuple):
    """What ``overwrite=True`` deletes: the old table and the electrodes column mirroring it (if any)."""

    table_path: str
    electrodes_column: str | None


def _existing_table(nwbfile: NWBFile, name: str, module_name: str, overwrite: bool) -> _Replaced | None:
    """Return what replacing our table ``name`` deletes, None if there is no such table; raise if it may not."""
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
    return _Replaced(f"processing/{existing.parent.name}/{name}", region_column_of(existing, nwbfile.electrodes))


def _delete_replaced(work: Path, replaced: _Replaced) -> None:
    delete_group(work, replaced.table_path)
    if replaced.electrodes_column is not None:
        delete_column(work, ELECTRODES_PATH, replaced.electrodes_column)


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


def update_nwb_file(
    nwb_path: str | Path,
    check: Callable[[NWBFile], Any],
    edit: Callable[[Path, Any], None],
) -> Path:
    """Check on the original file, then edit a copy that is swapped in at the end: all or nothing.

    One writer at a time: the lock is held from the checks to the swap, and the original stays open read-only
    meanwhile (for HDF5 this keeps other programs from opening it for writing).

    Parameters
    ----------
    nwb_path : str or Path
        An existing NWB file (HDF5 file or Zarr directory); a symlink's target is updated.
    check : callable
        ``check(original) -> checked``, given the open original: every input check runs here (and raises),
        before anything is copied.
    edit : callable
        ``edit(work, checked)``: changes the copy at path ``work`` (open it with ``fileio.open_nwb(work, "a")``).

    Returns
    -------
    Path
        ``nwb_path``.
    """
    target = writable_target(nwb_path)
    check_nwb_file(target, shown_as=nwb_path)
    with (
        writer_lock(target, nwb_path),
        open_nwb(target, "r", shown_as=nwb_path) as (_, original),
        _region_target_not_yet_attached(),
    ):
        checked = check(original)
        with updated_copy(target, shown_as=nwb_path) as work:
            edit(work, checked)
    return Path(nwb_path)


def _write_table(
    nwb_path: str | Path,
    name: str,
    overwrite: bool,
    module_name: str,
    build: Callable[[NWBFile, _Replaced | None], DynamicTable],
    finish: Callable[[NWBFile, DynamicTable], None] | None = None,
) -> Path:
    """Validate on the original file, then build, add and write the table in a copy swapped in at the end.

    ``build`` makes the table from an open file and what an overwrite deletes (and raises on bad input);
    ``finish`` makes any other change once the table is in the file (see :func:`update_nwb_file`).
    """
    check_name(name, "name")

    def check(original: NWBFile) -> _Replaced | None:
        replaced = _existing_table(original, name, module_name, overwrite)
        build(original, replaced)  # every input check runs here, before anything is copied
        return replaced

    def edit(work: Path, replaced: _Replaced | None) -> None:
        if replaced is not None:
            _delete_replaced(work, replaced)
        with open_nwb(work, "a", shown_as=nwb_path) as (io, nwbfile):
            table = build(nwbfile, replaced)
            _processing_module(nwbfile, module_name).add(table)
            if finish is not None:
                finish(nwbfile, table)
            io.write(nwbfile)

    return update_nwb_file(nwb_path, check, edit)


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
    original as it was. Writers of one file take turns (an OS file lock); a copy is not swapped in if
    another program changed the file meanwhile. A symlink's target is updated; the file keeps its owner
    (where permitted) and mode. See docs/nwb.md for the full list of guarantees.

    Parameters
    ----------
    nwb_path : str or Path
        An existing NWB file (HDF5 file or Zarr directory) with an electrodes table.
    analyzer_or_result : RegionPredictions or SortingAnalyzer
        The predictions, or an analyzer with a computed ``lfp_region`` extension.
    name : str, default: "lfp_region"
        Name of the table; several models can sit side by side under different names.
    overwrite : bool, default: False
        Replace an existing prediction table of the same name instead of refusing; the electrodes column
        that mirrored the old table (if any) is deleted with it.
    electrodes_column : str or None, default: None
        If given, also add a text column of this name to the electrodes table holding the predicted
        region ("" for electrodes without a prediction); the table records the column's name. The
        ``location`` column and columns not written for this table are never touched.

    Returns
    -------
    Path
        The updated file.

    Raises
    ------
    ValueError
        If the file has no electrodes table, the channel ids cannot be matched to electrodes (by
        ``channel_name``; by electrode id or ``contact_ids`` only for one probe with one prediction per
        electrode, with a warning), the name is taken or invalid, or ``electrodes_column`` exists or is reserved.
    NWBFileError
        If the path is not an NWB file (:class:`NotNWBFileError`), has several hard links, is read-only
        (:class:`NWBFilePermissionError`), or is open for writing / changed by another program
        (:class:`NWBFileBusyError`). All are ValueErrors whose message names ``nwb_path``.
    TypeError
        If ``analyzer_or_result`` is neither a RegionPredictions nor a SortingAnalyzer.

    Examples
    --------
    >>> write_region_predictions("session.nwb", analyzer)  # doctest: +SKIP
    """
    result = _region_predictions(analyzer_or_result)
    if electrodes_column is not None:
        check_name(electrodes_column, "electrodes_column")

    def build(nwbfile: NWBFile, replaced: _Replaced | None) -> DynamicTable:
        if electrodes_column is not None:
            freed = None if replaced is None else replaced.electrodes_column
            if nwbfile.electrodes is not None:
                check_new_column(nwbfile.electrodes, electrodes_column, freed=freed)
        return region_table(nwbfile, result, name, electrodes_column)

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
        If the target table is missing, an id matches no row or several, or the name is taken or invalid.
    NWBFileError
        As for :func:`write_region_predictions`.
    TypeError
        If ``result`` is not a CellSubclassPredictions.
    """
    if not isinstance(result, CellSubclassPredictions):
        raise TypeError(f"result: expected a CellSubclassPredictions, got {type(result).__name__}")
    module_name = "ecephys" if result.target == "units" else "icephys"
    return _write_table(
        nwb_path, name, overwrite, module_name, lambda nwbfile, _replaced: subclass_table(nwbfile, result, name)
    )
