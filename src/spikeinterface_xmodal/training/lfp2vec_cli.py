"""``xmodal region pretrain`` and the Lfp2Vec options of ``xmodal region train --kind lfp2vec``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..cli import _load_recording, _positive
from .cli_options import add_lightning_arguments, lightning_options

KINDS = ("baseline", "lfp2vec")
DEFAULT_KIND = "baseline"
CONFIG_NAMES = ("small", "base")
DEFAULT_CONFIG = "small"
# the keyword defaults of TrainerSettings and pretrain_lfp2vec (tests/training/test_lfp2vec_cli.py checks them)
DEFAULT_MAX_EPOCHS = 20
DEFAULT_BATCH_SIZE = 4
DEFAULT_PATIENCE = 3
DEFAULT_PRETRAIN_WINDOWS = 32
DEFAULT_CHANNELS_PER_WINDOW = 16
DEFAULT_MIN_CHANNELS_PER_CLASS = 5


def _config(text: str) -> str | dict:
    """An argparse type: a config name, or a JSON file of ``Lfp2VecConfig`` fields."""
    if text in CONFIG_NAMES:
        return text
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(CONFIG_NAMES)} or a JSON file, got {text!r}")
    try:
        return json.loads(path.read_text(encoding="utf8"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text} is not valid JSON ({error})") from error


def add_trainer_arguments(parser: argparse.ArgumentParser) -> None:
    """Lightning options of a training command (device, DDP, checkpoints, epochs)."""
    group = parser.add_argument_group("Lfp2Vec training (Lightning)")
    group.add_argument("--config", type=_config, default=DEFAULT_CONFIG, help="encoder: small, base or a JSON file")
    group.add_argument("--max-epochs", type=_positive(int), default=DEFAULT_MAX_EPOCHS, help="epochs at most")
    group.add_argument("--batch-size", type=_positive(int), default=DEFAULT_BATCH_SIZE, help="items per step")
    group.add_argument("--patience", type=_positive(int), default=DEFAULT_PATIENCE, help="early-stopping patience")
    add_lightning_arguments(group)


def _trainer_settings(args: argparse.Namespace) -> dict:
    return dict(
        max_epochs=args.max_epochs,
        batch_size=args.batch_size,
        patience=args.patience,
        progress_bar=not args.no_progress,
        seed=args.seed,
        **lightning_options(args),
    )


def add_lfp2vec_train_arguments(parser: argparse.ArgumentParser) -> None:
    """``--kind`` and the Lfp2Vec options of ``xmodal region train``."""
    parser.add_argument("--kind", choices=KINDS, default=DEFAULT_KIND, help="region model kind to train")
    parser.add_argument("--pretrained", help="lfp2vec: start from this pretrained (or fine-tuned) folder")
    parser.add_argument("--freeze-encoder", action="store_true", help="lfp2vec: train the head only")
    parser.add_argument("--no-depth", action="store_true", help="lfp2vec: the head reads the waveform only, no depth")
    parser.add_argument(
        "--min-channels-per-class",
        type=_positive(int),
        default=DEFAULT_MIN_CHANNELS_PER_CLASS,
        help="lfp2vec: fewer labelled training channels of a region is an error",
    )
    add_trainer_arguments(parser)


def train_lfp2vec(args: argparse.Namespace) -> None:
    """``xmodal region train --kind lfp2vec``."""
    from lightning.pytorch.utilities import rank_zero_only

    from ..model_folder import check_model_folder_writable
    from . import fit_lfp2vec_region

    check_model_folder_writable(args.output, args.overwrite)
    recordings = [_load_recording(path, "Recording") for path in args.recordings]
    model = fit_lfp2vec_region(
        recordings,
        pretrained=args.pretrained,
        folder=args.output,
        label_property=args.label_property,
        ontology=args.ontology,
        config=args.config,
        freeze_encoder=args.freeze_encoder,
        depth=not args.no_depth,
        min_channels_per_class=args.min_channels_per_class,
        n_windows=args.n_windows,
        smoothing=not args.no_smoothing,
        overwrite=args.overwrite,
        **_trainer_settings(args),
    )
    if rank_zero_only.rank != 0:  # DDP: the other processes trained alongside; one reports
        return
    validation = model.card["metrics"].get("validation_sessions")
    if validation:
        print(f"validation sessions: balanced accuracy {validation['balanced_accuracy']:.3f}")
    print(f"Model saved to {args.output} (classes: {', '.join(model.classes)})")


def _pretrain(args: argparse.Namespace) -> None:
    from lightning.pytorch.utilities import rank_zero_only

    from ..model_folder import check_model_folder_writable
    from . import pretrain_lfp2vec

    check_model_folder_writable(args.output, args.overwrite)
    recordings = [_load_recording(path, "Recording") for path in args.recordings]
    pretrained = pretrain_lfp2vec(
        recordings,
        args.output,
        config=args.config,
        init_from=args.init_from,
        n_windows=args.n_windows,
        channels_per_window=args.channels_per_window,
        overwrite=args.overwrite,
        **_trainer_settings(args),
    )
    if rank_zero_only.rank != 0:
        return
    loss = pretrained.card["training"].get("best_val_loss", pretrained.card["training"]["metrics"].get("train_loss"))
    print(f"Pretrained encoder saved to {args.output} (loss {loss:.3f})")


def add_pretrain_parser(region: argparse._SubParsersAction) -> None:
    """Add ``xmodal region pretrain`` to the ``region`` subcommands."""
    pretrain = region.add_parser("pretrain", help="pretrain an Lfp2Vec encoder on unlabeled recordings")
    pretrain.add_argument("recordings", nargs="+", help="saved SpikeInterface recordings (folders or json)")
    pretrain.add_argument("--output", required=True, help="model folder to write")
    pretrain.add_argument("--init-from", help="continue pretraining from this folder (adapt to a new lab)")
    pretrain.add_argument(
        "--n-windows", type=_positive(int), default=DEFAULT_PRETRAIN_WINDOWS, help="windows per recording"
    )
    pretrain.add_argument(
        "--channels-per-window", type=_positive(int), default=DEFAULT_CHANNELS_PER_WINDOW, help="channels per window"
    )
    pretrain.add_argument("--seed", type=int, default=0, help="seed of the window draws and the model")
    pretrain.add_argument("--overwrite", action="store_true", help="replace an existing model folder (nothing else)")
    pretrain.add_argument("--no-progress", action="store_true", help="hide progress bars")
    add_trainer_arguments(pretrain)
    pretrain.set_defaults(func=_pretrain)
