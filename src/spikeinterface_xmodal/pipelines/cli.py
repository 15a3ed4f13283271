"""``xmodal region localize`` / ``xmodal region outside``: region properties and out-of-brain channels."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..cli import DEFAULT_N_WINDOWS, _job_arguments, _job_kwargs, _load_recording, _positive
from .outside_brain import DEFAULT_MIN_PROBABILITY


def _localized(args: argparse.Namespace):
    from .localize import localize_channels

    recording = _load_recording(args.recording, "Recording")
    lfp = _load_recording(args.lfp, "LFP recording") if args.lfp else None
    return localize_channels(
        recording, args.model, lfp_recording=lfp, n_windows=args.n_windows, seed=args.seed, **_job_kwargs(args)
    )


def _check_output(path: str | None, overwrite: bool) -> None:
    if path is not None and Path(path).exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass --overwrite to replace it")


def _save(recording, path: str, overwrite: bool, args: argparse.Namespace) -> None:
    """A ``.json`` path: a lazy description of the recording (no traces); otherwise a binary folder."""
    if path.endswith(".json"):
        recording.dump_to_json(path, include_properties=True)
    else:
        recording.save(folder=path, overwrite=overwrite, **_job_kwargs(args))
    print(f"saved the recording with its region properties to {path}")


def _localize(args: argparse.Namespace) -> None:
    _check_output(args.output, args.overwrite)
    recording = _localized(args)
    regions, counts = np.unique(recording.get_property("brain_area_predicted"), return_counts=True)
    print("predicted regions: " + ", ".join(f"{r} ({c} channels)" for r, c in zip(regions, counts, strict=True)))
    _save(recording, args.output, args.overwrite, args)


def _outside(args: argparse.Namespace) -> None:
    from .outside_brain import detect_channels_outside_brain

    _check_output(args.output, args.overwrite)
    outside_ids, in_brain = detect_channels_outside_brain(_localized(args), min_probability=args.min_probability)
    print(f"{outside_ids.size} channels outside the brain: {', '.join(str(c) for c in outside_ids) or '-'}")
    if args.output:
        _save(in_brain, args.output, args.overwrite, args)


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recording", help="saved SpikeInterface recording (folder or json) with a probe")
    parser.add_argument("--model", required=True, help="region model folder")
    parser.add_argument("--lfp", help="saved LF stream of the same probe; default: the recording itself")
    parser.add_argument("--n-windows", type=_positive(int), default=DEFAULT_N_WINDOWS, help="windows per channel")
    parser.add_argument("--seed", type=int, default=0, help="seed of the window draw")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    _job_arguments(parser)


def add_region_pipeline_parsers(region: argparse._SubParsersAction) -> None:
    """Add ``localize`` and ``outside`` to the ``xmodal region`` subcommands."""
    localize = region.add_parser("localize", help="predict each channel's region and save it as channel properties")
    _common_arguments(localize)
    localize.add_argument("--output", required=True, help="where to save the recording (folder, or .json: lazy)")
    localize.set_defaults(func=_localize)

    outside = region.add_parser("outside", help="list the channels outside the brain (and save the rest)")
    _common_arguments(outside)
    outside.add_argument(
        "--min-probability", type=float, default=DEFAULT_MIN_PROBABILITY, help="outside if P(outside) reaches this"
    )
    outside.add_argument("--output", help="save the recording without them here (folder, or .json: lazy)")
    outside.set_defaults(func=_outside)
