"""The Lightning loop shared by the teacher, the student, the LFP baselines and read-in adaptation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import lightning as L
import torch

from .distill_data import BinnedSession, SessionBatchSampler, WindowDataset


@dataclass
class TrainerOptions:
    """How to train: epochs, batches, optimiser, early stopping, hardware and checkpoints.

    Attributes
    ----------
    max_epochs : int
        Upper bound on epochs; early stopping on the held-out trials' loss usually ends sooner.
    batch_size : int
        Windows per batch (all from one session).
    learning_rate, weight_decay : float
        AdamW settings. 1e-2 by default: at 3e-3 a 4-session teacher's latents decoded behaviour at R^2 0.55
        after 20 epochs, at 1e-2 0.67 (generated sessions; ``docs/distillation.md``).
    patience : int
        Epochs without improvement of the held-out loss before stopping.
    window_bins : int
        Bins per training window.
    held_out_fraction : float
        Fraction of each session's trials (the last ones) held out for early stopping.
    accelerator : str
        Lightning accelerator: "cpu", "gpu" (the GPU flag), "auto".
    devices, num_nodes : int or str
        Devices per node and nodes (DDP across processes / nodes when either is above 1).
    strategy : str
        Lightning strategy, e.g. "auto", "ddp".
    checkpoint_dir : str or None
        Where Lightning writes ``last.ckpt`` and the best checkpoint; None writes none.
    resume : bool
        Continue from ``checkpoint_dir/last.ckpt`` when it exists.
    progress_bar : bool
        Show Lightning's progress bar.
    seed : int
        Seeds torch, NumPy and the window order.
    """

    max_epochs: int = 100
    batch_size: int = 16
    learning_rate: float = 1e-2
    weight_decay: float = 0.01
    patience: int = 5
    window_bins: int = 50
    held_out_fraction: float = 0.2
    accelerator: str = "cpu"
    devices: int | str = 1
    num_nodes: int = 1
    strategy: str = "auto"
    checkpoint_dir: str | None = None
    resume: bool = False
    progress_bar: bool = False
    seed: int = 0


class MaskedTraining(L.LightningModule):
    """Trains a teacher or student module: ``module.loss(session_id, values[, teacher_latents])`` per batch.

    Only parameters that require gradients are optimised (adaptation freezes the shared ones).
    """

    def __init__(self, module: torch.nn.Module, session_ids: list[str], options: TrainerOptions, **loss_kwargs):
        super().__init__()
        self.module = module
        self.session_ids = session_ids
        self.options = options
        self.loss_kwargs = loss_kwargs

    def _loss(self, batch, mask: torch.Tensor | None = None) -> torch.Tensor:
        index, values, targets = batch
        session_id = self.session_ids[int(index[0])]
        extra = {"teacher_latents": targets} if targets.shape[-1] else {}
        return self.module.loss(session_id, values, **extra, mask=mask, **self.loss_kwargs)

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        loss = self._loss(batch)
        self.log("train_loss", loss, prog_bar=True, batch_size=batch[1].shape[0])
        return loss

    def held_out_loss(self, batch, batch_idx: int) -> torch.Tensor:
        """Loss of a held-out batch under masks fixed by the seed and the batch index.

        Early stopping compares epochs by this loss: with fresh random masks each epoch, it would also move with
        the masks drawn, not only with the weights.
        """
        values = batch[1]
        generator = torch.Generator(device=values.device).manual_seed(self.options.seed * 1_000_003 + batch_idx)
        return self._loss(batch, self.module.random_mask(values.shape[0], values.shape[1], generator))

    def validation_step(self, batch, batch_idx: int) -> None:
        loss = self.held_out_loss(batch, batch_idx)
        self.log("val_loss", loss, prog_bar=True, batch_size=batch[1].shape[0], sync_dist=True)

    def configure_optimizers(self):
        trainable = [p for p in self.module.parameters() if p.requires_grad]
        return torch.optim.AdamW(trainable, lr=self.options.learning_rate, weight_decay=self.options.weight_decay)


def _loader(sessions: list[BinnedSession], options: TrainerOptions, held_out: bool, epoch_seed: int):
    dataset = WindowDataset(sessions, options.window_bins, held_out)
    if len(dataset) == 0:
        part = "held-out" if held_out else "training"
        raise ValueError(
            f"the sessions' {part} trials hold no window of {options.window_bins} bins; give longer sessions or "
            "shorter windows"
        )
    sampler = SessionBatchSampler(dataset, options.batch_size, shuffle=not held_out, seed=epoch_seed)
    return torch.utils.data.DataLoader(dataset, batch_sampler=sampler)


class _KeepBest(L.Callback):
    """Keeps a copy of the weights of the epoch with the lowest held-out loss."""

    def __init__(self) -> None:
        self.best_loss = float("inf")
        self.best_state: dict | None = None

    def on_validation_epoch_end(self, trainer: L.Trainer, task: L.LightningModule) -> None:
        loss = trainer.callback_metrics.get("val_loss")
        if loss is not None and float(loss) < self.best_loss:
            self.best_loss = float(loss)
            self.best_state = {k: v.detach().cpu().clone() for k, v in task.module.state_dict().items()}


def _callbacks(options: TrainerOptions) -> list:
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

    callbacks = [_KeepBest(), EarlyStopping(monitor="val_loss", patience=options.patience, mode="min")]
    if options.checkpoint_dir is not None:
        callbacks.append(
            ModelCheckpoint(dirpath=options.checkpoint_dir, monitor="val_loss", save_last=True, filename="best")
        )
    return callbacks


# each batch uses one session's read-in, so DDP must allow parameters without gradients in a step
_DDP_STRATEGIES = {"ddp": "ddp_find_unused_parameters_true", "ddp_spawn": "ddp_spawn_find_unused_parameters_true"}


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (before building a module, so that its initial weights are seeded too)."""
    L.seed_everything(seed, workers=True, verbose=False)


def run_training(
    module: torch.nn.Module, sessions: list[BinnedSession], options: TrainerOptions, **loss_kwargs
) -> dict:
    """Fit ``module`` on windows of ``sessions`` with Lightning, keeping the weights of the best held-out epoch.

    Returns
    -------
    dict
        ``epochs`` run, ``best_val_loss``, ``stopped_early`` and whether this process is the global rank zero.
    """
    seed_everything(options.seed)
    module.train()
    task = MaskedTraining(module, [s.session_id for s in sessions], options, **loss_kwargs)
    trainer = L.Trainer(
        max_epochs=options.max_epochs,
        accelerator=options.accelerator,
        devices=options.devices,
        num_nodes=options.num_nodes,
        strategy=_DDP_STRATEGIES.get(options.strategy, options.strategy),
        callbacks=_callbacks(options),
        enable_checkpointing=options.checkpoint_dir is not None,
        enable_progress_bar=options.progress_bar,
        enable_model_summary=False,
        logger=False,
        use_distributed_sampler=False,
        default_root_dir=options.checkpoint_dir,
        num_sanity_val_steps=0,
    )
    last = Path(options.checkpoint_dir, "last.ckpt") if options.checkpoint_dir else None
    resume_from = str(last) if options.resume and last is not None and last.is_file() else None
    trainer.fit(
        task,
        train_dataloaders=_loader(sessions, options, held_out=False, epoch_seed=options.seed),
        val_dataloaders=_loader(sessions, options, held_out=True, epoch_seed=options.seed),
        ckpt_path=resume_from,
    )
    keep_best = next(c for c in trainer.callbacks if isinstance(c, _KeepBest))
    module.cpu()
    if keep_best.best_state is not None:
        module.load_state_dict(keep_best.best_state)
    module.eval()
    stopping = trainer.early_stopping_callback
    return {
        "epochs": int(trainer.current_epoch),
        # None after ddp_spawn: the held-out losses stayed in the spawned processes
        "best_val_loss": keep_best.best_loss if keep_best.best_state is not None else None,
        "stopped_early": bool(stopping is not None and stopping.stopped_epoch > 0),
        "is_global_zero": bool(trainer.is_global_zero),
        "resumed_from": resume_from,
    }
