"""``xmodal demo distill`` end to end with tiny settings: models, decoded velocity figure, latents in the NWB file."""

import numpy as np
import pytest
from pynwb import NWBHDF5IO

from spikeinterface_xmodal import load_model
from spikeinterface_xmodal.distillation.demo import LATENTS_NAME, run_distillation_demo

TINY_SESSIONS = dict(lfp_sampling_frequency=250.0, n_channels=6, n_units=10)


@pytest.mark.slow
def test_demo_from_sessions_to_latents_in_the_unseen_sessions_nwb_file(tmp_path):
    result = run_distillation_demo(tmp_path, n_sessions=2, n_trials=6, max_epochs=1, **TINY_SESSIONS)
    assert set(result["r2"]) == {"distilled_lfp", "multi_session_lfp", "distilled_lfp_from_nwb"}
    assert all(np.isfinite(value) for value in result["r2"].values())
    assert result["figure"].is_file() and result["figure"].stat().st_size > 10_000
    for folder in ("teacher", "student", "lfp_baseline", "student_adapted"):
        assert (tmp_path / folder / "card.json").is_file()
    assert result["nwb"] == tmp_path / "latent_session_0_1.nwb"
    with NWBHDF5IO(str(result["nwb"]), "r") as io:  # plain pynwb reads the latents beside the session's data
        nwbfile = io.read()
        series = nwbfile.processing["ecephys"][LATENTS_NAME]
        assert series.unit == "a.u." and series.rate == pytest.approx(50.0)
        d_latent = load_model(tmp_path / "student_adapted").module.config.d_latent
        assert series.data.shape[1] == d_latent and np.isfinite(series.data[:]).all()
        assert "LFP" in nwbfile.processing["ecephys"].data_interfaces and len(nwbfile.units) == 10


def test_demo_needs_two_sessions(tmp_path):
    with pytest.raises(ValueError, match="at least 2 sessions"):
        run_distillation_demo(tmp_path, n_sessions=1)
