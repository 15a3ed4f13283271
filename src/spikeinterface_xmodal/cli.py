"""The ``xmodal`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _job_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n-jobs", type=int, default=1, help="parallel jobs (SpikeInterface n_jobs)")
    parser.add_argument("--chunk-duration", default="10s", help="chunk duration, e.g. 10s")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _job_kwargs(args: argparse.Namespace) -> dict:
    return dict(n_jobs=args.n_jobs, chunk_duration=args.chunk_duration, progress_bar=not args.no_progress)


def _existing(path: str, what: str) -> str:
    if not Path(path).exists():
        raise FileNotFoundError(f"{what} {path} does not exist")
    return path


def _run_demo(args: argparse.Namespace) -> None:
    from .demo import run_demo

    run_demo(
        output_folder=args.output,
        n_subjects=args.subjects,
        duration_s=args.duration,
        channel_step=args.channel_step,
        seed=args.seed,
        n_jobs=args.n_jobs,
        progress_bar=not args.no_progress,
    )


def _train_region(args: argparse.Namespace) -> None:
    import spikeinterface.core as si

    from .training import fit_region_baseline

    recordings = [si.load(_existing(path, "Recording")) for path in args.recordings]
    model = fit_region_baseline(
        recordings,
        folder=args.output,
        label_property=args.label_property,
        ontology=args.ontology,
        feature_set=args.feature_set,
        classifier=args.classifier,
        smoothing=not args.no_smoothing,
        sampling_frequency=args.sampling_frequency,
        n_windows=args.n_windows,
        seed=args.seed,
        overwrite=args.overwrite,
        **_job_kwargs(args),
    )
    loso = model.card["metrics"].get("leave_one_session_out")
    if loso:
        print(
            f"leave-one-session-out balanced accuracy {loso['balanced_accuracy']:.3f}, macro-F1 {loso['macro_f1']:.3f}"
        )
    print(f"Model saved to {args.output} (classes: {', '.join(model.classes)})")


def _predict_region(args: argparse.Namespace) -> None:
    import spikeinterface.core as si

    analyzer = si.load_sorting_analyzer(_existing(args.analyzer, "SortingAnalyzer folder"))
    lfp = si.load(_existing(args.lfp, "LFP recording")) if args.lfp else None
    analyzer.compute(
        "lfp_region",
        lfp_recording=lfp,
        model=args.model,
        n_windows=args.n_windows,
        smoothing=not args.no_smoothing,
        **_job_kwargs(args),
    )
    tables = analyzer.get_extension("lfp_region").get_data()
    columns = ["channel_id", "x", "y", "predicted_region", "probability"]
    print(tables["channels"][columns].to_string(index=False))
    if args.figure:
        from .plotting import plot_region_profile

        plot_region_profile(tables["channels"], title=str(args.analyzer)).savefig(args.figure, dpi=110)
        print(f"Figure: {args.figure}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``xmodal``."""
    from .nwb.cli import add_nwb_parser
    from .region_models import CLASSIFIERS, FEATURE_SETS
    from .version import __version__

    parser = argparse.ArgumentParser(prog="xmodal", description="Cross-modal electrophysiology for SpikeInterface")
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the region-localization demo on generated sessions")
    demo.add_argument("--output", default="xmodal_demo", help="output folder")
    demo.add_argument("--subjects", type=int, default=6, help="generated subjects (the last is held out)")
    demo.add_argument("--duration", type=float, default=30.0, help="seconds per session")
    demo.add_argument("--channel-step", type=int, default=4, help="keep every k-th of 384 channels")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--n-jobs", type=int, default=1)
    demo.add_argument("--no-progress", action="store_true")
    demo.set_defaults(func=_run_demo)

    region = commands.add_parser("region", help="brain-region localization from LFP").add_subparsers(
        dest="region_command", required=True
    )
    train = region.add_parser("train", help="train the baseline region model on labelled recordings")
    train.add_argument("recordings", nargs="+", help="saved SpikeInterface recordings (folders or json)")
    train.add_argument("--output", required=True, help="model folder to write")
    train.add_argument("--label-property", default="brain_area", help="channel property with the true region")
    train.add_argument("--ontology", default="unspecified", help="name of the label set")
    train.add_argument("--feature-set", default=FEATURE_SETS[-1], choices=FEATURE_SETS)
    train.add_argument("--classifier", default=CLASSIFIERS[0], choices=CLASSIFIERS)
    train.add_argument("--no-smoothing", action="store_true", help="no HMM smoothing along the probe")
    train.add_argument("--sampling-frequency", type=float, default=2500.0, help="LFP rate of the model (Hz)")
    train.add_argument("--n-windows", type=int, default=20, help="windows per recording")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--overwrite", action="store_true")
    _job_arguments(train)
    train.set_defaults(func=_train_region)

    predict = region.add_parser("predict", help="run lfp_region on a saved SortingAnalyzer")
    predict.add_argument("analyzer", help="SortingAnalyzer folder (binary_folder or zarr)")
    predict.add_argument("--model", required=True, help="region model folder")
    predict.add_argument("--lfp", help="saved LFP recording; default: the analyzer's recording")
    predict.add_argument("--n-windows", type=int, default=20)
    predict.add_argument("--no-smoothing", action="store_true", help="do not smooth along the probe")
    predict.add_argument("--figure", help="write the region profile PNG here")
    _job_arguments(predict)
    predict.set_defaults(func=_predict_region)

    add_nwb_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``xmodal`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError, FileExistsError) as error:
        print(f"xmodal: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
