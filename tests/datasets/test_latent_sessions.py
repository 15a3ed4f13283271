"""The latent-dynamics generator: seeded, sessions differ in neurons and channels, spikes and LFP follow the latents."""

import numpy as np
import pytest

from spikeinterface_xmodal.datasets import generate_latent_session, generate_latent_sessions


@pytest.fixture(scope="module")
def sessions():
    return generate_latent_sessions(n_sessions=2, n_trials=12, seed=3)


def test_same_seed_same_session_and_series_independent_of_length(sessions):
    again = generate_latent_session(session_index=1, n_trials=12, seed=3)
    np.testing.assert_array_equal(again.behaviour, sessions[1].behaviour)
    np.testing.assert_array_equal(again.lfp.get_traces(), sessions[1].lfp.get_traces())
    np.testing.assert_array_equal(again.sorting.to_spike_vector(), sessions[1].sorting.to_spike_vector())
    other_seed = generate_latent_session(session_index=1, n_trials=12, seed=4)
    assert not np.array_equal(other_seed.behaviour, again.behaviour)


def test_sessions_have_their_own_units_and_channels_on_one_time_base(sessions):

    sizes = [(s.sorting.get_num_units(), s.lfp.get_num_channels()) for s in sessions]
    assert sizes[0] != sizes[1]
    for s in sessions:
        assert s.sorting.sampling_frequency == 30_000.0
        assert s.lfp.get_num_segments() == 1 and s.behaviour.shape == (s.behaviour_times.size, 2)
        duration = s.lfp.get_duration()
        last_spike = s.sorting.to_spike_vector()["sample_index"].max() / 30_000.0
        assert duration - 0.1 < last_spike <= duration
        assert abs(s.trials["stop_time"][-1] - duration) < 0.01
        assert np.all(s.trials["movement_onset"] < s.trials["stop_time"])


def test_spikes_and_lfp_follow_the_latents(sessions):
    """Spike counts rise with the units' rates; the LFP (20 ms means) correlates with the mixed latents."""
    s = sessions[0]
    fs = s.lfp.sampling_frequency
    bins = (s.behaviour_times * fs).astype(int)[:-1]
    lfp = s.lfp.get_traces()[bins]
    # a least-squares read-out of the latents from the LFP explains much more than chance (1 / channels)
    coef, *_ = np.linalg.lstsq(lfp - lfp.mean(0), s.latents[:-1] - s.latents[:-1].mean(0), rcond=None)
    explained = 1 - ((s.latents[:-1] - s.latents[:-1].mean(0) - (lfp - lfp.mean(0)) @ coef).var(0) / s.latents.var(0))
    assert explained[:2].mean() > 0.3
    counts = np.histogram(s.sorting.to_spike_vector()["sample_index"] / 30_000.0, s.behaviour_times)[0]
    moving = np.abs(s.latents[:-1, 0]) > 0.3
    assert counts[moving].mean() != pytest.approx(counts[~moving].mean(), rel=0.02)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="n_trials"):
        generate_latent_session(n_trials=1)
    with pytest.raises(ValueError, match="twice the line frequency"):
        generate_latent_session(lfp_sampling_frequency=100.0)
    with pytest.raises(ValueError, match="n_sessions"):
        generate_latent_sessions(n_sessions=0)
