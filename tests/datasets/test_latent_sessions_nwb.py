"""Latent-dynamics sessions round-trip through NWB files that validate and pass nwbinspector."""

import numpy as np
import pynwb
import pytest

from spikeinterface_xmodal.datasets import generate_latent_session, read_latent_session_nwb, write_latent_session_nwb


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    session = generate_latent_session(n_trials=6, n_units=12, n_channels=8, seed=5)
    return session, write_latent_session_nwb(session, tmp_path_factory.mktemp("nwb") / "latent.nwb")


def test_round_trip_keeps_spikes_lfp_behaviour_and_trials(written):
    session, path = written
    read = read_latent_session_nwb(path)
    assert read.session_id == session.session_id and read.latents is None
    assert read.sorting.sampling_frequency == 30_000.0
    for unit_id, read_id in zip(session.sorting.unit_ids, read.sorting.unit_ids, strict=True):
        np.testing.assert_array_equal(
            session.sorting.get_unit_spike_train(unit_id), read.sorting.get_unit_spike_train(read_id)
        )
    np.testing.assert_allclose(read.lfp.get_traces(return_in_uV=True), session.lfp.get_traces(), atol=1e-3)
    np.testing.assert_allclose(read.behaviour, session.behaviour)
    np.testing.assert_allclose(read.behaviour_times, session.behaviour_times, atol=1e-9)
    for key in ("start_time", "stop_time", "movement_onset", "condition"):
        np.testing.assert_allclose(read.trials[key], session.trials[key])


def test_files_validate_and_pass_nwbinspector(written):
    from nwbinspector import inspect_nwbfile

    _, path = written
    assert pynwb.validate(path=str(path)) == []
    assert [m.message for m in inspect_nwbfile(nwbfile_path=str(path))] == []


def test_existing_file_is_kept_and_missing_parts_are_named(written, tmp_path):
    session, path = written
    with pytest.raises(FileExistsError):
        write_latent_session_nwb(session, path)
    bare = tmp_path / "bare.nwb"
    from datetime import datetime, timezone

    with pynwb.NWBHDF5IO(bare, "w") as io:
        io.write(pynwb.NWBFile("bare", "bare", datetime(2026, 1, 1, tzinfo=timezone.utc)))
    with pytest.raises(ValueError, match="no behaviour"):
        read_latent_session_nwb(bare)
