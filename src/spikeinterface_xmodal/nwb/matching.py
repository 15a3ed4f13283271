"""Match prediction ids (channel ids, unit ids, cell ids) to rows of the NWB file's tables.

Every id must match exactly one row; anything else is a ValueError, never a silent misalignment.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence

import numpy as np
from hdmf.common import DynamicTable
from pynwb import NWBFile

# channel ids are the electrodes' channel_name (as NeuroConv writes SpikeInterface channel ids); electrode ids
# and probe contact ids are fallbacks, used only where they cannot put predictions on the wrong electrodes
ELECTRODE_NAME_KEYS = ("channel_name",)
ELECTRODE_FALLBACK_KEYS = ("id", "contact_ids")
UNIT_KEYS = ("unit_name", "id")


def _as_strings(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def column_as_strings(table: DynamicTable, key: str) -> list[str] | None:
    """Return the values of ``key`` (a column name, or "id" for the row ids) as strings, None if absent."""
    if key == "id":
        return _as_strings(table.id[:])
    if key not in table.colnames:
        return None
    column = table[key]
    if hasattr(column, "target"):  # a ragged column (VectorIndex): not one value per row
        return None
    return _as_strings(column.data[:])


def _check_ids(table: DynamicTable | None, wanted: list[str], what: str) -> None:
    if len(wanted) == 0:
        raise ValueError(f"ids: no predictions to write (0 ids for the {what} table)")
    if table is None or len(table) == 0:
        raise ValueError(
            f"nwb_path: the NWB file has no {what} table (or it is empty), so the predictions "
            f"for {len(wanted)} ids cannot be matched to its rows"
        )
    if len(wanted) > len(table):
        raise ValueError(f"ids: {len(wanted)} predictions but the file's {what} table has only {len(table)} rows")
    duplicates = sorted(w for w, count in Counter(wanted).items() if count > 1)
    if duplicates:
        raise ValueError(f"ids: duplicated ids {duplicates[:5]}; each row must have its own id")


def _match_by(
    table: DynamicTable, wanted: list[str], keys: Sequence[str], what: str, tried: dict[str, list[str]]
) -> tuple[str, np.ndarray] | None:
    """Return (key, rows) for the first key matching every id once; record the unmatched ids of the others."""
    for key in keys:
        values = column_as_strings(table, key)
        if values is None:
            continue
        rows: dict[str, list[int]] = {}
        for row, value in enumerate(values):
            rows.setdefault(value, []).append(row)
        missing = [w for w in wanted if w not in rows]
        if missing:
            tried[key] = missing
            continue
        ambiguous = [w for w in wanted if len(rows[w]) > 1]
        if ambiguous:
            raise ValueError(f"ids: {ambiguous[:5]} each match several rows of the {what} table by {key!r}")
        return key, np.array([rows[w][0] for w in wanted], dtype="int64")
    return None


def _unmatched(tried: dict[str, list[str]]) -> str:
    return "; ".join(f"by {key!r}: {len(m)} unmatched, e.g. {m[:5]}" for key, m in tried.items())


def match_rows(table: DynamicTable | None, ids: Sequence, keys: Sequence[str], what: str) -> np.ndarray:
    """Return, for each id, the index of the one row of ``table`` it names.

    Parameters
    ----------
    table : DynamicTable or None
        The NWB table to match against (None when the file has no such table).
    ids : sequence
        The ids to match, compared as strings.
    keys : sequence of str
        Columns to try in order ("id" for the table's row ids); the first one that matches every id wins.
    what : str
        Name of the table for error messages, e.g. "units".

    Returns
    -------
    np.ndarray
        Row indices (int64), one per id.
    """
    wanted = _as_strings(ids)
    _check_ids(table, wanted, what)
    tried: dict[str, list[str]] = {}
    matched = _match_by(table, wanted, keys, what, tried)
    if matched is None:
        raise ValueError(f"ids: the predictions do not match the rows of the {what} table ({_unmatched(tried)})")
    return matched[1]


def _fallback_refusal(nwbfile: NWBFile, n_ids: int) -> str | None:
    """Return why matching by a fallback key could misplace predictions, or None when it cannot.

    Devices are read from the file's electrode groups rather than from the electrodes' ``group`` column,
    whose object references hdmf-zarr stores pickled (unreadable by default).
    """
    electrodes = nwbfile.electrodes
    devices = sorted({group.device.name for group in nwbfile.electrode_groups.values()})
    problems = []
    if len(devices) != 1:
        problems.append(f"its electrodes belong to {len(devices)} devices ({', '.join(devices[:5])})")
    if n_ids != len(electrodes):
        problems.append(f"it has {len(electrodes)} electrodes for {n_ids} predictions")
    return " and ".join(problems) or None


def match_electrodes(nwbfile: NWBFile, channel_ids: Sequence) -> np.ndarray:
    """Return, for each channel id, the row of the electrodes table it names.

    Channel ids are matched to the ``channel_name`` column. Only when that fails (no such column, or values
    that do not match) are electrode ids, then ``contact_ids``, tried, and only where this cannot put the
    predictions on the wrong electrodes: every electrode on one device (probe) and one prediction per
    electrode. A match by such a fallback warns.

    Parameters
    ----------
    nwbfile : NWBFile
        The file, with its electrodes table.
    channel_ids : sequence
        The recording's channel ids, compared as strings.

    Returns
    -------
    np.ndarray
        Row indices (int64), one per channel id.

    Raises
    ------
    ValueError
        If the ids match no ``channel_name`` and a fallback is not safe, naming what did not match and why.
    """
    electrodes = nwbfile.electrodes
    wanted = _as_strings(channel_ids)
    _check_ids(electrodes, wanted, "electrodes")
    tried: dict[str, list[str]] = {}
    matched = _match_by(electrodes, wanted, ELECTRODE_NAME_KEYS, "electrodes", tried)
    if matched is not None:
        return matched[1]
    no_name = (
        f"they do not all match its 'channel_name' column ({_unmatched(tried)})"
        if tried
        else "the electrodes table has no 'channel_name' column"
    )
    refusal = _fallback_refusal(nwbfile, len(wanted))
    if refusal is not None:
        raise ValueError(
            f"ids: channel ids {wanted[:5]} do not match the rows of the electrodes table: {no_name}, and "
            f"matching by electrode id or contact_ids is done only for one probe with one prediction per electrode, "
            f"but {refusal}. Name the channels as the file's 'channel_name' column does (e.g. "
            "recording.rename_channels), or add that column to the file"
        )
    matched = _match_by(electrodes, wanted, ELECTRODE_FALLBACK_KEYS, "electrodes", tried)
    if matched is None:
        raise ValueError(f"ids: the predictions do not match the rows of the electrodes table ({_unmatched(tried)})")
    warnings.warn(
        f"channel ids matched by electrode {matched[0]!r} because {no_name}: correct only if the channel ids are "
        f"the electrodes' {matched[0]!r} values (the file has one probe and one prediction per electrode)",
        UserWarning,
        stacklevel=2,
    )
    return matched[1]


def match_icephys(nwbfile: NWBFile, ids: Sequence) -> tuple[str, np.ndarray]:
    """Match cell ids to intracellular electrode names, else to intracellular_recordings row ids.

    Returns
    -------
    column : str
        ``"icephys_electrode"`` (``matched`` holds electrode names) or ``"intracellular_recordings"``
        (``matched`` holds row indices).
    matched : np.ndarray
    """
    wanted = _as_strings(ids)
    electrodes = set(nwbfile.icephys_electrodes)
    if electrodes and all(w in electrodes for w in wanted):
        if len(set(wanted)) != len(wanted):
            raise ValueError("ids: duplicated intracellular electrode names; each row must have its own id")
        return "icephys_electrode", np.array(wanted, dtype=object)
    try:
        rows = match_rows(nwbfile.intracellular_recordings, ids, ("id",), "intracellular_recordings")
    except ValueError as error:
        raise ValueError(
            f"{error}; the ids are not intracellular electrode names either "
            f"(the file has {sorted(electrodes)[:5] or 'none'})"
        ) from error
    return "intracellular_recordings", rows
