"""Lfp2Vec fine-tuning learns: labels follow their channels, the head reads depth, a separable task is learned."""

import numpy as np
import pytest
import torch

from spikeinterface_xmodal.models.lfp2vec import Lfp2VecClassifier, Lfp2VecConfig
from spikeinterface_xmodal.training import fit_lfp2vec_region
from spikeinterface_xmodal.training.lfp2vec_data import ChannelWindowDataset

from ..conftest import sine_recording
from ..models.tiny_lfp2vec import TINY

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def _slow_and_fast(seed: int):
    """8 channels alternating 4 Hz ("slow") and 40 Hz ("fast") rhythms in noise: depth tells nothing."""
    recording = sine_recording([4.0, 40.0] * 4, duration_s=12.0, amplitude=50.0, noise=20.0, seed=seed)
    recording.set_property("brain_area", np.array(["slow", "fast"] * 4))
    return recording


def test_labels_follow_their_channels_in_every_item():
    recording = _slow_and_fast(0)
    labels = np.arange(recording.get_num_channels()) * 10  # one distinct label per channel
    data = ChannelWindowDataset([recording], 1.0, 4, channels_per_item=3, channels_per_window=6, labels=[labels])
    depths = recording.get_channel_locations()[:, 1]
    for item, (_, window, channels) in zip(data, data.items, strict=True):
        start = window["start_frame"][0]
        np.testing.assert_array_equal(item["labels"].numpy(), labels[channels])
        np.testing.assert_array_equal(item["depths_um"].numpy(), depths[channels])
        traces = recording.get_traces(start_frame=start, end_frame=start + 2500)[:, channels].T
        np.testing.assert_allclose(item["waveforms"].numpy(), traces)


def test_the_head_reads_the_standardised_depth_only_when_asked():
    torch.manual_seed(0)
    waveforms = torch.randn(4, 2500)
    depths = torch.tensor([0.0, 100.0, 2000.0, 3000.0])
    blind = Lfp2VecClassifier(Lfp2VecConfig(**TINY), 3).eval()
    torch.testing.assert_close(blind(waveforms, depths), blind(waveforms, depths + 500))
    sighted = Lfp2VecClassifier(Lfp2VecConfig(**dict(TINY, depth_input=True)), 3).eval()
    sighted.set_depth_scaling(np.array([0.0, 1000.0, 2000.0]))
    assert (float(sighted.depth_mean), float(sighted.depth_std)) == pytest.approx((1000.0, 816.4966))
    assert not torch.allclose(sighted(waveforms, depths), sighted(waveforms, depths + 500))
    with pytest.raises(ValueError, match="pass depths_um"):
        sighted(waveforms)
    with pytest.raises(ValueError, match="all sit at one depth"):
        sighted.set_depth_scaling(np.full(5, 20.0))


def test_fine_tuning_learns_a_waveform_difference_that_depth_cannot_tell():
    """Catches a head that cannot learn (loss, learning rate, label alignment, pooling): the two regions differ
    only in their rhythm, channels alternate along the probe, and a new session must be named channel by channel.
    """
    model = fit_lfp2vec_region(
        [_slow_and_fast(seed) for seed in (1, 2)],
        config=TINY,
        depth=False,
        n_windows=12,
        channels_per_window=None,
        validation_sessions=0,
        smoothing=False,
        min_channels_per_class=1,
        learning_rate=2e-3,
        max_epochs=4,
        progress_bar=False,
        seed=0,
    )
    test = _slow_and_fast(3)
    estimate = model.predict(test, n_windows=6)
    assert model.card["training"]["steps"] == 4 * 2 * 12 // 4  # 2 sessions x 12 windows of one item, 4 per batch
    np.testing.assert_array_equal(estimate.labels, test.get_property("brain_area"))


def test_a_budget_too_small_to_learn_is_flagged():
    """The first region_transfer run gave each fit 12 steps and every channel one region, without a word."""
    with pytest.warns(UserWarning, match="Fine-tuning stopped after 3 optimiser steps"):
        fit_lfp2vec_region(
            [_slow_and_fast(1)], config=TINY, n_windows=12, max_steps=3, min_channels_per_class=1, progress_bar=False
        )
