"""The ``xmodal distill`` subcommand: teacher, student, LFP baseline, adapt, decode, latents and a demo on NWB sessions.

Sessions are NWB files laid out as ``datasets.write_latent_session_nwb`` writes them (units, LFP
``ElectricalSeries`` in ``processing/ecephys/LFP``, ``processing/behavior/BehavioralTimeSeries/hand_velocity``,
trials).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..training.cli_options import add_lightning_arguments, lightning_options


def _sessions(paths: list[str]) -> list:
    from ..datasets import read_latent_session_nwb

    for path in paths:
        if not Path(path).exists():
            raise FileNotFoundError(f"NWB file {path} does not exist")
    return [read_latent_session_nwb(path) for path in paths]


def _training(args: argparse.Namespace) -> dict:
    """Training keywords from the command line; ``--max-epochs`` only when given (else the API's default)."""
    epochs = {} if args.max_epochs is None else {"max_epochs": args.max_epochs}
    return dict(**epochs, seed=args.seed, progress_bar=not args.no_progress, **lightning_options(args))


def _teacher(args: argparse.Namespace) -> None:
    from ..training import fit_spike_teacher

    fit_spike_teacher(_sessions(args.sessions), folder=args.output, overwrite=args.overwrite, **_training(args))
    print(f"Spike teacher saved to {args.output}")


def _student(args: argparse.Namespace) -> None:
    from ..training import distill_lfp_student

    if not Path(args.teacher).is_dir():
        raise FileNotFoundError(f"teacher model folder {args.teacher} does not exist")
    distill_lfp_student(
        _sessions(args.sessions),
        teacher=args.teacher,
        folder=args.output,
        alignment_weight=args.alignment_weight,
        overwrite=args.overwrite,
        **_training(args),
    )
    print(f"Distilled LFP student saved to {args.output}")


def _lfp(args: argparse.Namespace) -> None:
    from ..training import fit_lfp_model

    fit_lfp_model(_sessions(args.sessions), folder=args.output, overwrite=args.overwrite, **_training(args))
    print(f"LFP baseline saved to {args.output}")


def _load_lfp_model(folder: str):
    from ..model_folder import read_model_card
    from ..model_kinds import load_model
    from ..training.distill_kinds import LFP_KIND

    read_model_card(folder, expected_kind=LFP_KIND)
    return load_model(folder)


def _adapt(args: argparse.Namespace) -> None:
    from ..model_folder import check_model_folder_writable
    from ..training.distill_kinds import adapt_options

    check_model_folder_writable(args.output, args.overwrite)
    model = _load_lfp_model(args.model)
    (session,) = _sessions([args.session])
    options = adapt_options(model.window_bins, **_training(args))
    model.adapt(session.lfp, session_id=args.session_id, options=options).save(args.output, overwrite=args.overwrite)
    print(f"Adapted model saved to {args.output}")


def _decode(args: argparse.Namespace) -> None:
    from .decoding import decode_behaviour

    model = _load_lfp_model(args.model)
    (session,) = _sessions([args.session])
    times, latents = model.latents(session.lfp, session_id=args.session_id)
    result = decode_behaviour(times, latents, session.behaviour_times, session.behaviour, trials=session.trials)
    per_dimension = ", ".join(f"{v:.3f}" for v in result["r2_per_dimension"])
    print(f"behaviour R^2 {result['r2']:.3f} (per dimension: {per_dimension}) over {result['n_trials']} trials")
    if args.figure:
        from .plots import plot_decoded_behaviour

        plot_decoded_behaviour(result).savefig(args.figure, dpi=110)
        print(f"Figure: {args.figure}")


def _latents(args: argparse.Namespace) -> None:
    from spikeinterface.extractors import read_nwb_recording

    from ..datasets.latent_sessions_nwb import LFP_SERIES_PATH
    from ..nwb import read_latents, write_latents
    from ..nwb.fileio import check_nwb_file
    from ..preprocessing.lfp_latents import latent_model_info, lfp_latents, read_in_of

    model = _load_lfp_model(args.model)
    check_nwb_file(args.session)
    if not args.overwrite:
        try:
            existing = read_latents(args.session, args.name)
        except ValueError:
            existing = None
        if existing is not None:
            print(
                f"{args.session} already holds latents {args.name!r} (model {existing.model_info['model_name']}, "
                f"hash {existing.model_info['model_hash'][:12]}); nothing written (--overwrite replaces them)"
            )
            return
    series_path = args.electrical_series_path or LFP_SERIES_PATH
    try:
        lfp = read_nwb_recording(args.session, electrical_series_path=series_path)
    except ValueError as error:
        raise ValueError(f"{args.session} has no LFP ElectricalSeries at {series_path}: {error}") from None
    node = lfp_latents(lfp, model=args.model, session_id=args.session_id)
    times, values = node.get_times(), node.get_traces()
    info = latent_model_info(model, args.model, read_in_of(model, lfp.get_num_channels(), args.session_id))
    write_latents(args.session, times, values, info, name=args.name, overwrite=args.overwrite)
    print(f"Latents {values.shape} of {args.model} written to {args.session} as processing/ecephys/{args.name}")


def _demo(args: argparse.Namespace) -> None:
    from .demo import run_distillation_demo

    run_distillation_demo(
        output_folder=args.output,
        n_sessions=args.sessions,
        n_trials=args.trials,
        max_epochs=args.max_epochs,
        seed=args.seed,
        progress_bar=not args.no_progress,
    )


def _training_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-epochs", type=int, default=None, help="upper bound on epochs (early stopping); default: the API's"
    )
    add_lightning_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and window order")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _model_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", required=True, help="model folder to write")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing model folder (nothing else)")


def add_distill_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``distill`` (``teacher``, ``student``, ``lfp``, ``adapt``, ``decode``, ``latents``, ``demo``) to ``xmodal``.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``parser.add_subparsers()`` of the top-level ``xmodal`` command.

    Returns
    -------
    argparse.ArgumentParser
        The ``distill`` parser; each leaf sets ``func``.
    """
    parser = subparsers.add_parser("distill", help="spike-teacher / LFP-student distillation")
    commands = parser.add_subparsers(dest="distill_command", required=True)

    teacher = commands.add_parser("teacher", help="pretrain the multi-session spike teacher on NWB sessions")
    teacher.add_argument("sessions", nargs="+", help="NWB files (units, LFP, behaviour)")
    _model_output(teacher)
    _training_arguments(teacher)
    teacher.set_defaults(func=_teacher)

    student = commands.add_parser("student", help="distil the teacher into an LFP student")
    student.add_argument("sessions", nargs="+", help="NWB files the teacher was trained on")
    student.add_argument("--teacher", required=True, help="spike teacher model folder")
    student.add_argument("--alignment-weight", type=float, default=5.0, help="weight of 1 - cosine similarity")
    _model_output(student)
    _training_arguments(student)
    student.set_defaults(func=_student)

    lfp = commands.add_parser("lfp", help="the LFP-only baseline (one session: single-session; several: multi)")
    lfp.add_argument("sessions", nargs="+", help="NWB files")
    _model_output(lfp)
    _training_arguments(lfp)
    lfp.set_defaults(func=_lfp)

    adapt = commands.add_parser("adapt", help="fit a read-in for a new session's unlabeled LFP")
    adapt.add_argument("model", help="LFP model folder (student or baseline)")
    adapt.add_argument("session", help="NWB file of the new session (only its LFP is used)")
    adapt.add_argument("--session-id", default=None, help="name of the new read-in")
    _model_output(adapt)
    _training_arguments(adapt)
    adapt.set_defaults(func=_adapt)

    decode = commands.add_parser("decode", help="decode behaviour from an LFP model's latents (held-out trials)")
    decode.add_argument("model", help="LFP model folder")
    decode.add_argument("session", help="NWB file with LFP, behaviour and trials")
    decode.add_argument("--session-id", default=None, help="read-in to use (default: adapted, or by channel count)")
    decode.add_argument("--figure", default=None, help="write true vs decoded behaviour here (PNG, PDF, ...)")
    decode.set_defaults(func=_decode)

    latents = commands.add_parser("latents", help="write an LFP model's latents into a session's NWB file")
    latents.add_argument("model", help="LFP model folder with a read-in for the session (adapt it first)")
    latents.add_argument("session", help="NWB file (HDF5 or Zarr) with the session's LFP")
    latents.add_argument("--name", default="lfp_latents", help="name of the TimeSeries in processing/ecephys")
    latents.add_argument("--session-id", default=None, help="read-in to use (default: adapted, or by channel count)")
    latents.add_argument(
        "--electrical-series-path",
        default=None,
        help="the LFP ElectricalSeries inside the file (default: processing/ecephys/LFP/ElectricalSeriesLFP)",
    )
    latents.add_argument("--overwrite", action="store_true", help="replace latents of the same name (else kept)")
    latents.set_defaults(func=_latents)

    demo = commands.add_parser("demo", help="generated sessions -> teacher -> student -> unseen session -> NWB")
    demo.add_argument("--output", default="xmodal_distill_demo", help="output folder")
    demo.add_argument("--sessions", type=int, default=3, help="generated sessions (the last is never distilled)")
    demo.add_argument("--trials", type=int, default=20, help="trials per session")
    demo.add_argument("--max-epochs", type=int, default=8, help="upper bound on epochs per model")
    demo.add_argument("--seed", type=int, default=0, help="seed of sessions and models")
    demo.add_argument("--no-progress", action="store_true", help="hide progress bars")
    demo.set_defaults(func=_demo)
    return parser
