"""The lfp2vec_region kind: saved, loaded by kind, run by lfp_region, resampled input, corrupt folders named."""

import json
import shutil

import numpy as np
import pytest
import spikeinterface.core as si
import torch
from spikeinterface.preprocessing import resample

from spikeinterface_xmodal import load_model
from spikeinterface_xmodal.region_models import ChannelRegionEstimate
from spikeinterface_xmodal.region_models.lfp2vec import Lfp2VecRegionModel
from spikeinterface_xmodal.training import fit_lfp2vec_region

from ..models.tiny_lfp2vec import TINY


@pytest.fixture(scope="module")
def lfp2vec_folder(region_sessions, tmp_path_factory):
    """A tiny lfp2vec_region model from random initialisation, trained briefly on the first three sessions."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("lfp2vec_region") / "model"
    fit_lfp2vec_region(
        [s.lfp for s in region_sessions[:3]],
        folder=folder,
        config=TINY,
        n_windows=4,
        max_epochs=1,
        validation_sessions=[2],
        min_channels_per_class=3,
        progress_bar=False,
        seed=0,
    )
    torch.set_num_threads(threads)
    return folder


def test_load_model_dispatches_to_the_kind_and_predicts_every_channel(lfp2vec_folder, region_sessions):
    model = load_model(lfp2vec_folder)
    assert isinstance(model, Lfp2VecRegionModel) and model.card["kind"] == "lfp2vec_region"
    lfp = region_sessions[3].lfp
    estimate = model.predict(lfp, n_windows=3, smoothing=False)
    assert isinstance(estimate, ChannelRegionEstimate)
    assert estimate.probabilities.shape == (lfp.get_num_channels(), len(model.classes))
    np.testing.assert_allclose(estimate.probabilities.sum(axis=1), 1.0)
    assert estimate.calibrated and not estimate.smoothed and estimate.flat.shape == (lfp.get_num_channels(),)
    smoothed = model.predict(lfp, n_windows=3, smoothing=True)
    assert smoothed.smoothed
    np.testing.assert_array_equal(smoothed.raw_probabilities, estimate.raw_probabilities)  # same windows, seed 0
    assert model.embed(lfp, n_windows=2).shape == (lfp.get_num_channels(), TINY["hidden_size"])


def test_recordings_at_other_rates_are_resampled_not_refused(lfp2vec_folder, region_sessions):
    model = load_model(lfp2vec_folder)
    lfp = region_sessions[3].lfp
    slower = resample(lfp, 1250.0)
    estimate = model.predict(slower, n_windows=2)
    assert estimate.labels.shape == (lfp.get_num_channels(),)
    with pytest.raises(ValueError, match="fewer than the n_windows=40"):
        model.predict(lfp, n_windows=40)


def test_flat_channels_are_flagged_and_get_their_neighbours_region(lfp2vec_folder, region_sessions):
    model = load_model(lfp2vec_folder)
    lfp = region_sessions[3].lfp
    traces = lfp.get_traces().copy()
    traces[:, 5] = 0.0
    dead = si.NumpyRecording([traces], lfp.sampling_frequency)
    dead.set_probe(lfp.get_probe())
    estimate = model.predict(dead, n_windows=2, smoothing=False)
    assert estimate.flat[5] and estimate.flat.sum() >= 1
    np.testing.assert_allclose(estimate.raw_probabilities[5], 1.0 / len(model.classes))


def test_lfp_region_runs_the_kind_and_reloads(lfp2vec_folder, region_sessions, tmp_path):
    session = region_sessions[3]
    analyzer = si.create_sorting_analyzer(
        session.sorting, session.recording, format="binary_folder", folder=tmp_path / "an", sparse=False
    )
    analyzer.compute("lfp_region", lfp_recording=session.lfp, model=lfp2vec_folder, n_windows=2)
    channels = analyzer.get_extension("lfp_region").get_data()["channels"]
    assert len(channels) == session.lfp.get_num_channels()
    assert {f"p_{c}" for c in load_model(lfp2vec_folder).classes} <= set(channels.columns)
    reloaded_analyzer = si.load_sorting_analyzer(tmp_path / "an")  # extensions hold a weak reference to it
    reloaded = reloaded_analyzer.get_extension("lfp_region").get_data()["channels"]
    np.testing.assert_array_equal(reloaded["predicted_region"], channels["predicted_region"])


def _corrupt(folder, tmp_path, edit):
    copy = shutil.copytree(folder, tmp_path / "corrupt")
    card = json.loads((folder / "card.json").read_text())
    edit(card)
    (copy / "card.json").write_text(json.dumps(card))
    return copy


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda card: card.pop("lfp2vec"), "lacks 'lfp2vec'"),
        (lambda card: card["lfp2vec"].update(conv_dim=[8, 8, 8, 8]), "cannot read model.safetensors"),
        (lambda card: card["lfp2vec"].update(hidden_size=64), "novelty prototypes have 32 dimensions"),
        (lambda card: card["novelty"].update(reference=-1), "invalid 'novelty'"),
        (lambda card: card["lfp2vec"].update(bogus=1), "invalid 'lfp2vec'"),
        (lambda card: card.update(window_s=2.0), "'window_s' that differs"),
        (lambda card: card["smoothing"]["classes"].reverse(), "'smoothing' classes"),
        (lambda card: card.update(classes=card["classes"][:1]), "fewer than 2 'classes'"),
    ],
)
def test_corrupt_folders_are_named(lfp2vec_folder, tmp_path, edit, message):
    with pytest.raises(ValueError, match=message):
        load_model(_corrupt(lfp2vec_folder, tmp_path, edit))


def test_missing_weights_are_named(lfp2vec_folder, tmp_path):
    copy = _corrupt(lfp2vec_folder, tmp_path, lambda card: None)
    (copy / "model.safetensors").unlink()
    with pytest.raises(ValueError, match=r"model\.safetensors is missing"):
        load_model(copy)


def test_predictions_carry_embeddings_and_an_ood_score(lfp2vec_folder, region_sessions):
    model = load_model(lfp2vec_folder)
    assert model.card["novelty"]["method"] == "nearest_neighbours"
    lfp = region_sessions[3].lfp
    estimate = model.predict(lfp, n_windows=3)
    np.testing.assert_allclose(estimate.embeddings, model.embed(lfp, n_windows=3), rtol=1e-5, atol=1e-6)
    assert estimate.embeddings.shape == (lfp.get_num_channels(), TINY["hidden_size"])
    assert np.median(estimate.ood_score) < 1.0  # a session of the training sessions' kind
    rng = np.random.default_rng(0)
    noise = si.NumpyRecording(
        [50 * rng.standard_normal((30000, lfp.get_num_channels())).astype("float32")],
        2500.0,
        channel_ids=lfp.channel_ids,
    )
    noise.set_probe(lfp.get_probe(), in_place=True)
    noisy = model.predict(noise, n_windows=3)
    # the tiny encoder, trained for one epoch, separates white noise from LFP only weakly (0.80 vs 0.50)
    assert np.median(noisy.ood_score) > 1.4 * np.median(estimate.ood_score)
