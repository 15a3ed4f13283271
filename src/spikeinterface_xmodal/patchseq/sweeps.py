"""Current-clamp sweeps from icephys NWB files, read with pynwb directly (no ipfx data-set layer).

Two layouts are read:

- NWB 2 icephys tables: one row of ``intracellular_recordings`` per sweep (stimulus and response series); the
  protocol comes from the ``stimulus_type`` of its ``icephys_sequential_recordings`` row, else from the series'
  ``stimulus_description``.
- The older sweep-table layout of Allen Institute / MIES files (``layout="numbered_sweeps"``):
  ``CurrentClampSeries`` in ``acquisition`` and ``CurrentClampStimulusSeries`` in ``stimulus``, paired by their
  ``sweep_number`` (the grouping the deprecated ``SweepTable`` records, which is therefore not needed and may be
  absent); the protocol comes from ``stimulus_description``.

Protocol names are matched by ``PROTOCOL_PATTERNS``, which knows the Allen Institute's stimulus codes
(``C1LSCOARSE``, ``X4PS_SupraThresh``, ``C1SSFINEST``, ``C1RP25PR1S``, ...) and plain names ("Long Square").
Voltage-clamp and I=0 series are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PROTOCOLS = ("long_square", "short_square", "ramp")

#: Protocol -> regular expression (case-insensitive, searched in the stimulus type or description). Search
#: sweeps (``X2LP_Search``), ramps to rheobase (``C2NSRMPRHE``) and noise or chirp stimuli match none.
PROTOCOL_PATTERNS: dict[str, str] = {
    "long_square": r"C1LS|[XY]?\dPS_?Sub|[XY]?\dPS_?Supra|PS_Sub|PS_Supra|LP_Rheo|long[\s_-]*square|^subthreshold",
    "short_square": r"C1SS|C2SSHM|SP_Rheo|short[\s_-]*square",
    "ramp": r"C1RP|X7Ramp|^ramp(?![\s_-]*to)",
}

_VOLT_SCALES = {"volts": 1e3, "volt": 1e3, "v": 1e3, "millivolts": 1.0, "mv": 1.0}
_AMPERE_SCALES = {"amperes": 1e12, "ampere": 1e12, "a": 1e12, "picoamperes": 1.0, "pa": 1.0}


@dataclass
class Sweep:
    """One current-clamp sweep: response and injected current on the same samples.

    Parameters
    ----------
    sweep_number : int
        The response series' ``sweep_number``; without one, its ``intracellular_recordings`` row id.
    protocol : str or None
        ``"long_square"``, ``"short_square"``, ``"ramp"``, or None for other stimuli.
    stimulus_name : str
        The stimulus type or description the protocol was read from.
    voltage_mv : np.ndarray
        Membrane potential (mV).
    current_pa : np.ndarray
        Injected current (pA).
    sampling_rate : float
        Hz.
    """

    sweep_number: int
    protocol: str | None
    stimulus_name: str
    voltage_mv: np.ndarray
    current_pa: np.ndarray
    sampling_rate: float

    @property
    def time_s(self) -> np.ndarray:
        """Time of each sample from the start of the sweep (s)."""
        return np.arange(self.voltage_mv.size) / self.sampling_rate


@dataclass
class CellSweeps:
    """The current-clamp sweeps of one cell (one intracellular electrode) of an NWB file.

    Parameters
    ----------
    path : Path
        The NWB file.
    cell_id : str
        The intracellular electrode's name (what ``nwb.write_cell_subclasses`` matches).
    layout : str
        ``"icephys_tables"`` or ``"numbered_sweeps"`` (the older sweep-table layout).
    sweeps : list of Sweep
    """

    path: Path
    cell_id: str
    layout: str
    sweeps: list[Sweep] = field(default_factory=list)

    def protocol(self, name: str) -> list[Sweep]:
        """The sweeps of one protocol, in sweep order."""
        if name not in PROTOCOLS:
            raise ValueError(f"Unknown protocol {name!r}; expected one of {list(PROTOCOLS)}")
        return [sweep for sweep in self.sweeps if sweep.protocol == name]


def classify_protocol(stimulus_name: str, patterns: dict[str, str] | None = None) -> str | None:
    """The protocol a stimulus name belongs to, or None.

    Parameters
    ----------
    stimulus_name : str
        A stimulus type or description, e.g. ``"C1LSCOARSE150112_DA_0"`` or ``"Long Square"``.
    patterns : dict of str to str or None, default: None
        Protocol -> regular expression; None uses ``PROTOCOL_PATTERNS``.

    Returns
    -------
    str or None

    Examples
    --------
    >>> classify_protocol("X4PS_SupraThresh_DA_0"), classify_protocol("X2LP_Search")
    ('long_square', None)
    """
    for protocol, pattern in (patterns or PROTOCOL_PATTERNS).items():
        if re.search(pattern, stimulus_name or "", flags=re.IGNORECASE):
            return protocol
    return None


def _is_current_clamp(series) -> bool:
    from pynwb.icephys import CurrentClampSeries, IZeroClampSeries

    return isinstance(series, CurrentClampSeries) and not isinstance(series, IZeroClampSeries)


def _sampling_rate(series, path: Path) -> float:
    if series.rate is not None:
        return float(series.rate)
    timestamps = np.asarray(series.timestamps[:], dtype="float64")
    steps = np.diff(timestamps)
    if steps.size == 0 or not np.allclose(steps, steps[0], rtol=1e-3):
        raise ValueError(f"{path}: series {series.name!r} has irregular timestamps; sweeps need a constant rate")
    return float(1.0 / steps[0])


def _physical(series, scales: dict[str, float], wanted: str, path: Path, start: int = 0, count: int = -1):
    """The series' data (or a slice of it) in mV or pA."""
    unit = str(series.unit).strip().lower()
    if unit not in scales:
        raise ValueError(f"{path}: series {series.name!r} is in {series.unit!r}; expected {wanted}")
    stop = None if count < 0 else start + count
    data = np.asarray(series.data[start:stop], dtype="float64")
    offset = getattr(series, "offset", 0.0) or 0.0
    return (data * series.conversion + offset) * scales[unit]


def _sweep(number, protocol_name, response, stimulus, path, patterns, response_slice=(0, -1), stimulus_slice=(0, -1)):
    rate = _sampling_rate(response, path)
    voltage = _physical(response, _VOLT_SCALES, "volts or mV", path, *response_slice)
    current = _physical(stimulus, _AMPERE_SCALES, "amperes or pA", path, *stimulus_slice)
    if current.size != voltage.size:
        raise ValueError(
            f"{path}: sweep {number} has {voltage.size} response and {current.size} stimulus samples; "
            "they must be recorded on the same samples"
        )
    return Sweep(int(number), classify_protocol(protocol_name, patterns), protocol_name, voltage, current, rate)


def _ragged_rows(index) -> list[np.ndarray]:
    """The rows of a ragged DynamicTable column (a VectorIndex over a DynamicTableRegion), as index arrays."""
    ends = np.asarray(index.data[:], dtype=np.intp)
    values = np.asarray(index.target.data[:], dtype=np.intp)
    return np.split(values, ends[:-1])


def _stimulus_types(nwbfile) -> dict[int, str]:
    """intracellular_recordings row index -> stimulus_type of its sequential recording."""
    sequential = nwbfile.icephys_sequential_recordings
    simultaneous = nwbfile.icephys_simultaneous_recordings
    if sequential is None or simultaneous is None or "stimulus_type" not in sequential.colnames:
        return {}
    recordings = _ragged_rows(simultaneous["recordings"])
    types = {}
    for row, simultaneous_rows in enumerate(_ragged_rows(sequential["simultaneous_recordings"])):
        for simultaneous_row in simultaneous_rows:
            for recording in recordings[simultaneous_row]:
                types[int(recording)] = str(sequential["stimulus_type"][row])
    return types


def _reference(column, row: int):
    """(idx_start, count, series) of a TimeSeriesReferenceVectorData row; series None when absent."""
    reference = column[row]
    if reference is None or reference.timeseries is None or int(reference.idx_start) < 0:  # -1: no series
        return 0, -1, None
    return int(reference.idx_start), int(reference.count), reference.timeseries


def _table_sweeps(nwbfile, path: Path, patterns) -> Iterator[tuple[str, Sweep]]:
    table = nwbfile.intracellular_recordings
    types = _stimulus_types(nwbfile)
    for row in range(len(table)):
        r_start, r_count, response = _reference(table.get_category("responses")["response"], row)
        s_start, s_count, stimulus = _reference(table.get_category("stimuli")["stimulus"], row)
        if response is None or stimulus is None or not _is_current_clamp(response):
            continue
        name = types.get(row) or response.stimulus_description or stimulus.name
        sweep_number = int(table.id[row]) if response.sweep_number is None else int(response.sweep_number)
        yield (
            response.electrode.name,
            _sweep(sweep_number, name, response, stimulus, path, patterns, (r_start, r_count), (s_start, s_count)),
        )


def _numbered_sweeps(nwbfile, path: Path, patterns) -> Iterator[tuple[str, Sweep]]:
    stimuli = {}
    for series in nwbfile.stimulus.values():
        if getattr(series, "sweep_number", None) is not None:
            stimuli[(int(series.sweep_number), series.electrode.name)] = series
    responses = [s for s in nwbfile.acquisition.values() if _is_current_clamp(s)]
    for response in sorted(responses, key=lambda s: (s.sweep_number is None, s.sweep_number or 0, s.name)):
        key = (None if response.sweep_number is None else int(response.sweep_number), response.electrode.name)
        stimulus = stimuli.get(key)
        if stimulus is None:
            continue
        name = response.stimulus_description or stimulus.stimulus_description or stimulus.name
        yield response.electrode.name, _sweep(key[0], name, response, stimulus, path, patterns)


def read_sweeps(nwb_path: str | Path, patterns: dict[str, str] | None = None) -> list[CellSweeps]:
    """Read the current-clamp sweeps of every cell (intracellular electrode) in an icephys NWB file.

    Parameters
    ----------
    nwb_path : str or Path
        An NWB file (HDF5 or Zarr) with current-clamp data in either layout (see the module docstring).
    patterns : dict of str to str or None, default: None
        Protocol -> regular expression matched against stimulus types / descriptions; None uses
        ``PROTOCOL_PATTERNS``.

    Returns
    -------
    list of CellSweeps
        One per intracellular electrode with current-clamp sweeps, sorted by electrode name; sweeps of
        unrecognised protocols are kept with ``protocol=None``.

    Raises
    ------
    ValueError
        The file has no current-clamp sweep with its stimulus (the message names the file), a series is in an
        unexpected unit, or a sweep's stimulus and response lengths differ.
    NotNWBFileError
        The path is not an NWB file.

    Examples
    --------
    >>> (cell,) = read_sweeps("sub-1_ses-2_icephys.nwb")
    >>> [s.stimulus_name for s in cell.protocol("long_square")][:2]
    """
    from ..nwb.fileio import open_nwb

    path = Path(nwb_path)
    cells: dict[str, CellSweeps] = {}
    with open_nwb(path) as (_io, nwbfile):
        tables = nwbfile.intracellular_recordings is not None and len(nwbfile.intracellular_recordings) > 0
        layout = "icephys_tables" if tables else "numbered_sweeps"
        reader = _table_sweeps if tables else _numbered_sweeps
        for electrode, sweep in reader(nwbfile, path, patterns):
            cells.setdefault(electrode, CellSweeps(path, electrode, layout)).sweeps.append(sweep)
    if not cells:
        raise ValueError(
            f"{path} has no current-clamp sweeps (no CurrentClampSeries with a stimulus in intracellular_recordings "
            "or acquisition): Patch-seq features need current-clamp recordings"
        )
    for cell in cells.values():
        cell.sweeps.sort(key=lambda sweep: sweep.sweep_number)
    return [cells[name] for name in sorted(cells)]
