"""Match prediction ids (channel ids, unit ids, cell ids) to rows of the NWB file's tables.

Every id must match exactly one row; anything else is a ValueError, never a silent misalignment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from hdmf.common import DynamicTable
from pynwb import NWBFile

ELECTRODE_KEYS = ("channel_name", "id", "contact_ids")
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
        Name of the table for error messages, e.g. "electrodes".

    Returns
    -------
    np.ndarray
        Row indices (int64), one per id.
    """
    wanted = _as_strings(ids)
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
    tried = {}
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
        return np.array([rows[w][0] for w in wanted], dtype="int64")
    detail = "; ".join(f"by {key!r}: {len(m)} unmatched, e.g. {m[:5]}" for key, m in tried.items())
    raise ValueError(f"ids: the predictions do not match the rows of the {what} table ({detail})")


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
