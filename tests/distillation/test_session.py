"""Bad sessions and bad behaviour are refused with errors that name the problem."""

import numpy as np
import pytest
from spikeinterface.core import NumpyRecording, NumpySorting

from spikeinterface_xmodal.distillation import DistillationSession, decode_behaviour
from spikeinterface_xmodal.training import fit_spike_teacher


def _lfp(duration_s=10.0, fs=500.0, n_channels=4):
    traces = np.random.default_rng(0).standard_normal((int(duration_s * fs), n_channels)).astype("float32")
    return NumpyRecording([traces], sampling_frequency=fs)


def _sorting(spike_times_s, fs=30_000.0):
    samples = (np.asarray(spike_times_s) * fs).astype(int)
    return NumpySorting.from_samples_and_labels([samples], [np.zeros(samples.size, dtype=int)], fs)


def _behaviour(duration_s=10.0):
    times = np.arange(0, duration_s, 0.01)
    return np.column_stack([np.sin(times), np.cos(times)]), times


def test_a_valid_session_keeps_its_parts():
    session = DistillationSession(_sorting([1.0, 2.0, 9.0]), _lfp(), *_behaviour(), session_id=3)
    assert session.session_id == "3" and session.time_range == (0.0, 10.0)


def test_spikes_after_the_lfp_ends_mean_different_time_bases():
    with pytest.raises(ValueError, match="after the LFP ends"):
        DistillationSession(_sorting([1.0, 25.0]), _lfp(), *_behaviour(), session_id="s")


def test_a_sorting_whose_recording_lasts_longer_is_refused():
    sorting = _sorting([1.0, 2.0])
    sorting.register_recording(_lfp(duration_s=20.0, fs=30_000.0, n_channels=1))
    with pytest.raises(ValueError, match=r"recording lasts 20\.00 s but the LFP 10\.00 s"):
        DistillationSession(sorting, _lfp(), *_behaviour(), session_id="s")


def test_a_sorting_without_spikes_is_refused():
    with pytest.raises(ValueError, match="no spikes"):
        DistillationSession(_sorting([]), _lfp(), *_behaviour(), session_id="s")


def test_no_spikes_in_the_bins_is_refused_by_the_teacher():
    """Spikes only in the last fraction of a bin past the LFP's whole bins: nothing for the teacher to learn."""
    session = DistillationSession(_sorting([9.999]), _lfp(duration_s=9.999), None, None, session_id="s")
    with pytest.raises(ValueError, match="no spikes in the"):
        fit_spike_teacher([session], bin_s=0.02)


def test_behaviour_with_nans_or_outside_the_lfp_is_refused():
    behaviour, times = _behaviour()
    behaviour[5, 1] = np.nan
    with pytest.raises(ValueError, match="1 NaN or infinite values"):
        DistillationSession(_sorting([1.0]), _lfp(), behaviour, times, session_id="s")
    with pytest.raises(ValueError, match="different time bases"):
        DistillationSession(_sorting([1.0]), _lfp(), _behaviour()[0], times + 100.0, session_id="s")
    with pytest.raises(ValueError, match="shapes"):
        DistillationSession(_sorting([1.0]), _lfp(), _behaviour()[0][:-1], times, session_id="s")


def test_unknown_training_options_and_duplicate_sessions_are_named():
    session = DistillationSession(_sorting([1.0, 2.0]), _lfp(), None, None, session_id="s")
    with pytest.raises(TypeError, match="unknown training options \\['max_epoch'\\]"):
        fit_spike_teacher([session], max_epoch=3)
    with pytest.raises(ValueError, match="unique"):
        fit_spike_teacher([session, session])


def test_decoding_recovers_behaviour_from_the_true_latents_on_held_out_trials():
    rng = np.random.default_rng(1)
    times = np.arange(0, 60, 0.02)
    latents = np.column_stack([np.sin(times * 3), np.cos(times * 2), rng.standard_normal(times.size)])
    behaviour = latents[:, :2] @ np.array([[1.0, 0.5], [-0.3, 1.0]]) + 0.05 * rng.standard_normal((times.size, 2))
    trials = {"start_time": np.arange(0, 60, 3.0), "stop_time": np.arange(0, 60, 3.0) + 2.5}
    result = decode_behaviour(times, latents, times, behaviour, trials=trials)
    assert result["r2"] > 0.95 and len(result["r2_per_dimension"]) == 2 and result["n_trials"] == 20
    one_dimension = decode_behaviour(times, latents, times, behaviour[:, 0], trials=trials)
    assert one_dimension["r2"] > 0.95 and one_dimension["predicted"].shape == (result["n_samples"], 1)
    noise = decode_behaviour(times, rng.standard_normal((times.size, 3)), times, behaviour, trials=trials)
    assert noise["r2"] < 0.05
    with pytest.raises(ValueError, match="at least 5 trials"):
        decode_behaviour(times, latents, times, behaviour, trials={"start_time": [0.0], "stop_time": [10.0]})
    latents[3, 0] = np.nan
    with pytest.raises(ValueError, match="latents has 1 NaN"):
        decode_behaviour(times, latents, times, behaviour)


def test_nan_in_the_lfp_is_refused_naming_the_channel():
    from spikeinterface_xmodal.distillation.binning import bin_lfp

    traces = np.random.default_rng(0).standard_normal((1000, 4)).astype("float32")
    recording = NumpyRecording(traces, 500.0, channel_ids=["a", "b", "c", "d"])
    assert np.isfinite(bin_lfp(recording, 0.02)).all()
    traces[300:310, 2] = np.nan  # latents would silently be NaN from here on
    with pytest.raises(ValueError, match=r"NaN or Inf samples on channels \['c'\]"):
        bin_lfp(NumpyRecording(traces, 500.0, channel_ids=["a", "b", "c", "d"]), 0.02)
