import numpy as np
import pytest

from spikeinterface_xmodal.region_models import RegionModel
from spikeinterface_xmodal.training import fit_region_baseline, score_regions


def test_model_trained_on_other_subjects_localizes_a_held_out_session(region_sessions, region_model_folder):
    model = RegionModel.load(region_model_folder)
    held_out = region_sessions[3]
    estimate = model.predict(held_out.lfp, n_windows=4, smoothing=False)
    truth = held_out.lfp.get_property("brain_area")
    scores = score_regions(truth, estimate.labels)
    chance = 1 / len(set(truth))
    assert scores["balanced_accuracy"] > chance + 0.25
    np.testing.assert_allclose(estimate.probabilities.sum(axis=1), 1.0)
    assert not estimate.smoothed and set(estimate.labels) <= set(model.classes)
    smoothed = model.predict(held_out.lfp, n_windows=4, smoothing=True)
    assert smoothed.smoothed
    np.testing.assert_allclose(smoothed.raw_probabilities, estimate.raw_probabilities)


def test_card_records_provenance_and_held_out_scores(region_model_folder):
    card = RegionModel.load(region_model_folder).card
    assert card["kind"] == "lfp_region_baseline"
    assert card["ontology"] == "synthetic"
    assert card["sampling_frequency"] == 2500.0 and card["window_s"] == 3.0
    assert card["training_data"]["n_sessions"] == 3
    assert sum(card["training_data"]["channels_per_region"].values()) == 3 * 48
    loso = card["metrics"]["leave_one_session_out"]
    assert len(loso["per_session_balanced_accuracy"]) == 3 and 0.0 <= loso["balanced_accuracy"] <= 1.0
    assert 0.0 <= loso["ece"] <= 1.0 and card["calibration"]["temperature_smoothed"] > 0


def test_reloaded_model_predicts_exactly_as_the_fitted_one(region_sessions, tmp_path):
    model = fit_region_baseline(
        [s.lfp for s in region_sessions[:2]], folder=tmp_path / "m", n_windows=3, cross_validate=False
    )
    reloaded = RegionModel.load(tmp_path / "m")
    a = model.predict(region_sessions[3].lfp, n_windows=3)
    b = reloaded.predict(region_sessions[3].lfp, n_windows=3)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_allclose(a.probabilities, b.probabilities)


def test_training_bad_input(region_sessions, tmp_path, make_sine_recording):
    with pytest.raises(ValueError, match="no 'brain_area' channel property"):
        fit_region_baseline([make_sine_recording([5.0, 7.0])])
    with pytest.raises(ValueError, match="No recordings"):
        fit_region_baseline([])
    (tmp_path / "exists").mkdir()
    with pytest.raises(FileExistsError):
        fit_region_baseline([region_sessions[0].lfp], folder=tmp_path / "exists")


def _with_dead_channels(recording, dead=(3,), constant=(10,)):
    """A copy of ``recording`` whose ``dead`` channels are all zero and ``constant`` channels stuck at one value."""
    from spikeinterface.core import NumpyRecording

    traces = recording.get_traces().copy()
    traces[:, list(dead)] = 0.0
    traces[:, list(constant)] = 123.0
    copy = NumpyRecording([traces], recording.sampling_frequency, channel_ids=recording.channel_ids)
    copy.set_probe(recording.get_probe(), in_place=True)
    for key in recording.get_property_keys():
        if key not in copy.get_property_keys():
            copy.set_property(key, recording.get_property(key))
    return copy


def test_dead_channels_train_and_predict_and_are_flagged(region_sessions):
    training = [_with_dead_channels(s.lfp) for s in region_sessions[:2]]
    model = fit_region_baseline(training, n_windows=3, classifier="logreg")
    estimate = model.predict(_with_dead_channels(region_sessions[3].lfp, dead=(5, 6), constant=(20,)), n_windows=3)
    assert np.all(np.isfinite(estimate.probabilities))
    np.testing.assert_allclose(estimate.probabilities.sum(axis=1), 1.0)
    assert np.flatnonzero(estimate.flat).tolist() == [5, 6, 20]


def test_unlabelled_training_channels_are_left_out_and_counted(region_sessions):
    recordings = []
    for session in region_sessions[:2]:
        recording = session.lfp.clone()
        labels = np.asarray(session.lfp.get_property("brain_area"), dtype=object)
        labels[:3], labels[3] = None, ""
        recording.set_property("brain_area", labels)
        recordings.append(recording)
    model = fit_region_baseline(recordings, n_windows=3, classifier="logreg")
    assert model.card["training_data"]["n_unlabelled_channels"] == 8
    assert not {"None", "", "nan"} & set(model.classes)
