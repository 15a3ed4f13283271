"""The Lightning options every ``xmodal`` training command shares: device, distributed training, checkpoints."""

from __future__ import annotations

import argparse

from ..cli import _positive

DEFAULT_ACCELERATOR = "cpu"
DEFAULT_STRATEGY = "auto"


def add_lightning_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """Add ``--accelerator``, ``--devices``, ``--num-nodes``, ``--strategy``, ``--checkpoint-dir`` and ``--resume``."""
    parser.add_argument("--accelerator", default=DEFAULT_ACCELERATOR, help="Lightning accelerator: cpu, gpu or auto")
    parser.add_argument("--devices", type=_positive(int), default=1, help="devices (processes) per node; DDP above 1")
    parser.add_argument("--num-nodes", type=_positive(int), default=1, help="nodes (multi-node DDP)")
    parser.add_argument("--strategy", default=DEFAULT_STRATEGY, help="Lightning strategy, e.g. ddp")
    parser.add_argument("--checkpoint-dir", default=None, help="keep Lightning checkpoints here (needed to --resume)")
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --checkpoint-dir")


def lightning_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of the training functions that ``add_lightning_arguments`` set."""
    return dict(
        accelerator=args.accelerator,
        devices=args.devices,
        num_nodes=args.num_nodes,
        strategy=args.strategy,
        checkpoint_dir=args.checkpoint_dir,
        resume=args.resume,
    )
