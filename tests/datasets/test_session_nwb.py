import numpy as np
import pynwb
import pytest
from spikeinterface.extractors import read_nwb_recording, read_nwb_sorting

from spikeinterface_xmodal.datasets import generate_region_session, write_session_nwb


def test_generated_session_round_trips_through_nwb_like_neuroconv_files(tmp_path):
    session = generate_region_session(duration_s=4.0, channel_step=16, seed=2)
    path = write_session_nwb(session, tmp_path / "session.nwb")
    assert pynwb.validate(path=str(path)) == []
    recording = read_nwb_recording(path, electrical_series_path="processing/ecephys/LFP/ElectricalSeriesLFP")
    assert [str(c) for c in recording.channel_ids] == [str(c) for c in session.lfp.channel_ids]
    np.testing.assert_allclose(recording.get_traces(return_in_uV=True), session.lfp.get_traces(), rtol=1e-5, atol=1e-3)
    sorting = read_nwb_sorting(path, electrical_series_path="processing/ecephys/LFP/ElectricalSeriesLFP")
    assert sorting.get_num_units() == session.sorting.get_num_units()
    with pytest.raises(FileExistsError):
        write_session_nwb(session, path)
