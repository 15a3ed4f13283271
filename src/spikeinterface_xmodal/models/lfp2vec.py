"""Lfp2Vec: a wav2vec 2.0 encoder of one channel's raw LFP window (He et al., NeurIPS 2025), from random init.

Built from ``transformers``' ``Wav2Vec2Config`` / ``Wav2Vec2ForPreTraining`` / ``Wav2Vec2ForSequenceClassification``,
as the official code is: a 1-D CNN feature encoder over the window, a transformer context network, Gumbel-quantised
targets, masked spans and the contrastive + diversity loss. Windows are z-scored one by one inside the modules, so
the caller passes raw (float) LFP. Torch modules and configs only: no file reading, no hub.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import torch
from torch import nn
from transformers import Wav2Vec2Config, Wav2Vec2ForPreTraining, Wav2Vec2ForSequenceClassification
from transformers.models.wav2vec2.modeling_wav2vec2 import _compute_mask_indices, _sample_negative_indices

# a window whose standard deviation is below this (in the recording's units) is flat: it is z-scored to zeros
FLAT_STD = 1e-6


@dataclass(frozen=True)
class Lfp2VecConfig:
    """Settings of an Lfp2Vec encoder: its input (rate, window) and its wav2vec 2.0 architecture and objective.

    Parameters
    ----------
    sampling_frequency : float
        LFP rate (Hz) the encoder reads; recordings at another rate are resampled to it.
    window_s : float
        Window length (s): one channel's window is one input sequence.
    hidden_size, num_hidden_layers, num_attention_heads, intermediate_size : int
        Transformer context network.
    conv_dim, conv_kernel, conv_stride : tuple of int
        1-D CNN feature encoder, one entry per layer; the product of the strides is the samples per frame.
    num_conv_pos_embeddings, num_conv_pos_embedding_groups : int
        Convolutional relative position embedding.
    num_codevector_groups, num_codevectors_per_group, codevector_dim, proj_codevector_dim : int
        Gumbel product quantiser of the targets and the projection the contrastive loss compares in.
    num_negatives : int
        Distractors per masked frame.
    mask_time_prob, mask_time_length : float, int
        Masked spans: about ``mask_time_prob`` of the frames are span starts, each masking ``mask_time_length``.
    diversity_loss_weight : float
        Weight of the codebook diversity loss.
    contrastive_logits_temperature : float
        Temperature of the contrastive logits.
    gumbel_temperature : tuple of float
        (start, end, decay per step) of the Gumbel softmax temperature during pretraining.
    dropout : float
        Dropout of the transformer (hidden, attention, activation, feature projection).
    classifier_proj_size : int
        Width of the fine-tuning head's projection before mean pooling.
    depth_input : bool
        The fine-tuning head also reads the channel's depth along the probe (standardised with the training
        channels' mean and standard deviation), concatenated to the pooled window embedding, as the spectral
        baseline's classifier reads depth beside band power. A waveform model without it must find the region
        in one z-scored window of one channel, with no idea where on the probe the channel is.
    """

    sampling_frequency: float = 2500.0
    window_s: float = 3.0
    hidden_size: int = 128
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    intermediate_size: int = 256
    conv_dim: tuple[int, ...] = (64, 64, 64, 64)
    conv_kernel: tuple[int, ...] = (10, 3, 3, 3)
    conv_stride: tuple[int, ...] = (5, 2, 2, 2)
    num_conv_pos_embeddings: int = 32
    num_conv_pos_embedding_groups: int = 4
    num_codevector_groups: int = 2
    num_codevectors_per_group: int = 64
    codevector_dim: int = 64
    proj_codevector_dim: int = 64
    num_negatives: int = 20
    mask_time_prob: float = 0.2
    mask_time_length: int = 10
    diversity_loss_weight: float = 0.1
    contrastive_logits_temperature: float = 0.1
    gumbel_temperature: tuple[float, float, float] = (2.0, 0.5, 0.999995)
    dropout: float = 0.1
    classifier_proj_size: int = 128
    depth_input: bool = False

    def __post_init__(self):
        if not (self.sampling_frequency > 0 and self.window_s > 0):
            raise ValueError(
                f"sampling_frequency and window_s must be positive, got {self.sampling_frequency}, {self.window_s}"
            )
        if not len(self.conv_dim) == len(self.conv_kernel) == len(self.conv_stride):
            raise ValueError("conv_dim, conv_kernel and conv_stride need one entry per CNN layer each")
        if self.n_frames < self.mask_time_length + 1:
            raise ValueError(
                f"A {self.window_s} s window at {self.sampling_frequency} Hz gives {self.n_frames} frames after the "
                f"CNN (strides {self.conv_stride}); masked spans of {self.mask_time_length} frames need more. Use a "
                "longer window or smaller strides."
            )

    @property
    def window_samples(self) -> int:
        """Samples per window."""
        return round(self.window_s * self.sampling_frequency)

    @property
    def n_frames(self) -> int:
        """Frames the CNN makes of one window (no padding, as wav2vec 2.0)."""
        length = self.window_samples
        for kernel, stride in zip(self.conv_kernel, self.conv_stride, strict=True):
            length = (length - kernel) // stride + 1
        return length

    def wav2vec2_config(self, num_labels: int | None = None) -> Wav2Vec2Config:
        """The ``transformers`` configuration of this encoder (``num_labels`` for a classification head)."""
        kwargs = dict(
            hidden_size=self.hidden_size,
            num_hidden_layers=self.num_hidden_layers,
            num_attention_heads=self.num_attention_heads,
            intermediate_size=self.intermediate_size,
            conv_dim=list(self.conv_dim),
            conv_kernel=list(self.conv_kernel),
            conv_stride=list(self.conv_stride),
            num_conv_pos_embeddings=self.num_conv_pos_embeddings,
            num_conv_pos_embedding_groups=self.num_conv_pos_embedding_groups,
            num_codevector_groups=self.num_codevector_groups,
            num_codevectors_per_group=self.num_codevectors_per_group,
            codevector_dim=self.codevector_dim,
            proj_codevector_dim=self.proj_codevector_dim,
            num_negatives=self.num_negatives,
            mask_time_prob=self.mask_time_prob,
            mask_time_length=self.mask_time_length,
            mask_time_min_masks=2,
            diversity_loss_weight=self.diversity_loss_weight,
            contrastive_logits_temperature=self.contrastive_logits_temperature,
            hidden_dropout=self.dropout,
            attention_dropout=self.dropout,
            activation_dropout=0.0,
            feat_proj_dropout=self.dropout,
            classifier_proj_size=self.classifier_proj_size,
            feat_extract_norm="group",
            do_stable_layer_norm=False,
        )
        if num_labels is not None:
            kwargs["num_labels"] = num_labels
        return Wav2Vec2Config(**kwargs)

    def to_dict(self) -> dict:
        """JSON-serialisable settings (inverse of ``from_dict``)."""
        state = asdict(self)
        for name in ("conv_dim", "conv_kernel", "conv_stride", "gumbel_temperature"):
            state[name] = list(state[name])
        return state

    @classmethod
    def from_dict(cls, state: dict) -> Lfp2VecConfig:
        """Rebuild from ``to_dict`` output; a ValueError names unknown fields."""
        if not isinstance(state, dict):
            raise ValueError(f"an Lfp2Vec config must be a JSON object, got {type(state).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(state) - known)
        if unknown:
            raise ValueError(f"unknown Lfp2Vec config fields {unknown}")
        state = dict(state)
        for name in ("conv_dim", "conv_kernel", "conv_stride", "gumbel_temperature"):
            if name in state:
                state[name] = tuple(state[name])
        return cls(**state)


def small_config(**overrides) -> Lfp2VecConfig:
    """An encoder that pretrains on 2 CPU cores in minutes: 2.5 kHz, 3 s windows, CNN strides (5, 2, 2, 2).

    The CNN turns 40 samples (16 ms) into one frame, 187 frames per window, without resampling to the 16 kHz
    of speech models; hidden size 128, 2 transformer layers (about 0.4M parameters).
    """
    return replace(Lfp2VecConfig(), **overrides)


def base_config(**overrides) -> Lfp2VecConfig:
    """The wav2vec2-base-sized encoder (for GPUs): 7 CNN layers of 512, hidden 768, 12 layers, 12 heads, 3072 FFN.

    Its CNN kernels are the published ones (10, 3, 3, 3, 3, 2, 2); the strides (5, 2, 2, 2, 1, 1, 1) give the
    same 16 ms frames at 2.5 kHz as ``small_config`` (the published 320x down-sampling would leave 23 frames per
    3 s window). Codebooks as published: 2 groups of 320 codevectors, 256-d, 100 distractors.
    """
    base = Lfp2VecConfig(
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        conv_dim=(512,) * 7,
        conv_kernel=(10, 3, 3, 3, 3, 2, 2),
        conv_stride=(5, 2, 2, 2, 1, 1, 1),
        num_conv_pos_embeddings=128,
        num_conv_pos_embedding_groups=16,
        num_codevector_groups=2,
        num_codevectors_per_group=320,
        codevector_dim=256,
        proj_codevector_dim=256,
        num_negatives=100,
        classifier_proj_size=256,
    )
    return replace(base, **overrides)


CONFIGS = {"small": small_config, "base": base_config}


def zscore_windows(waveforms: torch.Tensor) -> torch.Tensor:
    """Each window (last axis) minus its mean, over its standard deviation; flat windows become zeros."""
    centred = waveforms - waveforms.mean(dim=-1, keepdim=True)
    std = centred.std(dim=-1, keepdim=True)
    return torch.where(std > FLAT_STD, centred / std.clamp_min(FLAT_STD), torch.zeros_like(centred))


class Lfp2VecPretraining(nn.Module):
    """The self-supervised model: ``Wav2Vec2ForPreTraining`` with masks and distractors drawn per batch.

    Parameters
    ----------
    config : Lfp2VecConfig
    """

    def __init__(self, config: Lfp2VecConfig):
        super().__init__()
        self.config = config
        self.wav2vec = Wav2Vec2ForPreTraining(config.wav2vec2_config())

    @property
    def encoder(self) -> nn.Module:
        """The ``Wav2Vec2Model`` (CNN + transformer) that fine-tuning starts from."""
        return self.wav2vec.wav2vec2

    def set_gumbel_temperature(self, step: int) -> float:
        """Anneal the quantiser's temperature to ``step`` (start * decay**step, not below end); return it."""
        start, end, decay = self.config.gumbel_temperature
        temperature = max(start * decay**step, end)
        self.wav2vec.set_gumbel_temperature(temperature)
        return temperature

    def forward(self, waveforms: torch.Tensor, generator: np.random.Generator | None = None) -> dict[str, torch.Tensor]:
        """Losses of a batch of windows.

        Parameters
        ----------
        waveforms : torch.Tensor
            (n_windows, window_samples) raw LFP; each window is z-scored here.
        generator : np.random.Generator or None
            Seeds the masks and distractors (e.g. the same ones for every validation pass); None draws them
            from NumPy's global state, as ``transformers`` does (seeded by ``lightning.seed_everything``).

        Returns
        -------
        dict
            ``loss`` (contrastive + weighted diversity, per masked frame), ``contrastive_loss``,
            ``diversity_loss`` (per masked frame) and ``perplexity`` of the codebook.
        """
        shape = (waveforms.shape[0], self.config.n_frames)
        state = np.random.get_state()  # noqa: NPY002 (transformers' helpers read the global state)
        if generator is not None:  # transformers draws masks and distractors from NumPy's global state
            np.random.seed(int(generator.integers(2**31)))  # noqa: NPY002
        try:
            mask = _compute_mask_indices(shape, self.config.mask_time_prob, self.config.mask_time_length, min_masks=2)
            negatives = _sample_negative_indices(shape, self.config.num_negatives, mask_time_indices=mask)
        finally:
            if generator is not None:
                np.random.set_state(state)  # noqa: NPY002
        device = waveforms.device
        mask = torch.as_tensor(mask, dtype=torch.bool, device=device)
        output = self.wav2vec(
            zscore_windows(waveforms),
            mask_time_indices=mask,
            sampled_negative_indices=torch.as_tensor(negatives, dtype=torch.long, device=device),
        )
        n_masked = mask.sum().clamp_min(1)
        return dict(
            loss=output.loss / n_masked,
            contrastive_loss=output.contrastive_loss / n_masked,
            diversity_loss=output.diversity_loss / n_masked,
            perplexity=output.codevector_perplexity,
        )


class Lfp2VecClassifier(nn.Module):
    """The fine-tuned model: the encoder, a projection, mean pooling over frames and a linear layer per region.

    ``Wav2Vec2ForSequenceClassification`` with ``num_labels`` classes; its ``wav2vec2`` encoder takes the weights
    of a pretrained ``Lfp2VecPretraining.encoder`` (``load_encoder``). With ``config.depth_input`` the linear layer
    reads the pooled projection and the channel's standardised depth (``set_depth_scaling`` fixes the
    standardisation; it is saved with the weights).

    Parameters
    ----------
    config : Lfp2VecConfig
    num_classes : int
    """

    def __init__(self, config: Lfp2VecConfig, num_classes: int):
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"A region classifier needs at least 2 classes, got {num_classes}")
        self.config = config
        self.num_classes = num_classes
        self.wav2vec = Wav2Vec2ForSequenceClassification(config.wav2vec2_config(num_labels=num_classes))
        if config.depth_input:
            self.wav2vec.classifier = nn.Linear(config.classifier_proj_size + 1, num_classes)
            self.register_buffer("depth_mean", torch.zeros(()))
            self.register_buffer("depth_std", torch.ones(()))

    def set_depth_scaling(self, depths_um: np.ndarray) -> None:
        """Standardise depths with the mean and standard deviation of these (training channels') depths."""
        depths_um = np.asarray(depths_um, dtype="float64")
        std = depths_um.std()
        if not std > 0:
            raise ValueError("The training channels all sit at one depth: depth cannot be standardised")
        self.depth_mean.fill_(depths_um.mean())
        self.depth_std.fill_(std)

    def load_encoder(self, encoder: nn.Module) -> None:
        """Copy a pretrained encoder's weights (``Lfp2VecPretraining.encoder``) into this model's encoder."""
        self.wav2vec.wav2vec2.load_state_dict(encoder.state_dict())

    def freeze_encoder(self) -> None:
        """Train only the head (projection and classifier) from now on."""
        self.wav2vec.freeze_base_model()

    def forward(self, waveforms: torch.Tensor, depths_um: torch.Tensor | None = None) -> torch.Tensor:
        """Class logits (n_windows, num_classes) of raw windows (n_windows, window_samples)."""
        return self.logits_and_embeddings(waveforms, depths_um)[0]

    def logits_and_embeddings(
        self, waveforms: torch.Tensor, depths_um: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Class logits and the mean over frames of the encoder's last hidden states (n_windows, hidden_size).

        ``depths_um`` (n_windows,): each window's channel depth along the probe, needed with ``depth_input``.
        """
        hidden = self.wav2vec.wav2vec2(zscore_windows(waveforms)).last_hidden_state
        pooled = self.wav2vec.projector(hidden).mean(dim=1)
        if self.config.depth_input:
            if depths_um is None:
                raise ValueError("This classifier reads each window's channel depth: pass depths_um")
            depth = (depths_um.to(pooled.dtype) - self.depth_mean) / self.depth_std
            pooled = torch.cat([pooled, depth[:, None]], dim=1)
        return self.wav2vec.classifier(pooled), hidden.mean(dim=1)


def count_parameters(module: nn.Module) -> int:
    """Number of parameters of a module."""
    return sum(math.prod(p.shape) for p in module.parameters())
