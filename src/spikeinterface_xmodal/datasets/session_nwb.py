"""Write a generated session to an NWB file laid out the way NeuroConv writes SpikeInterface data."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from pynwb import NWBHDF5IO, NWBFile
from pynwb.ecephys import LFP, ElectricalSeries

from .sessions import RegionSession


def _add_electrodes(nwbfile: NWBFile, session: RegionSession) -> None:
    device = nwbfile.create_device(name="Probe", description=f"Neuropixels-like probe of {session.lab_id}")
    recording = session.lfp
    groups = recording.get_channel_groups()
    electrode_groups = {
        group: nwbfile.create_electrode_group(
            name=f"shank{group}", description="probe shank", location="unknown", device=device
        )
        for group in np.unique(groups)
    }
    for name in ("channel_name", "rel_x", "rel_y"):
        nwbfile.add_electrode_column(name=name, description=f"{name} as written by NeuroConv")
    locations = recording.get_channel_locations()
    for i, channel_id in enumerate(recording.channel_ids):
        nwbfile.add_electrode(
            group=electrode_groups[groups[i]],
            location="unknown",  # histology not yet done: exactly what lfp_region predicts
            channel_name=str(channel_id),
            rel_x=float(locations[i, 0]),
            rel_y=float(locations[i, 1]),
        )


def write_session_nwb(session: RegionSession, path: str | Path, overwrite: bool = False) -> Path:
    """Write a generated session's LFP, electrodes and ground-truth units to an NWB file.

    The layout follows NeuroConv's SpikeInterface writers: electrodes carry ``channel_name`` (the
    recording's channel ids) and ``rel_x`` / ``rel_y``; the LFP is an ``ElectricalSeries`` in
    ``processing/ecephys/LFP``; units carry ``unit_name``. The true regions are *not* written (the
    electrodes' ``location`` is "unknown"), so the file looks like a session before histology.

    Parameters
    ----------
    session : RegionSession
        From ``generate_region_session``.
    path : str or Path
        Destination ``.nwb`` file.
    overwrite : bool, default: False
        Replace an existing file.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
    nwbfile = NWBFile(
        session_description=f"generated session {session.session_id} (spikeinterface_xmodal.datasets)",
        identifier=session.session_id,
        session_start_time=datetime(2026, 1, 1, tzinfo=timezone.utc),
        lab=session.lab_id,
    )
    _add_electrodes(nwbfile, session)
    recording = session.lfp
    electrodes = nwbfile.create_electrode_table_region(list(range(recording.get_num_channels())), "all electrodes")
    series = ElectricalSeries(
        name="ElectricalSeriesLFP",
        data=recording.get_traces(return_in_uV=True).astype("float32"),
        electrodes=electrodes,
        rate=float(recording.sampling_frequency),
        conversion=1e-6,
        description="LFP in microvolts",
    )
    ecephys = nwbfile.create_processing_module(name="ecephys", description="Processed extracellular data.")
    lfp_container = LFP(name="LFP")
    ecephys.add(lfp_container)  # attach first, so the series' electrodes region shares the file as ancestor
    lfp_container.add_electrical_series(series)
    nwbfile.add_unit_column(name="unit_name", description="unit id from SpikeInterface")
    for unit_id in session.sorting.unit_ids:
        spike_times = session.sorting.get_unit_spike_train(unit_id, return_times=True)
        nwbfile.add_unit(spike_times=spike_times, unit_name=str(unit_id))
    with NWBHDF5IO(path, mode="w") as io:
        io.write(nwbfile)
    return path
