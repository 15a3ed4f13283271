"""Latent-dynamics sessions as NWB files: units, LFP ``ElectricalSeries``, hand velocity and trials.

The layout is NeuroConv's for SpikeInterface data (units with ``unit_name``, LFP in ``processing/ecephys/LFP``
with electrodes carrying ``channel_name``) plus ``processing/behavior/BehavioralTimeSeries/hand_velocity`` and
the trials table (with a ``condition`` column), so files from real experiments laid out the same load too.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from pynwb import NWBFile, TimeSeries
from pynwb.behavior import BehavioralTimeSeries
from pynwb.ecephys import LFP, ElectricalSeries
from pynwb.file import Subject
from pynwb.misc import Units

from ..nwb.fileio import write_new_nwb_file
from .latent_sessions import LatentSession

LFP_SERIES_PATH = "processing/ecephys/LFP/ElectricalSeriesLFP"
BEHAVIOUR_CONTAINER = "BehavioralTimeSeries"
BEHAVIOUR_SERIES = "hand_velocity"


def _add_lfp(nwbfile: NWBFile, recording) -> None:
    device = nwbfile.create_device(name="Array", description="recording array")
    group = nwbfile.create_electrode_group(name="array", description="LFP channels", location="unknown", device=device)
    nwbfile.add_electrode_column(name="channel_name", description="channel id as written by NeuroConv")
    for channel_id in recording.channel_ids:
        nwbfile.add_electrode(group=group, location="unknown", channel_name=str(channel_id))
    electrodes = nwbfile.create_electrode_table_region(list(range(recording.get_num_channels())), "all electrodes")
    series = ElectricalSeries(
        name="ElectricalSeriesLFP",
        data=recording.get_traces(return_in_uV=recording.has_scaleable_traces()).astype("float32"),
        electrodes=electrodes,
        rate=float(recording.sampling_frequency),
        starting_time=float(recording.get_times()[0]),
        conversion=1e-6,
        description="LFP in microvolts",
    )
    ecephys = nwbfile.create_processing_module(name="ecephys", description="Processed extracellular data.")
    container = LFP(name="LFP")
    ecephys.add(container)  # attach first, so the series' electrodes region shares the file as ancestor
    container.add_electrical_series(series)


def _timing(times: np.ndarray) -> dict:
    """``starting_time`` and ``rate`` for regularly sampled times, else ``timestamps``."""
    steps = np.diff(times)
    if steps.size and np.allclose(steps, steps[0], rtol=1e-6, atol=1e-9):
        return {"starting_time": float(times[0]), "rate": float(1.0 / steps[0])}
    return {"timestamps": times}


def _add_behaviour(nwbfile: NWBFile, session: LatentSession) -> None:
    velocity = TimeSeries(
        name=BEHAVIOUR_SERIES,
        data=np.asarray(session.behaviour, dtype="float64"),
        unit="a.u.",
        description="2-D hand velocity (arbitrary units)",
        **_timing(np.asarray(session.behaviour_times, dtype="float64")),
    )
    module = nwbfile.create_processing_module(name="behavior", description="Behavioural data.")
    module.add(BehavioralTimeSeries(time_series=[velocity], name=BEHAVIOUR_CONTAINER))


def write_latent_session_nwb(session: LatentSession, path: str | Path, overwrite: bool = False) -> Path:
    """Write a latent-dynamics session as an NWB file (units, LFP, hand velocity, trials).

    Parameters
    ----------
    session : LatentSession
        From ``generate_latent_session`` (the true latents are not written).
    path : str or Path
        Destination ``.nwb`` file.
    overwrite : bool, default: False
        Replace an existing file.

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> write_latent_session_nwb(generate_latent_session(seed=0), "session.nwb")
    """
    nwbfile = NWBFile(
        session_description=f"generated latent-dynamics session {session.session_id} (spikeinterface_xmodal.datasets)",
        identifier=session.session_id,
        session_start_time=datetime(2026, 1, 1, tzinfo=timezone.utc),
        experiment_description="centre-out reaching task driven by shared latent dynamics (synthetic)",
        experimenter=["Generator, Synthetic"],
        institution="synthetic",
        keywords=["synthetic", "latent dynamics", "distillation"],
        subject=Subject(
            subject_id=session.session_id, species="Macaca mulatta", sex="U", age="P5Y", description="synthetic subject"
        ),
    )
    nwbfile.units = Units(
        name="units", description="generated units", resolution=1.0 / session.sorting.sampling_frequency
    )
    _add_lfp(nwbfile, session.lfp)
    nwbfile.add_unit_column(name="unit_name", description="unit id from SpikeInterface")
    for unit_id in session.sorting.unit_ids:
        nwbfile.add_unit(
            spike_times=session.sorting.get_unit_spike_train(unit_id, return_times=True), unit_name=str(unit_id)
        )
    nwbfile.add_trial_column(name="condition", description="reach target index")
    nwbfile.add_trial_column(name="movement_onset", description="movement onset time (s)")
    trials = session.trials
    for start, stop, onset, condition in zip(
        trials["start_time"], trials["stop_time"], trials["movement_onset"], trials["condition"], strict=True
    ):
        nwbfile.add_trial(
            start_time=float(start), stop_time=float(stop), movement_onset=float(onset), condition=int(condition)
        )
    _add_behaviour(nwbfile, session)
    return write_new_nwb_file(nwbfile, path, overwrite)


def _read_behaviour(nwbfile, shown_as) -> tuple[np.ndarray, np.ndarray]:
    try:
        series = nwbfile.processing["behavior"][BEHAVIOUR_CONTAINER][BEHAVIOUR_SERIES]
    except KeyError as error:
        raise ValueError(
            f"{shown_as} has no behaviour at processing/behavior/{BEHAVIOUR_CONTAINER}/{BEHAVIOUR_SERIES}"
        ) from error
    return np.asarray(series.data[:], dtype=float), np.asarray(series.get_timestamps(), dtype=float)


def read_latent_session_nwb(path: str | Path, session_id: str | None = None) -> LatentSession:
    """Read a session written by :func:`write_latent_session_nwb` (or laid out the same way).

    Parameters
    ----------
    path : str or Path
        The NWB file.
    session_id : str or None, default: None
        Name of the session; None uses the file's identifier.

    Returns
    -------
    LatentSession
        With ``latents`` None; sorting and LFP are SpikeInterface's NWB extractors (lazy).

    Raises
    ------
    ValueError
        The file lacks the LFP series, the units or the behaviour.
    """
    from spikeinterface.extractors import read_nwb_recording, read_nwb_sorting

    from ..nwb.fileio import open_nwb

    with open_nwb(path) as (_, nwbfile):
        behaviour, behaviour_times = _read_behaviour(nwbfile, path)
        identifier = nwbfile.identifier
        if nwbfile.units is None or len(nwbfile.units) == 0:
            raise ValueError(f"{path} has no units table (or an empty one)")
        resolution = nwbfile.units.resolution
        spike_rate = 1.0 / resolution if resolution and resolution > 0 else None
        if nwbfile.trials is None:
            trials = None
        else:
            table = nwbfile.trials.to_dataframe()
            trials = {name: table[name].to_numpy() for name in table.columns if name != "timeseries"}
    try:
        lfp = read_nwb_recording(path, electrical_series_path=LFP_SERIES_PATH)
    except ValueError as error:
        raise ValueError(f"{path} has no LFP ElectricalSeries at {LFP_SERIES_PATH}: {error}") from error
    # the units' own rate when the table states its resolution, else the LFP's; on the LFP's start time
    time_base = (
        {"sampling_frequency": spike_rate, "t_start": float(lfp.get_times()[0])}
        if spike_rate
        else {"electrical_series_path": LFP_SERIES_PATH}
    )
    sorting = read_nwb_sorting(path, **time_base)
    return LatentSession(
        session_id=session_id or identifier,
        sorting=sorting,
        lfp=lfp,
        behaviour=behaviour,
        behaviour_times=behaviour_times,
        trials=trials,
    )
