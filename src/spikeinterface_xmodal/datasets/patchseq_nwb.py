"""Write a generated Patch-seq cell to an icephys NWB file, in the NWB 2 table layout or the older sweep layout."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from hdmf.backends.hdf5 import H5DataIO
from pynwb import NWBFile
from pynwb.file import Subject
from pynwb.icephys import CurrentClampSeries, CurrentClampStimulusSeries

from ..nwb.fileio import write_new_nwb_file
from .patchseq_cells import STIMULUS_CODES, SyntheticCell

LAYOUTS = ("icephys_tables", "numbered_sweeps")
PROTOCOL_STIMULUS_TYPES = dict(long_square="Long Square", short_square="Short Square", ramp="Ramp")
VOLTS_PER_COUNT = 1e-3 / 32  # the response is stored as int16 counts of 1/32 mV
_SWEEP_PERIOD_S = 2.0  # sweeps start every 2 s


def _series(cell: SyntheticCell, electrode) -> list[tuple[str, CurrentClampStimulusSeries, CurrentClampSeries]]:
    """(protocol, stimulus, response) per sweep; the stimulus description is the Allen Institute stimulus code."""
    series = []
    for sweep in cell.sweeps:
        common = dict(
            electrode=electrode,
            rate=sweep.sampling_rate,
            starting_time=sweep.sweep_number * _SWEEP_PERIOD_S,
            gain=1.0,
            sweep_number=np.uint32(sweep.sweep_number),
            stimulus_description=STIMULUS_CODES[sweep.protocol],
        )
        what = f"{PROTOCOL_STIMULUS_TYPES[sweep.protocol].lower()} sweep {sweep.sweep_number}"
        stimulus = CurrentClampStimulusSeries(
            name=f"stimulus_{sweep.sweep_number:03d}",
            description=f"injected current of {what}",
            data=H5DataIO(sweep.stimulus_pa * np.float32(1e-12), compression="gzip", compression_opts=1),
            **common,
        )
        counts = np.round(sweep.voltage_mv * 1e-3 / VOLTS_PER_COUNT).astype("int16")
        response = CurrentClampSeries(
            name=f"response_{sweep.sweep_number:03d}",
            description=f"membrane potential during {what}",
            data=counts,  # noise does not compress: stored plain, fast to write
            conversion=VOLTS_PER_COUNT,
            bias_current=0.0,
            bridge_balance=0.0,
            capacitance_compensation=0.0,
            **common,
        )
        series.append((sweep.protocol, stimulus, response))
    return series


def _add_icephys_tables(nwbfile: NWBFile, series: list) -> None:
    by_protocol: dict[str, list[int]] = {}
    for protocol, stimulus, response in series:
        row = nwbfile.add_intracellular_recording(electrode=response.electrode, stimulus=stimulus, response=response)
        simultaneous = nwbfile.add_icephys_simultaneous_recording(recordings=[row])
        by_protocol.setdefault(protocol, []).append(simultaneous)
    for protocol, rows in by_protocol.items():
        nwbfile.add_icephys_sequential_recording(
            simultaneous_recordings=rows, stimulus_type=PROTOCOL_STIMULUS_TYPES[protocol]
        )


def _add_numbered_sweeps(nwbfile: NWBFile, series: list) -> None:
    for _, stimulus, response in series:
        nwbfile.add_stimulus(stimulus)
        nwbfile.add_acquisition(response)


def write_patchseq_nwb(
    cell: SyntheticCell, path: str | Path, layout: str = "icephys_tables", overwrite: bool = False
) -> Path:
    """Write one generated cell's sweeps to an icephys NWB file.

    ``layout="icephys_tables"`` writes the NWB 2 layout (one ``intracellular_recordings`` row per sweep, grouped by
    protocol in ``icephys_sequential_recordings`` with ``stimulus_type`` "Long Square", "Short Square", "Ramp"); the
    file passes ``pynwb.validate`` and ``nwbinspector --config dandi``. ``layout="numbered_sweeps"`` writes the
    older layout of Allen Institute / MIES files instead: series in ``acquisition`` and ``stimulus`` paired by their
    ``sweep_number``, no icephys tables (pynwb no longer writes the deprecated ``SweepTable`` that grouped them).
    Both carry the Allen stimulus codes as ``stimulus_description``. The true subclass is not written to the file
    (it is what the models predict).

    Parameters
    ----------
    cell : SyntheticCell
        From ``generate_patchseq_cells``; its ``cell_id`` names the intracellular electrode.
    path : str or Path
        Destination ``.nwb`` file.
    layout : {"icephys_tables", "numbered_sweeps"}, default: "icephys_tables"
    overwrite : bool, default: False
        Replace an existing file.

    Returns
    -------
    Path
        The written file.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {list(LAYOUTS)}, got {layout!r}")
    nwbfile = NWBFile(
        session_description=f"Generated current-clamp sweeps of synthetic cell {cell.cell_id}",
        identifier=f"xmodal-synthetic-patchseq-{cell.cell_id}",
        session_start_time=datetime(2024, 1, 1, tzinfo=timezone.utc),
        experiment_description="Synthetic Patch-seq electrophysiology from a Hodgkin-Huxley-type model "
        "(spikeinterface_xmodal.datasets.generate_patchseq_cells); no animal was recorded.",
        keywords=["patch-seq", "current clamp", "synthetic"],
        subject=Subject(
            subject_id=f"synthetic-{cell.cell_id}",
            species="Mus musculus",
            sex="U",
            age="P60D",
            description="generated by spikeinterface_xmodal.datasets (no animal was recorded)",
        ),
    )
    device = nwbfile.create_device(name="Amplifier", description="simulated patch-clamp amplifier")
    electrode = nwbfile.create_icephys_electrode(
        name=cell.cell_id, description="simulated whole-cell patch pipette", device=device, cell_id=cell.cell_id
    )
    series = _series(cell, electrode)
    (_add_icephys_tables if layout == "icephys_tables" else _add_numbered_sweeps)(nwbfile, series)
    return write_new_nwb_file(nwbfile, path, overwrite)
