import argparse
import contextlib
import inspect
import io
import json
import re
import stat

import pandas as pd
import pytest
import spikeinterface.core as si

from spikeinterface_xmodal.analyzer.lfp_region import ComputeLfpRegion
from spikeinterface_xmodal.cli import build_parser, main
from spikeinterface_xmodal.demo import run_demo
from spikeinterface_xmodal.model_folder import read_model_card, save_model_folder
from spikeinterface_xmodal.nwb import read_predictions
from spikeinterface_xmodal.training import fit_region_baseline

# what a tqdm bar prints, e.g. "tokenizing sessions:  50%|#####     | 1/2 [00:01<00:01,  1.2s/it]"
PROGRESS_BAR = re.compile(r"\d+%\|")


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_train_then_predict_from_the_shell(region_sessions, tmp_path, capfd):
    recordings = []
    for i, session in enumerate(region_sessions[:2]):
        recordings.append(str(tmp_path / f"rec{i}"))
        session.lfp.save(folder=recordings[-1])
    model = tmp_path / "model"
    capfd.readouterr()
    assert main(["region", "train", *recordings, "--output", str(model), "--n-windows", "3", "--no-progress"]) == 0
    assert not PROGRESS_BAR.search(capfd.readouterr().err)
    card = json.loads((model / "card.json").read_text())
    assert card["training_data"]["n_sessions"] == 2
    # the shell trains the same default model as the library
    assert (card["feature_set"], card["classifier"]) == ("lfp+depth", "hgb") and card["smoothing"] is not None
    # colleagues can read it: the model folder and its files have the modes of any new folder and file
    (tmp_path / "plain_folder").mkdir()
    (tmp_path / "plain_file").write_bytes(b"")
    assert _mode(model) == _mode(tmp_path / "plain_folder")
    assert {_mode(path) for path in model.iterdir()} == {_mode(tmp_path / "plain_file")}

    held_out = region_sessions[3]
    lfp_folder = tmp_path / "lfp"
    held_out.lfp.save(folder=lfp_folder)
    analyzer_folder = tmp_path / "analyzer"
    analyzer = si.create_sorting_analyzer(
        held_out.sorting, held_out.recording, format="binary_folder", folder=analyzer_folder, sparse=False
    )
    analyzer.compute(["random_spikes", "templates"])
    figure = tmp_path / "regions.png"
    args = ["region", "predict", str(analyzer_folder), "--model", str(model), "--lfp", str(lfp_folder)]
    capfd.readouterr()
    assert main([*args, "--n-windows", "3"]) == 0
    assert PROGRESS_BAR.search(capfd.readouterr().err)  # bars show by default (so the check below can see one)
    assert main([*args, "--figure", str(figure), "--n-windows", "3", "--no-progress"]) == 0
    printed = capfd.readouterr()
    assert not PROGRESS_BAR.search(printed.err)
    assert "predicted_region" in printed.out and figure.stat().st_size > 10_000
    reloaded = si.load_sorting_analyzer(analyzer_folder)
    saved = reloaded.get_extension("lfp_region").get_data()["channels"]
    assert len(saved) == held_out.lfp.get_num_channels()

    # a predict that fails (a typo in the model path) keeps the saved results
    capfd.readouterr()
    assert main(["region", "predict", str(analyzer_folder), "--model", str(tmp_path / "modle"), "--no-progress"]) == 2
    assert len(capfd.readouterr().err.strip().splitlines()) == 1
    after = si.load_sorting_analyzer(analyzer_folder)
    pd.testing.assert_frame_equal(after.get_extension("lfp_region").get_data()["channels"], saved)


def test_shell_errors_are_one_clear_line(tmp_path, capsys):
    assert main(["region", "train", str(tmp_path / "nope"), "--output", str(tmp_path / "m")]) == 2
    assert main(["region", "predict", str(tmp_path / "nope"), "--model", str(tmp_path / "m")]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors == [
        f"xmodal: error: Recording {tmp_path / 'nope'} does not exist",
        f"xmodal: error: SortingAnalyzer folder {tmp_path / 'nope'} does not exist",
    ]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple:
    """The demo run once without progress bars: its output folder, returned results and stderr."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):  # tqdm writes to the sys.stderr of the moment
        results = run_demo(folder, n_subjects=3, duration_s=12.0, channel_step=8, progress_bar=False)
    return folder, results, stderr.getvalue()


def test_demo_runs_end_to_end(demo_run):
    folder, results, _ = demo_run
    written = json.loads((folder / "demo_results.json").read_text())
    assert written["held_out_scores"]["balanced_accuracy"] == results["held_out_scores"]["balanced_accuracy"]
    assert (folder / "region_profile.png").stat().st_size > 10_000
    assert set(written["held_out_scores"]["per_region"]) >= {"HPF", "TH"}
    stored = read_predictions(written["nwb_file"])["lfp_region"]
    assert len(stored) == 48 and set(stored["predicted_region"]) <= {"HPF", "Isocortex", "TH", "WM", "void"}


def test_demo_without_progress_shows_no_bar(demo_run):
    assert not PROGRESS_BAR.search(demo_run[2])


@pytest.fixture
def saved_recording(make_sine_recording, tmp_path) -> str:
    """A short two-channel recording saved in ``tmp_path / "rec"``."""
    folder = tmp_path / "rec"
    make_sine_recording([2.0, 6.0], duration_s=2.0).save(folder=folder, progress_bar=False)
    return str(folder)


@pytest.fixture
def no_training(monkeypatch) -> list:
    """Replace ``fit_region_baseline`` by a stub that records its calls, to show a command failed before training."""
    calls = []

    def fit(*args, **kwargs):
        calls.append(kwargs)
        raise RuntimeError("training started")

    monkeypatch.setattr("spikeinterface_xmodal.training.fit_region_baseline", fit)
    return calls


@pytest.mark.parametrize(
    "output, message",
    [
        (".", "working directory"),
        ("{tmp}/work", "working directory"),
        ("..", "working directory"),
        ("{tmp}", "working directory"),
        ("{tmp}/data", "is not a model folder"),
    ],
)
def test_train_refuses_to_replace_anything_but_a_model_folder(
    saved_recording, tmp_path, monkeypatch, capsys, no_training, output, message
):
    # everything happens inside tmp_path: a regression can only delete test files
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "notes.txt").write_text("keep")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "recording.bin").write_bytes(b"keep")
    monkeypatch.chdir(tmp_path / "work")
    output = output.format(tmp=tmp_path)
    assert main(["region", "train", saved_recording, "--output", output, "--overwrite"]) == 2
    assert main(["region", "train", saved_recording, "--output", output]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and message in errors[0] and "already exists; pass overwrite=True" in errors[1]
    assert no_training == []
    assert (tmp_path / "work" / "notes.txt").read_text() == "keep"
    assert (tmp_path / "data" / "recording.bin").read_bytes() == b"keep"


def test_train_replaces_a_model_folder_with_overwrite(saved_recording, tmp_path, monkeypatch, no_training):
    monkeypatch.chdir(tmp_path)
    save_model_folder(tmp_path / "m", dict(kind="toy", classes=["a"]), lambda folder: None)
    assert main(["region", "train", saved_recording, "--output", "m", "--overwrite"]) == 2
    assert len(no_training) == 1 and no_training[0]["overwrite"]  # it got as far as training
    assert read_model_card(tmp_path / "m")["kind"] == "toy"


@pytest.mark.parametrize(
    "error, expected",
    [
        (PermissionError(13, "Permission denied", "/data/rec"), "[Errno 13] Permission denied: '/data/rec'"),
        (OSError(28, "No space left on device"), "[Errno 28] No space left on device"),
        (ValueError("bad\nvalue"), "bad value"),
        (KeyError("kind"), "unexpected KeyError: 'kind' (a bug? rerun as `xmodal --debug ...`"),
        (RuntimeError(), "unexpected RuntimeError (a bug? rerun as `xmodal --debug ...`"),
    ],
)
def test_every_error_is_one_line_and_exit_code_2(saved_recording, tmp_path, monkeypatch, capsys, error, expected):
    def fit(*args, **kwargs):
        raise error

    monkeypatch.setattr("spikeinterface_xmodal.training.fit_region_baseline", fit)
    command = ["region", "train", saved_recording, "--output", str(tmp_path / "m")]
    assert main(command) == 2
    printed = capsys.readouterr()
    assert printed.err.startswith(f"xmodal: error: {expected}") and printed.err.count("\n") == 1
    assert printed.out == ""
    # --debug shows the full traceback instead
    with pytest.raises(type(error)):
        main(["--debug", *command])


def test_interrupt_exits_130(tmp_path, monkeypatch, capsys):
    def load(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(si, "load", load)
    assert main(["region", "train", str(tmp_path), "--output", str(tmp_path / "m")]) == 130
    assert capsys.readouterr().err == "xmodal: interrupted\n"


def test_inputs_of_the_wrong_kind_are_named(make_sine_recording, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not a recording")
    recording = make_sine_recording([2.0, 6.0], duration_s=2.0)
    sorting = si.generate_sorting(num_units=2, durations=[2.0], sampling_frequency=2500.0, seed=0)
    analyzer = si.create_sorting_analyzer(sorting, recording, format="binary_folder", folder=tmp_path / "analyzer")
    capsys.readouterr()
    model = ["--model", str(tmp_path / "empty")]
    commands = [
        ["region", "train", str(tmp_path / "empty"), "--output", str(tmp_path / "m")],
        ["region", "train", str(tmp_path / "analyzer"), "--output", str(tmp_path / "m")],
        ["region", "predict", str(tmp_path / "notes.txt"), *model],
        ["region", "predict", str(tmp_path / "analyzer"), *model, "--lfp", str(tmp_path / "analyzer")],
        ["region", "predict", str(tmp_path / "analyzer"), *model, "--figure", str(tmp_path / "no" / "f.png")],
        ["region", "predict", str(tmp_path / "analyzer"), *model, "--figure", str(tmp_path / "f.docx")],
        ["region", "predict", str(tmp_path / "analyzer"), *model],
        ["nwb", "show", str(tmp_path / "notes.txt")],
    ]
    for command in commands:
        assert main(command) == 2, command
    errors = capsys.readouterr().err.splitlines()
    assert [line.split(": ", 2)[:2] for line in errors] == [["xmodal", "error"]] * len(commands)
    assert "is not a saved SpikeInterface recording" in errors[0] and str(tmp_path / "empty") in errors[0]
    assert "is a SortingAnalyzer, not a recording" in errors[1]
    assert "is not a saved SortingAnalyzer" in errors[2]
    assert "LFP recording" in errors[3] and "is a SortingAnalyzer, not a recording" in errors[3]
    assert f"the folder of the figure {tmp_path / 'no' / 'f.png'} does not exist" in errors[4]
    assert "'.docx'" in errors[5] and "png" in errors[5]
    assert f"{tmp_path / 'empty'} is not a model folder" in errors[6]
    assert not analyzer.has_extension("lfp_region")  # the figure was checked before computing


def test_arguments_are_checked_before_any_work(tmp_path, capsys, no_training):
    for option, value in [("--n-windows", "0"), ("--sampling-frequency", "nan"), ("--chunk-duration", "10")]:
        with pytest.raises(SystemExit) as exit_info:
            main(["region", "train", str(tmp_path), "--output", str(tmp_path / "m"), option, value])
        errors = capsys.readouterr().err.splitlines()
        assert exit_info.value.code == 2 and len(errors) == 1 and f"argument {option}: " in errors[0]
    assert no_training == []


def _parsers(parser: argparse.ArgumentParser):
    """The parser and those of all its subcommands, with their command lines."""
    yield parser.prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_help_of_every_subcommand_shows_the_defaults(capsys):
    shown = 0
    for prog, parser in _parsers(build_parser()):
        text = " ".join(parser.format_help().split())  # unwrapped
        for action in parser._actions:
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
                assert f"(default: {action.default})" in text, (prog, action.dest)
                shown += 1
    assert shown >= 18
    with pytest.raises(SystemExit):
        main(["region", "train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: lfp+depth)" in text and "(default: hgb)" in text and "(default: 2500.0)" in text


def _library_defaults(function) -> dict:
    return {name: p.default for name, p in inspect.signature(function).parameters.items()}


def test_shell_defaults_are_the_library_defaults():
    parser = build_parser()
    train = vars(parser.parse_args(["region", "train", "rec", "--output", "m"]))
    fit = _library_defaults(fit_region_baseline)
    names = ["label_property", "ontology", "feature_set", "classifier", "sampling_frequency", "n_windows", "seed"]
    assert {name: train[name] for name in names} == {name: fit[name] for name in names}
    assert (not train["no_smoothing"], train["overwrite"]) == (fit["smoothing"], fit["overwrite"])
    predict = vars(parser.parse_args(["region", "predict", "analyzer", "--model", "m"]))
    lfp_region = _library_defaults(ComputeLfpRegion._set_params)
    assert (predict["n_windows"], not predict["no_smoothing"]) == (lfp_region["n_windows"], lfp_region["smoothing"])
    demo = vars(parser.parse_args(["demo"]))
    assert _library_defaults(run_demo) == dict(
        output_folder=demo["output"],
        n_subjects=demo["subjects"],
        duration_s=demo["duration"],
        channel_step=demo["channel_step"],
        seed=demo["seed"],
        n_jobs=demo["n_jobs"],
        progress_bar=not demo["no_progress"],
    )
