"""The ``xmodal nwb`` subcommand: write predictions of a saved analyzer into an NWB file, or show them."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from .fileio import open_nwb
from .readers import read_predictions
from .target import writable_target
from .writers import REGION_EXTENSION, write_region_predictions


def _write(args: argparse.Namespace) -> int:
    import spikeinterface as si

    # a bad NWB path fails before a possibly large analyzer is loaded
    writable_target(args.nwb_path)
    with open_nwb(args.nwb_path):
        pass
    if not Path(args.analyzer).exists():
        raise FileNotFoundError(f"SortingAnalyzer folder {args.analyzer} does not exist")
    analyzer = si.load_sorting_analyzer(args.analyzer)
    path = write_region_predictions(
        args.nwb_path, analyzer, name=args.name, overwrite=args.overwrite, electrodes_column=args.electrodes_column
    )
    print(f"wrote region predictions {args.name!r} to {path}")
    return 0


def _show(args: argparse.Namespace) -> int:
    tables = read_predictions(args.nwb_path)
    if not tables:
        print(f"{args.nwb_path}: no ndx-xmodal prediction tables")
        return 0
    with pd.option_context("display.max_rows", args.max_rows, "display.width", 120):
        for name, frame in tables.items():
            attrs = frame.attrs
            labels = attrs.get("ontology") or attrs.get("taxonomy")
            print(f"== {name} ({attrs['kind']}, {len(frame)} rows, {labels})")
            print(f"   model: {attrs['model_name']} {attrs['model_version']}")
            print(frame.to_string(max_rows=args.max_rows))
    return 0


def add_nwb_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``nwb`` subcommand (``write``, ``show``) to an argparse subparsers object.

    Each leaf parser sets ``func``: call ``args.func(args)`` to run it; it returns an exit code.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``parser.add_subparsers()`` of the top-level ``xmodal`` command.

    Returns
    -------
    argparse.ArgumentParser
        The ``nwb`` parser.
    """
    parser = subparsers.add_parser("nwb", help="write or show ndx-xmodal predictions in NWB files")
    commands = parser.add_subparsers(dest="nwb_command", required=True)

    write = commands.add_parser("write", help="append the lfp_region predictions of a saved SortingAnalyzer")
    write.add_argument("analyzer", help="folder of a saved SortingAnalyzer with the lfp_region extension")
    write.add_argument("nwb_path", help="existing NWB file (HDF5 file or Zarr directory)")
    write.add_argument("--name", default=REGION_EXTENSION, help="table name (default: %(default)s)")
    write.add_argument("--overwrite", action="store_true", help="replace a table of the same name")
    write.add_argument("--electrodes-column", default=None, help="also add this column to the electrodes table")
    write.set_defaults(func=_write)

    show = commands.add_parser("show", help="print the prediction tables of an NWB file")
    show.add_argument("nwb_path", help="NWB file (HDF5 file or Zarr directory)")
    show.add_argument("--max-rows", type=int, default=20, help="rows shown per table (default: %(default)s)")
    show.set_defaults(func=_show)
    return parser
