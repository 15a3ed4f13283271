"""Lfp2Vec training on generated sessions: pretraining learns and resumes, fine-tuning, bad input named."""

import csv
import json

import numpy as np
import pytest
import torch

from spikeinterface_xmodal import load_model
from spikeinterface_xmodal.model_folder import read_model_card, save_model_folder
from spikeinterface_xmodal.training import PretrainedLfp2Vec, fit_lfp2vec_region, pretrain_lfp2vec
from spikeinterface_xmodal.training.lfp2vec_data import ChannelWindowDataset
from spikeinterface_xmodal.training.lfp2vec_trainer import split_sessions

from ..models.tiny_lfp2vec import TINY

QUIET = dict(progress_bar=False, seed=0)


pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def pretrained(region_sessions, tmp_path_factory):
    """Tiny encoder pretrained for 2 epochs on the first three sessions, checkpoints kept."""
    folder = tmp_path_factory.mktemp("lfp2vec") / "pretrained"
    checkpoints = folder.with_name("checkpoints")
    pretrain_lfp2vec(
        [s.lfp for s in region_sessions[:3]],
        folder,
        config=TINY,
        n_windows=6,
        channels_per_window=16,
        max_epochs=2,
        checkpoint_dir=checkpoints,
        validation_sessions=[2],
        learning_rate=2e-3,
        **QUIET,
    )
    return folder, checkpoints


def test_pretraining_loss_goes_down_and_the_folder_loads(pretrained, region_sessions):
    folder, checkpoints = pretrained
    with open(next(checkpoints.glob("logs/*/metrics.csv"))) as f:
        losses = [float(row["train_loss"]) for row in csv.DictReader(f) if row["train_loss"]]
    assert len(losses) == 2 * 6  # 2 sessions x 6 windows x 16 channels / 8 per item / 4 per batch, 2 epochs
    assert np.mean(losses[-3:]) < np.mean(losses[:3])
    model = load_model(folder)
    assert isinstance(model, PretrainedLfp2Vec)
    card = read_model_card(folder, expected_kind="lfp2vec_pretrained")
    assert card["training_data"]["validation_session_ids"] == [region_sessions[2].session_id]
    assert model.config.window_s == 1.0 and card["training"]["epochs"] == 2 and "best_val_loss" in card["training"]


def test_resume_continues_the_run(pretrained, region_sessions, tmp_path):
    _, checkpoints = pretrained
    resumed = pretrain_lfp2vec(
        [s.lfp for s in region_sessions[:3]],
        tmp_path / "resumed",
        config=TINY,
        n_windows=6,
        channels_per_window=16,
        max_epochs=3,
        checkpoint_dir=checkpoints,
        resume=True,
        validation_sessions=[2],
        learning_rate=2e-3,
        **QUIET,
    )
    assert (resumed.card["training"]["epochs"], resumed.card["training"]["steps"]) == (3, 18)  # one more epoch
    with pytest.raises(FileNotFoundError, match="no run to continue"):
        pretrain_lfp2vec([region_sessions[0].lfp], tmp_path / "x", config=TINY, checkpoint_dir=tmp_path, resume=True)


def test_continued_pretraining_starts_from_the_given_encoder(pretrained, region_sessions, tmp_path):
    folder, _ = pretrained
    adapted = pretrain_lfp2vec(
        [region_sessions[3].lfp], tmp_path / "adapted", init_from=folder, n_windows=2, max_steps=1, **QUIET
    )
    assert adapted.config == PretrainedLfp2Vec.load(folder).config  # its config, not the default "small"
    assert adapted.card["continued_from"]["folder"] == str(folder)


def test_the_dataset_streams_windows_and_skips_unlabelled_channels(region_sessions):
    lfp = region_sessions[0].lfp
    labels = np.where(np.arange(lfp.get_num_channels()) % 2 == 0, 1, -1)
    data = ChannelWindowDataset([lfp], 1.0, 3, channels_per_item=8, labels=[labels], seed=0)
    assert len(data) == 3 * (lfp.get_num_channels() // 2) // 8
    item = data[0]
    assert item["waveforms"].shape == (8, 2500) and torch.all(item["labels"] == 1)
    _, window, channels = data.items[0]
    expected = lfp.get_traces(start_frame=window["start_frame"][0], end_frame=window["start_frame"][0] + 2500)
    np.testing.assert_allclose(item["waveforms"].numpy(), expected[:, channels].T)


def test_whole_sessions_are_held_out():
    assert split_sessions(10, None, seed=0)[1].__len__() == 2
    train, validation = split_sessions(5, [4], seed=0)
    assert (train, validation) == ([0, 1, 2, 3], [4])
    assert split_sessions(1, None, seed=0) == ([0], [])
    with pytest.raises(ValueError, match="at least one"):
        split_sessions(2, 2, seed=0)


def test_fine_tuning_from_a_pretrained_encoder(pretrained, region_sessions, tmp_path):
    folder, _ = pretrained
    model = fit_lfp2vec_region(
        [s.lfp for s in region_sessions[:3]],
        pretrained=folder,
        folder=tmp_path / "region",
        config="base",  # ignored: the pretrained encoder's config is used
        freeze_encoder=True,
        n_windows=4,
        max_epochs=1,
        validation_sessions=[2],
        min_channels_per_class=3,
        **QUIET,
    )
    card = json.loads((tmp_path / "region" / "card.json").read_text())
    assert card["kind"] == "lfp2vec_region" and card["pretrained"]["folder"] == str(folder)
    assert card["lfp2vec"]["hidden_size"] == TINY["hidden_size"]
    assert card["calibration"]["method"] == "temperature" and card["smoothing"]["classes"] == model.classes
    assert 0 <= card["metrics"]["validation_sessions"]["balanced_accuracy"] <= 1
    encoder = PretrainedLfp2Vec.load(folder).network.encoder.state_dict()
    tuned = model.classifier.wav2vec.wav2vec2.state_dict()
    assert all(torch.equal(tuned[name], value) for name, value in encoder.items())  # frozen


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(min_channels_per_class=1000), ValueError, "Too few labelled channels for regions"),
        (dict(n_windows=50), ValueError, "fewer than the n_windows=50"),
        (dict(config=dict(TINY, window_s=20.0)), ValueError, "shorter than one window"),
        (dict(label_property="nope"), ValueError, "no 'nope' channel property"),
        (dict(checkpoint_dir=None, resume=True), ValueError, "needs the checkpoint_dir"),
    ],
)
def test_bad_training_input_is_named_before_training(region_sessions, kwargs, error, message):
    settings = dict(dict(config=TINY, n_windows=2, max_steps=1, min_channels_per_class=1), **kwargs)
    with pytest.raises(error, match=message):
        fit_lfp2vec_region([s.lfp for s in region_sessions[:2]], **settings, progress_bar=False)


def test_a_pretrained_folder_of_another_kind_is_refused(region_sessions, tmp_path):
    other = save_model_folder(tmp_path / "baseline", dict(kind="lfp_region_baseline", classes=["a"]), lambda tmp: None)
    for call in (
        lambda: fit_lfp2vec_region([region_sessions[0].lfp], pretrained=other, config=TINY),
        lambda: pretrain_lfp2vec([region_sessions[0].lfp], tmp_path / "p", init_from=other),
    ):
        with pytest.raises(ValueError, match="'lfp_region_baseline' model; Lfp2Vec training starts from"):
            call()


def test_labels_outside_a_fine_tuned_models_classes_are_refused(region_sessions, tmp_path):
    sessions = [s.lfp.clone() for s in region_sessions[:2]]
    model = fit_lfp2vec_region(
        sessions, folder=tmp_path / "m", config=TINY, n_windows=2, max_steps=1, min_channels_per_class=1, **QUIET
    )
    relabelled = sessions[0].clone()
    relabelled.set_property("brain_area", np.where(np.arange(relabelled.get_num_channels()) < 10, "CB", "TH"))
    with pytest.raises(ValueError, match=r"regions \['CB'\] that the pretrained model was not fine-tuned on"):
        fit_lfp2vec_region([relabelled], pretrained=tmp_path / "m", min_channels_per_class=1)
    assert "CB" not in model.classes
