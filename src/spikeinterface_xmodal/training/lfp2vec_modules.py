"""Lightning modules of Lfp2Vec: self-supervised pretraining and region fine-tuning (class-balanced cross-entropy)."""

from __future__ import annotations

import lightning as L
import numpy as np
import torch
from torch.nn import functional as F

from ..models.lfp2vec import Lfp2VecClassifier, Lfp2VecConfig, Lfp2VecPretraining


class Lfp2VecPretrainingModule(L.LightningModule):
    """wav2vec 2.0 pretraining: contrastive + diversity loss on masked spans, Gumbel temperature annealed per step.

    Validation uses the same masks and distractors at every pass (seeded by batch index), so its loss is
    comparable across epochs (early stopping monitors ``val_loss``).

    Parameters
    ----------
    config : dict
        ``Lfp2VecConfig.to_dict()`` (a dict, so that checkpoints carry it as a hyper-parameter).
    learning_rate : float
    weight_decay : float
    """

    def __init__(self, config: dict, learning_rate: float = 5e-4, weight_decay: float = 0.01):
        super().__init__()
        self.save_hyperparameters()
        self.network = Lfp2VecPretraining(Lfp2VecConfig.from_dict(config))

    def training_step(self, batch: dict[str, torch.Tensor], batch_index: int) -> torch.Tensor:
        temperature = self.network.set_gumbel_temperature(self.global_step)
        losses = self.network(batch["waveforms"])
        n = batch["waveforms"].shape[0]
        self.log("train_loss", losses["loss"], prog_bar=True, batch_size=n)
        self.log("train_contrastive_loss", losses["contrastive_loss"], batch_size=n)
        self.log("train_perplexity", losses["perplexity"], batch_size=n)
        self.log("gumbel_temperature", temperature, batch_size=n)
        return losses["loss"]

    def validation_step(self, batch: dict[str, torch.Tensor], batch_index: int) -> None:
        losses = self.network(batch["waveforms"], generator=np.random.default_rng(batch_index))
        self.log("val_loss", losses["loss"], prog_bar=True, sync_dist=True, batch_size=batch["waveforms"].shape[0])

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.AdamW(
            self.parameters(), lr=self.hparams.learning_rate, weight_decay=self.hparams.weight_decay
        )


class Lfp2VecRegionModule(L.LightningModule):
    """Fine-tuning for regions: class-balanced cross-entropy per window, full or frozen encoder.

    Parameters
    ----------
    config : dict
        ``Lfp2VecConfig.to_dict()``.
    class_weights : list of float
        One weight per class (inverse class frequency of the training channels), so every region counts alike.
    freeze_encoder : bool
        Train only the head.
    learning_rate : float
    weight_decay : float
    """

    def __init__(
        self,
        config: dict,
        class_weights: list[float],
        freeze_encoder: bool = False,
        learning_rate: float = 3e-4,
        weight_decay: float = 0.01,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.network = Lfp2VecClassifier(Lfp2VecConfig.from_dict(config), len(class_weights))
        if freeze_encoder:
            self.network.freeze_encoder()
        self.register_buffer("class_weights", torch.tensor(class_weights, dtype=torch.float32))

    def _loss(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.network(batch["waveforms"], batch["depths_um"])
        loss = F.cross_entropy(logits, batch["labels"], weight=self.class_weights)
        accuracy = (logits.argmax(dim=1) == batch["labels"]).float().mean()
        return loss, accuracy

    def training_step(self, batch: dict[str, torch.Tensor], batch_index: int) -> torch.Tensor:
        loss, accuracy = self._loss(batch)
        n = batch["waveforms"].shape[0]
        self.log("train_loss", loss, prog_bar=True, batch_size=n)
        self.log("train_window_accuracy", accuracy, batch_size=n)
        return loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_index: int) -> None:
        loss, accuracy = self._loss(batch)
        n = batch["waveforms"].shape[0]
        self.log("val_loss", loss, prog_bar=True, sync_dist=True, batch_size=n)
        self.log("val_window_accuracy", accuracy, sync_dist=True, batch_size=n)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        trainable = [p for p in self.parameters() if p.requires_grad]
        return torch.optim.AdamW(trainable, lr=self.hparams.learning_rate, weight_decay=self.hparams.weight_decay)
