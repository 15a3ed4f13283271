"""How Lfp2Vec runs are trained: a Lightning Trainer with checkpoints, resume, early stopping, device flags; splits."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import lightning as L
import numpy as np
import torch

from .lfp2vec_data import ChannelWindowDataset, collate_channel_windows

LAST_CHECKPOINT = "last.ckpt"


@dataclass
class TrainerSettings:
    """Settings of a Lightning training run (``pretrain_lfp2vec``, ``fit_lfp2vec_region``).

    Parameters
    ----------
    max_epochs : int
        Passes over the training windows.
    max_steps : int
        Stop after this many optimiser steps (-1: no limit).
    batch_size : int
        Items (window x channel group) per step; a step sees about ``batch_size * channels_per_item`` windows.
    patience : int
        Early stopping: epochs without a lower validation loss (held-out sessions) before stopping.
    checkpoint_dir : str, Path or None
        Where checkpoints (``last.ckpt`` and the best one) and the CSV log go; None keeps them in a temporary
        folder (no resume).
    resume : bool
        Continue from ``checkpoint_dir/last.ckpt`` (optimiser, epoch and step included).
    accelerator : str
        Lightning accelerator: "cpu", "gpu", "auto", ...: one flag moves training to a GPU.
    devices : int or str
        Devices (processes) per node; above 1 trains with DDP.
    strategy : str
        Lightning strategy ("auto", "ddp", ...); DDP on CPU uses the gloo backend.
    num_nodes : int
        Nodes for multi-node DDP (launch one process per node, e.g. with torchrun or SLURM; see docs/lfp2vec.md).
    precision : str
        Lightning precision ("32-true", "bf16-mixed", "16-mixed" on GPUs).
    num_workers : int
        DataLoader worker processes reading windows.
    progress_bar : bool
        Show Lightning's progress bar.
    seed : int
        Seed of everything (``lightning.seed_everything``).
    """

    max_epochs: int = 20
    max_steps: int = -1
    batch_size: int = 4
    patience: int = 3
    checkpoint_dir: str | Path | None = None
    resume: bool = False
    accelerator: str = "cpu"
    devices: int | str = 1
    strategy: str = "auto"
    num_nodes: int = 1
    precision: str = "32-true"
    num_workers: int = 0
    progress_bar: bool = True
    seed: int = 0

    def __post_init__(self):
        if self.resume and self.checkpoint_dir is None:
            raise ValueError("resume=True needs the checkpoint_dir of the run to continue")
        if self.resume and not (Path(self.checkpoint_dir) / LAST_CHECKPOINT).is_file():
            raise FileNotFoundError(
                f"resume=True, but {Path(self.checkpoint_dir) / LAST_CHECKPOINT} does not exist: there is no run to "
                "continue in that checkpoint_dir"
            )


def split_sessions(n_sessions: int, validation_sessions: int | Sequence[int] | None, seed: int) -> tuple[list, list]:
    """Indices of training and validation sessions (whole sessions are held out).

    ``validation_sessions``: None holds out one in five (at least one when there are two or more sessions),
    an int that many (drawn with ``seed``), a sequence those indices; 0 or an empty sequence none.
    """
    if validation_sessions is None:
        validation_sessions = max(1, round(n_sessions / 5)) if n_sessions >= 2 else 0
    if isinstance(validation_sessions, (int, np.integer)):
        if not 0 <= validation_sessions < n_sessions:
            raise ValueError(
                f"validation_sessions={validation_sessions} must leave at least one of the {n_sessions} sessions "
                "for training"
            )
        validation = np.sort(np.random.default_rng(seed).permutation(n_sessions)[:validation_sessions]).tolist()
    else:
        validation = sorted(int(i) for i in validation_sessions)
        if any(not 0 <= i < n_sessions for i in validation) or len(validation) >= n_sessions:
            raise ValueError(f"validation_sessions {validation} must be distinct indices below {n_sessions}, not all")
    return [i for i in range(n_sessions) if i not in validation], validation


def loader(dataset: ChannelWindowDataset, settings: TrainerSettings, shuffle: bool) -> torch.utils.data.DataLoader:
    """A DataLoader of a window dataset (Lightning adds a distributed sampler under DDP)."""
    generator = torch.Generator().manual_seed(settings.seed)
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=settings.batch_size,
        shuffle=shuffle,
        collate_fn=collate_channel_windows,
        num_workers=settings.num_workers,
        generator=generator,
    )


@contextmanager
def checkpoint_folder(settings: TrainerSettings):
    """The run's checkpoint folder: ``settings.checkpoint_dir``, or a temporary one removed afterwards."""
    if settings.checkpoint_dir is not None:
        Path(settings.checkpoint_dir).mkdir(parents=True, exist_ok=True)
        yield Path(settings.checkpoint_dir)
        return
    with tempfile.TemporaryDirectory(prefix="lfp2vec-checkpoints-") as folder:
        yield Path(folder)


def train(
    module: L.LightningModule,
    train_data: ChannelWindowDataset,
    validation_data: ChannelWindowDataset | None,
    settings: TrainerSettings,
) -> tuple[L.Trainer, dict]:
    """Fit ``module``; with validation data, early-stop on ``val_loss`` and load the best weights back.

    Returns
    -------
    trainer : lightning.Trainer
        ``trainer.is_global_zero`` tells the process that saves results under DDP.
    history : dict
        ``epochs``, ``steps``, the last logged metrics and, with validation, ``best_val_loss``.
    """
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
    from lightning.pytorch.loggers import CSVLogger

    has_validation = validation_data is not None and len(validation_data) > 0
    with checkpoint_folder(settings) as folder:
        checkpoint = ModelCheckpoint(
            dirpath=folder,
            filename="best-{epoch}",
            monitor="val_loss" if has_validation else None,
            save_last=True,
            save_top_k=1,
        )
        callbacks = [checkpoint]
        if has_validation:
            # not strict: a run stopped by max_steps before its first validation has no val_loss
            callbacks.append(EarlyStopping(monitor="val_loss", patience=settings.patience, strict=False))
        trainer = L.Trainer(
            max_epochs=settings.max_epochs,
            max_steps=settings.max_steps,
            accelerator=settings.accelerator,
            devices=settings.devices,
            strategy=settings.strategy,
            num_nodes=settings.num_nodes,
            precision=settings.precision,
            callbacks=callbacks,
            logger=CSVLogger(folder, name="logs") if settings.checkpoint_dir is not None else False,
            enable_progress_bar=settings.progress_bar,
            enable_model_summary=False,
            log_every_n_steps=1,
            num_sanity_val_steps=0,
        )
        trainer.fit(
            module,
            train_dataloaders=loader(train_data, settings, shuffle=True),
            val_dataloaders=loader(validation_data, settings, shuffle=False) if has_validation else None,
            ckpt_path=str(folder / LAST_CHECKPOINT) if settings.resume else None,
        )
        history = dict(
            epochs=int(trainer.current_epoch),
            steps=int(trainer.global_step),
            metrics={name: float(value) for name, value in trainer.callback_metrics.items()},
        )
        if has_validation and checkpoint.best_model_path:
            best = torch.load(checkpoint.best_model_path, map_location="cpu", weights_only=True)
            module.load_state_dict(best["state_dict"])
            history["best_val_loss"] = float(checkpoint.best_model_score)
    return trainer, history
