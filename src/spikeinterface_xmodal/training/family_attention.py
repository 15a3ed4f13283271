"""The training loop of ``FamilyAttentionClassifier``: a Lightning Trainer over in-memory cell tensors.

Class-weighted cross-entropy, Adam, shuffled mini-batches, early stopping on the loss of a held-out part of the
training cells with the best epoch's weights kept. Seeded (``lightning.seed_everything`` and a seeded loader), so
that two fits with the same ``random_state`` give the same weights on the CPU.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from ..models.family_bilstm import FamilyBiLSTM

_MIN_DELTA = 1e-4  # a validation loss must drop by this much to count as better
_LIGHTNING_LOGGERS = ("lightning.pytorch", "lightning.fabric", "pytorch_lightning")


@dataclass
class FitSettings:
    """Optimisation settings of one fit (the classifier's parameters)."""

    learning_rate: float
    weight_decay: float
    batch_size: int
    max_epochs: int
    patience: int
    seed: int
    accelerator: str = "cpu"
    progress_bar: bool = False


@dataclass
class CellTensors:
    """Cells as the network reads them: normalised values (0 where missing), missing mask, class index."""

    values: torch.Tensor
    missing: torch.Tensor
    targets: torch.Tensor

    def subset(self, rows: np.ndarray) -> TensorDataset:
        index = torch.as_tensor(rows, dtype=torch.long)
        return TensorDataset(self.values[index], self.missing[index], self.targets[index])


class FamilyNetworkTask(L.LightningModule):
    """Lightning wrapper of a ``FamilyBiLSTM``: class-weighted cross-entropy, Adam."""

    def __init__(self, network: FamilyBiLSTM, class_weights: torch.Tensor, settings: FitSettings):
        super().__init__()
        self.network = network
        self.settings = settings
        self.loss = torch.nn.CrossEntropyLoss(weight=class_weights)

    def _loss(self, batch) -> torch.Tensor:
        values, missing, targets = batch
        return self.loss(self.network(values, missing)[0], targets)

    def training_step(self, batch, batch_index: int) -> torch.Tensor:
        return self._loss(batch)

    def validation_step(self, batch, batch_index: int) -> None:
        self.log("val_loss", self._loss(batch), batch_size=len(batch[0]), prog_bar=True)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(
            self.network.parameters(), lr=self.settings.learning_rate, weight_decay=self.settings.weight_decay
        )


class _KeepBestWeights(L.Callback):
    """A copy of the network's weights at the epoch of the lowest validation loss."""

    def __init__(self) -> None:
        self.best_loss = float("inf")
        self.state: dict | None = None

    def on_validation_epoch_end(self, trainer: L.Trainer, task: FamilyNetworkTask) -> None:
        loss = trainer.callback_metrics.get("val_loss")
        if loss is not None and float(loss) < self.best_loss - _MIN_DELTA:
            self.best_loss = float(loss)
            self.state = {k: v.detach().cpu().clone() for k, v in task.network.state_dict().items()}


@contextmanager
def _quiet_lightning(progress_bar: bool) -> Iterator[None]:
    """Lightning's start-up messages and small-data warnings silenced, unless the progress bar is wanted."""
    if progress_bar:
        yield
        return
    loggers = [logging.getLogger(name) for name in _LIGHTNING_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*does not have many workers.*")
            warnings.filterwarnings("ignore", message=".*number of training batches.*")
            warnings.filterwarnings("ignore", message=".*have no `val_dataloader`.*")
            warnings.filterwarnings("ignore", message=".*LeafSpec.*")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def train_family_network(
    network: FamilyBiLSTM,
    cells: CellTensors,
    class_weights: np.ndarray,
    train: np.ndarray,
    valid: np.ndarray | None,
    settings: FitSettings,
) -> int:
    """Fit ``network`` in place on the ``train`` rows of ``cells``; early-stop on the ``valid`` rows.

    Parameters
    ----------
    network : FamilyBiLSTM
        Fresh or pretrained network; left on the CPU in eval mode with the best epoch's weights.
    cells : CellTensors
        All cells (the training ones may include synthetic cells).
    class_weights : numpy.ndarray
        Cross-entropy weight per class.
    train, valid : numpy.ndarray
        Row indices; ``valid`` None trains for ``settings.max_epochs`` epochs.
    settings : FitSettings

    Returns
    -------
    int
        Epochs run.
    """
    from lightning.pytorch.callbacks import EarlyStopping

    L.seed_everything(settings.seed, workers=True, verbose=False)
    network.train()
    task = FamilyNetworkTask(network, torch.as_tensor(class_weights, dtype=torch.float32), settings)
    keep_best = _KeepBestWeights()
    callbacks: list[L.Callback] = [keep_best]
    if valid is not None:
        callbacks.append(EarlyStopping("val_loss", min_delta=_MIN_DELTA, patience=settings.patience, mode="min"))
    generator = torch.Generator().manual_seed(settings.seed)
    train_loader = DataLoader(cells.subset(train), batch_size=settings.batch_size, shuffle=True, generator=generator)
    valid_loader = None if valid is None else DataLoader(cells.subset(valid), batch_size=max(len(valid), 1))
    with _quiet_lightning(settings.progress_bar):
        trainer = L.Trainer(
            max_epochs=settings.max_epochs,
            accelerator=settings.accelerator,
            devices=1,
            callbacks=callbacks,
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=settings.progress_bar,
            enable_model_summary=False,
            num_sanity_val_steps=0,
        )
        trainer.fit(task, train_dataloaders=train_loader, val_dataloaders=valid_loader)
    network.cpu()
    if keep_best.state is not None:
        network.load_state_dict(keep_best.state)
    network.eval()
    return int(trainer.current_epoch)
