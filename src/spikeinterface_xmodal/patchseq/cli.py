"""The ``xmodal patchseq`` subcommand: IPFX features from NWB files, training, prediction, writing into NWB."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ESTIMATORS = ("random_forest", "gouwens", "family_attention")
_NOT_FEATURES = {"filename", "cell_id", "nan_reason", "specimen_id", "Unnamed: 0"}


def _read_table(path: str) -> pd.DataFrame:
    if not Path(path).is_file():
        raise FileNotFoundError(f"feature table {path} does not exist")
    return pd.read_csv(path)


def _features(args: argparse.Namespace) -> int:
    from .features import REASON_COLUMN, extract_features

    table = extract_features(args.nwb_paths, filter_khz=None if args.no_filter else args.filter_khz)
    table.to_csv(args.output, index=False)
    incomplete = int((table[REASON_COLUMN] != "").sum())
    print(f"wrote features of {len(table)} cells ({table.shape[1]} columns) to {args.output}")
    if incomplete:
        print(f"{incomplete} cells have NaN features; see the {REASON_COLUMN} column")
    return 0


def _estimator(name: str, seed: int, n_estimators: int | None, oversample: str | None):
    from . import estimators

    trees = {} if n_estimators is None else {"n_estimators": n_estimators}
    if name == "random_forest":
        return estimators.RandomForestBaseline(random_state=seed, oversample=oversample, **trees)
    if name == "gouwens":
        return estimators.GouwensClassifier(random_state=seed, oversample=oversample, **trees)
    if trees:
        raise ValueError("--n-estimators sets the trees of random_forest and gouwens, not of family_attention")
    from .attention import FamilyAttentionClassifier

    return FamilyAttentionClassifier(random_state=seed, oversample=oversample)


def _train(args: argparse.Namespace) -> int:
    from ..model_folder import check_model_folder_writable
    from .model_kinds import save_patchseq_model

    check_model_folder_writable(args.output, args.overwrite)
    estimator = _estimator(args.estimator, args.seed, args.n_estimators, args.oversample)
    table = _read_table(args.features)
    if args.label_column not in table.columns:
        raise ValueError(f"feature table {args.features} has no label column {args.label_column!r}")
    labelled = table[table[args.label_column].notna()]
    columns = [c for c in labelled.columns if c not in _NOT_FEATURES | {args.label_column}]
    X = labelled[columns].select_dtypes("number")
    if X.shape[1] == 0:
        raise ValueError(f"feature table {args.features} has no numeric feature columns")
    y = labelled[args.label_column].astype(str)
    model = estimator.fit(X, y)
    training = dict(table=str(args.features), n_cells=len(y), cells_per_class=y.value_counts().to_dict())
    save_patchseq_model(model, args.output, training=training, overwrite=args.overwrite)
    print(f"trained {args.estimator} on {len(y)} cells, {X.shape[1]} features; model saved to {args.output}")
    return 0


def _predict(args: argparse.Namespace, write: bool) -> int:
    from .predict import predict_cells

    if not Path(args.model).exists():
        raise FileNotFoundError(f"model folder {args.model} does not exist")
    table = predict_cells(args.nwb_paths, args.model, write=write, name=args.name, overwrite=args.overwrite)
    if args.output:
        table.to_csv(args.output, index=False)
    shown = ["filename", "cell_id", "predicted_subclass", *(c for c in table.columns if c.startswith("p_"))]
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(table[shown].to_string(index=False))
    if write:
        print(f"wrote table {args.name!r} to processing/icephys of {len(args.nwb_paths)} file(s)")
    return 0


def add_patchseq_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``patchseq`` subcommand (``features``, ``train``, ``predict``, ``write``) to ``xmodal``.

    Each leaf parser sets ``func``: call ``args.func(args)`` to run it; it returns an exit code.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``parser.add_subparsers()`` of the top-level ``xmodal`` command.

    Returns
    -------
    argparse.ArgumentParser
        The ``patchseq`` parser.
    """
    from .predict import DEFAULT_TABLE_NAME

    parser = subparsers.add_parser("patchseq", help="Patch-seq: IPFX features and transcriptomic subclasses")
    commands = parser.add_subparsers(dest="patchseq_command", required=True)

    features = commands.add_parser("features", help="IPFX features of the cells in icephys NWB files (CSV)")
    features.add_argument("nwb_paths", nargs="+", help="icephys NWB files")
    features.add_argument("--output", required=True, help="CSV file to write (one row per cell)")
    features.add_argument("--filter-khz", type=float, default=1.0, help="spike detector's Bessel filter (kHz)")
    features.add_argument("--no-filter", action="store_true", help="detect spikes without filtering")
    features.set_defaults(func=_features)

    train = commands.add_parser("train", help="train a subclass model on a labelled feature table (CSV)")
    train.add_argument("features", help="CSV of features, one row per cell, with a label column")
    train.add_argument("--label-column", default="subclass", help="column holding the subclass of each cell")
    train.add_argument("--estimator", choices=ESTIMATORS, default="gouwens", help="model to train")
    train.add_argument("--output", required=True, help="model folder to write")
    train.add_argument("--seed", type=int, default=0, help="random state of the model")
    train.add_argument("--n-estimators", type=int, help="trees of random_forest / gouwens (default: the model's)")
    train.add_argument(
        "--oversample", choices=("smote",), help="complement the rarer subclasses with SMOTE cells inside fit"
    )
    train.add_argument("--overwrite", action="store_true", help="replace an existing model folder (nothing else)")
    train.set_defaults(func=_train)

    for name, write, help_text in (
        ("predict", False, "predict the subclass of the cells in NWB files (nothing written to them)"),
        ("write", True, "predict and write a CellSubclassPredictionTable into each NWB file"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("nwb_paths", nargs="+", help="icephys NWB files")
        command.add_argument("--model", required=True, help="Patch-seq model folder")
        command.add_argument("--output", help="also write the predictions to this CSV file")
        if write:
            command.add_argument("--name", default=DEFAULT_TABLE_NAME, help="table name in processing/icephys")
            command.add_argument("--overwrite", action="store_true", help="replace a table of the same name")
        else:
            command.set_defaults(name=DEFAULT_TABLE_NAME, overwrite=False)
        command.set_defaults(func=lambda args, write=write: _predict(args, write))
    return parser
