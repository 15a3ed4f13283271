"""The ``xmodal`` command.

Every error ends the command with one line on stderr and exit code 2 (``main`` is the one place that turns
exceptions into that line, for the ``nwb`` subcommands too); ``xmodal --debug ...`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from spikeinterface.core import BaseRecording

# Defaults that the library does not name yet: the keyword defaults of ``training.fit_region_baseline``,
# the ``lfp_region`` extension and ``demo.run_demo`` (tests/test_cli.py checks that they agree). They belong
# beside those functions; move them there when those modules are next touched.
DEFAULT_N_WINDOWS = 20
DEFAULT_LABEL_PROPERTY = "brain_area"
DEFAULT_ONTOLOGY = "unspecified"
DEFAULT_CHUNK_DURATION = "10s"
DEMO_OUTPUT_FOLDER = "xmodal_demo"
DEMO_N_SUBJECTS = 6
DEMO_DURATION_S = 30.0
DEMO_CHANNEL_STEP = 4

# errors that describe bad input or a failing file system; anything else is reported as a possible bug
_USER_ERRORS = (ValueError, TypeError, OSError)


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except for on/off flags and options without one."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)


class _ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose help shows defaults and whose usage errors are one line.

    Its subcommands' parsers (``nwb.cli``'s too) are of this class.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Exit with code 2 after one line naming the problem (argparse would print the usage first)."""
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    """An argparse type: a finite number of ``kind`` above zero."""

    def parse(text: str) -> int | float:
        value = kind(text)
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in "invalid int value: ..."
    return parse


def _duration(text: str) -> str:
    """An argparse type: a SpikeInterface chunk duration such as ``10s`` or ``500ms``."""
    number = text.removesuffix("ms") if text.endswith("ms") else text.removesuffix("s")
    try:
        valid = number != text and math.isfinite(float(number)) and float(number) > 0
    except ValueError:
        valid = False
    if not valid:
        raise argparse.ArgumentTypeError(f"must be a positive duration in s or ms such as 10s or 500ms, got {text!r}")
    return text


def _progress_and_jobs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n-jobs", type=int, default=1, help="parallel jobs (SpikeInterface n_jobs)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _job_arguments(parser: argparse.ArgumentParser) -> None:
    _progress_and_jobs(parser)
    parser.add_argument("--chunk-duration", type=_duration, default=DEFAULT_CHUNK_DURATION, help="chunk duration")


def _job_kwargs(args: argparse.Namespace) -> dict:
    return dict(n_jobs=args.n_jobs, chunk_duration=args.chunk_duration, progress_bar=not args.no_progress)


def _existing(path: str, what: str) -> str:
    if not Path(path).exists():
        raise FileNotFoundError(f"{what} {path} does not exist")
    return path


def _load(path: str, what: str, load: Callable[[str], object], saved_as: str) -> object:
    """``load(path)``, with a clear error naming ``what`` when the path is missing or holds something else."""
    try:
        return load(_existing(path, what))
    except OSError:  # missing, unreadable: the message says so
        raise
    except Exception as error:  # SpikeInterface's loaders fail with many types (even UnboundLocalError) here
        raise ValueError(
            f"{what} {path} is not a saved {saved_as} (`xmodal --debug ...` shows why it could not be loaded)"
        ) from error


def _load_recording(path: str, what: str) -> BaseRecording:
    """A recording saved by SpikeInterface (folder or JSON), or a clear error naming ``what`` and the path."""
    import spikeinterface.core as si

    recording = _load(path, what, si.load, "SpikeInterface recording")
    if not isinstance(recording, si.BaseRecording):
        raise ValueError(f"{what} {path} is a {type(recording).__name__}, not a recording")
    return recording


def _check_figure_path(path: str) -> None:
    """A clear error before any work when the figure could not be written at ``path``."""
    from matplotlib.backend_bases import FigureCanvasBase

    folder, suffix = Path(path).parent, Path(path).suffix.lower().removeprefix(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"the folder of the figure {path} does not exist")
    formats = FigureCanvasBase.get_supported_filetypes()
    if suffix and suffix not in formats:
        raise ValueError(f"cannot write a figure as '.{suffix}' ({path}); use one of {', '.join(sorted(formats))}")


def _run_demo(args: argparse.Namespace) -> None:
    if args.which == "patchseq":
        from .patchseq.demo import run_patchseq_demo

        run_patchseq_demo(output_folder=Path(args.output) / "patchseq", n_cells=args.cells, seed=args.seed)
        return
    if args.which == "distill":
        from .distillation.demo import run_distillation_demo

        run_distillation_demo(
            output_folder=Path(args.output) / "distill",
            seed=args.seed,
            progress_bar=not args.no_progress,
            n_jobs=args.n_jobs,
        )
        return
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
    if args.kind == "lfp2vec":
        from .training.lfp2vec_cli import train_lfp2vec

        return train_lfp2vec(args)
    from .model_folder import check_model_folder_writable
    from .training import fit_region_baseline

    check_model_folder_writable(args.output, args.overwrite)
    recordings = [_load_recording(path, "Recording") for path in args.recordings]
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

    if args.figure:
        _check_figure_path(args.figure)
    analyzer = _load(args.analyzer, "SortingAnalyzer folder", si.load_sorting_analyzer, "SortingAnalyzer")
    lfp = _load_recording(args.lfp, "LFP recording") if args.lfp else None
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
    """The argument parser of ``xmodal``; the ``--help`` of every subcommand shows the defaults.

    Returns
    -------
    argparse.ArgumentParser
        Parsed arguments carry ``func``, the subcommand to call with them, and ``debug``.
    """
    from .distillation.cli import add_distill_parser
    from .nwb.cli import add_nwb_parser
    from .patchseq.cli import add_patchseq_parser
    from .pipelines.cli import add_region_pipeline_parsers
    from .preprocessing import DEFAULT_LFP_SAMPLING_FREQUENCY
    from .region_models import CLASSIFIERS, DEFAULT_CLASSIFIER, DEFAULT_FEATURE_SET, FEATURE_SETS
    from .training.lfp2vec_cli import add_lfp2vec_train_arguments, add_pretrain_parser
    from .version import __version__

    parser = _ArgumentParser(prog="xmodal", description="Cross-modal electrophysiology for SpikeInterface")
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the region-localization (or Patch-seq) demo on generated data")
    demo.add_argument(
        "which",
        nargs="?",
        choices=("region", "patchseq", "distill"),
        default="region",
        help="region localization, Patch-seq, or spike-to-LFP distillation",
    )
    demo.add_argument("--output", default=DEMO_OUTPUT_FOLDER, help="output folder (patchseq, distill: its subfolder)")
    demo.add_argument("--cells", type=_positive(int), default=5, help="patchseq: training cells per subclass")
    demo.add_argument(
        "--subjects", type=_positive(int), default=DEMO_N_SUBJECTS, help="generated subjects (the last is held out)"
    )
    demo.add_argument("--duration", type=_positive(float), default=DEMO_DURATION_S, help="seconds per session")
    demo.add_argument(
        "--channel-step", type=_positive(int), default=DEMO_CHANNEL_STEP, help="keep every k-th of 384 channels"
    )
    demo.add_argument("--seed", type=int, default=0, help="seed of the generated sessions and the model")
    _progress_and_jobs(demo)
    demo.set_defaults(func=_run_demo)

    region = commands.add_parser("region", help="brain-region localization from LFP").add_subparsers(
        dest="region_command", required=True
    )
    train = region.add_parser(
        "train", help="train a region model (the baseline, or --kind lfp2vec) on labelled recordings"
    )
    train.add_argument("recordings", nargs="+", help="saved SpikeInterface recordings (folders or json)")
    train.add_argument("--output", required=True, help="model folder to write")
    train.add_argument("--label-property", default=DEFAULT_LABEL_PROPERTY, help="channel property with the true region")
    train.add_argument("--ontology", default=DEFAULT_ONTOLOGY, help="name of the label set")
    train.add_argument("--feature-set", default=DEFAULT_FEATURE_SET, choices=FEATURE_SETS, help="channel features")
    train.add_argument("--classifier", default=DEFAULT_CLASSIFIER, choices=CLASSIFIERS, help="classifier")
    train.add_argument("--no-smoothing", action="store_true", help="no HMM smoothing along the probe")
    train.add_argument(
        "--sampling-frequency",
        type=_positive(float),
        default=DEFAULT_LFP_SAMPLING_FREQUENCY,
        help="LFP rate of the model (Hz)",
    )
    train.add_argument("--n-windows", type=_positive(int), default=DEFAULT_N_WINDOWS, help="windows per recording")
    train.add_argument("--seed", type=int, default=0, help="seed of the window draws and the classifier")
    train.add_argument("--overwrite", action="store_true", help="replace an existing model folder (nothing else)")
    _job_arguments(train)
    add_lfp2vec_train_arguments(train)
    train.set_defaults(func=_train_region)
    add_pretrain_parser(region)

    predict = region.add_parser("predict", help="run lfp_region on a saved SortingAnalyzer")
    predict.add_argument("analyzer", help="SortingAnalyzer folder (binary_folder or zarr)")
    predict.add_argument("--model", required=True, help="region model folder")
    predict.add_argument("--lfp", help="saved LFP recording; default: the analyzer's recording")
    predict.add_argument("--n-windows", type=_positive(int), default=DEFAULT_N_WINDOWS, help="windows per channel")
    predict.add_argument("--no-smoothing", action="store_true", help="do not smooth along the probe")
    predict.add_argument("--figure", help="write the region profile figure here (PNG, PDF, SVG, ...)")
    _job_arguments(predict)
    predict.set_defaults(func=_predict_region)
    add_region_pipeline_parsers(region)

    add_nwb_parser(commands)
    add_distill_parser(commands)
    add_patchseq_parser(commands)
    return parser


def _error_line(error: Exception) -> str:
    """One line describing ``error``: its message for bad input, a pointer to ``--debug`` for anything else."""
    message = " ".join(str(error).split())
    if isinstance(error, _USER_ERRORS) and message:
        return message
    described = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return f"unexpected {described} (a bug? rerun as `xmodal --debug ...` for the traceback and report it)"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``xmodal`` console script.

    Parameters
    ----------
    argv : sequence of str or None, default: None
        The arguments; None reads ``sys.argv``.

    Returns
    -------
    int
        The exit code: 0 on success, 2 after an error (reported as one line on stderr; with ``--debug`` the
        exception propagates with its traceback instead), 130 when interrupted. Usage errors exit with 2
        through argparse.
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("xmodal: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if args.debug:
            raise
        print(f"xmodal: error: {_error_line(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
