"""Lfp2Vec modules: configs, per-window z-scoring, the wav2vec 2.0 objective learning, encoder transfer."""

import numpy as np
import pytest
import torch

from spikeinterface_xmodal.models.lfp2vec import (
    Lfp2VecClassifier,
    Lfp2VecConfig,
    Lfp2VecPretraining,
    base_config,
    small_config,
    zscore_windows,
)

from .tiny_lfp2vec import TINY

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def test_configs_suit_lfp_rates_and_round_trip():
    small, base = small_config(), base_config()
    assert (small.sampling_frequency, small.window_s, small.n_frames) == (2500.0, 3.0, 186)  # 16 ms frames
    assert (small.mask_time_prob, small.mask_time_length) == (0.2, 10)
    assert (base.hidden_size, base.num_hidden_layers, base.intermediate_size) == (768, 12, 3072)
    assert base.conv_dim == (512,) * 7
    assert base.n_frames > 150
    hf = base.wav2vec2_config(num_labels=5)
    assert (hf.num_feat_extract_layers, hf.num_labels, hf.num_codevectors_per_group) == (7, 5, 320)
    assert Lfp2VecConfig.from_dict(small.to_dict()) == small


def test_bad_configs_are_named():
    with pytest.raises(ValueError, match="unknown Lfp2Vec config fields"):
        Lfp2VecConfig.from_dict(dict(hiden_size=3))
    with pytest.raises(ValueError, match="frames after the CNN"):
        small_config(window_s=0.1)
    with pytest.raises(ValueError, match="one entry per CNN layer"):
        small_config(conv_dim=(8, 8))


def test_windows_are_zscored_one_by_one_and_flat_ones_become_zeros():
    waveforms = torch.stack([torch.linspace(-5, 100, 2500), torch.full((2500,), 7.0)])
    z = zscore_windows(waveforms)
    assert torch.allclose(z[0].mean(), torch.tensor(0.0), atol=1e-5)
    assert torch.allclose(z[0].std(), torch.tensor(1.0), atol=1e-4)
    assert torch.equal(z[1], torch.zeros(2500))


def test_the_contrastive_objective_learns_a_fixed_batch():
    torch.manual_seed(0)
    network = Lfp2VecPretraining(small_config(**TINY))
    times = np.arange(2500) / 2500.0
    rng = np.random.default_rng(0)
    batch = torch.tensor(
        np.stack([np.sin(2 * np.pi * f * times + rng.uniform(0, 6)) for f in rng.uniform(4, 40, 16)]),
        dtype=torch.float32,
    )
    optimiser = torch.optim.AdamW(network.parameters(), lr=2e-3)
    losses = []
    for step in range(25):
        network.set_gumbel_temperature(step)
        out = network(batch, generator=np.random.default_rng(0))  # the same masks and distractors every step
        optimiser.zero_grad()
        out["loss"].backward()
        optimiser.step()
        losses.append(out["loss"].item())
        assert set(out) == {"loss", "contrastive_loss", "diversity_loss", "perplexity"}
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5])


def test_a_classifier_starts_from_a_pretrained_encoder_and_can_freeze_it():
    config = small_config(**TINY)
    pretrained = Lfp2VecPretraining(config)
    classifier = Lfp2VecClassifier(config, num_classes=3)
    classifier.load_encoder(pretrained.encoder)
    for name, value in pretrained.encoder.state_dict().items():
        assert torch.equal(classifier.wav2vec.wav2vec2.state_dict()[name], value), name
    classifier.freeze_encoder()
    trainable = {name.split(".")[1] for name, p in classifier.named_parameters() if p.requires_grad}
    assert trainable == {"projector", "classifier"}
    logits, embeddings = classifier.eval().logits_and_embeddings(torch.randn(4, config.window_samples))
    assert logits.shape == (4, 3) and embeddings.shape == (4, config.hidden_size)
    with pytest.raises(ValueError, match="at least 2 classes"):
        Lfp2VecClassifier(config, num_classes=1)
