"""``xmodal distill``: teacher, student, baseline, adapt and decode on NWB sessions, errors on one line."""

import numpy as np
import pytest

from spikeinterface_xmodal.cli import main

EPOCHS = ["--max-epochs", "1", "--no-progress"]


@pytest.fixture(scope="module")
def nwb_sessions(tmp_path_factory):
    from spikeinterface_xmodal.datasets import generate_latent_sessions, write_latent_session_nwb

    folder = tmp_path_factory.mktemp("cli")
    sessions = generate_latent_sessions(3, n_trials=10, n_units=10, lfp_sampling_frequency=250.0, seed=2)
    return folder, [str(write_latent_session_nwb(s, folder / f"s{i}.nwb")) for i, s in enumerate(sessions)]


@pytest.mark.slow
def test_teacher_student_adapt_decode_from_the_command_line(nwb_sessions, capsys):
    folder, paths = nwb_sessions
    teacher, student, adapted = (str(folder / name) for name in ("teacher", "student", "adapted"))
    assert main(["distill", "teacher", *paths[:2], "--output", teacher, *EPOCHS]) == 0
    assert main(["distill", "student", *paths[:2], "--teacher", teacher, "--output", student, *EPOCHS]) == 0
    assert main(["distill", "adapt", student, paths[2], "--output", adapted, *EPOCHS]) == 0
    figure = folder / "decoded.png"
    assert main(["distill", "decode", adapted, paths[2], "--figure", str(figure)]) == 0
    out = capsys.readouterr().out
    assert "behaviour R^2" in out and figure.is_file()


def test_errors_are_one_line(nwb_sessions, capsys):
    folder, paths = nwb_sessions
    assert main(["distill", "teacher", str(folder / "missing.nwb"), "--output", str(folder / "t2")]) == 2
    assert "missing.nwb does not exist" in capsys.readouterr().err
    assert main(["distill", "decode", str(folder), paths[0]]) == 2
    assert "is not a model folder" in capsys.readouterr().err


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from spikeinterface_xmodal.datasets import write_latent_session_nwb

    from .tiny_latent_models import tiny_latent_models

    models = tiny_latent_models(tmp_path_factory.mktemp("cli_latents"))
    models["nwb"] = write_latent_session_nwb(models["session"], models["student"].parent / "session.nwb")
    return models


def test_latents_written_into_the_nwb_file_once(tiny, capsys):
    from spikeinterface.extractors import read_nwb_recording

    from spikeinterface_xmodal import load_model
    from spikeinterface_xmodal.datasets.latent_sessions_nwb import LFP_SERIES_PATH
    from spikeinterface_xmodal.nwb import read_latents

    path, student = str(tiny["nwb"]), str(tiny["student"])
    assert main(["distill", "latents", student, path]) == 0
    assert "written to" in capsys.readouterr().out
    written = read_latents(path)
    lfp = read_nwb_recording(path, electrical_series_path=LFP_SERIES_PATH)
    times, latents = load_model(student).latents(lfp)
    np.testing.assert_allclose(written.times, times)
    np.testing.assert_allclose(written.latents, latents, atol=1e-5)
    assert written.model_info["role"] == "distilled_lfp"
    assert written.model_info["session_id"] == tiny["session"].session_id
    # already there: kept (and said so) unless --overwrite
    assert main(["distill", "latents", student, path]) == 0
    assert "nothing written" in capsys.readouterr().out
    assert main(["distill", "latents", student, path, "--overwrite"]) == 0
    assert main(["distill", "latents", student, path, "--name", "student_latents"]) == 0
    np.testing.assert_allclose(read_latents(path, "student_latents").latents, latents, atol=1e-5)


def test_latents_errors_are_one_line(tiny, capsys):
    path = str(tiny["nwb"])
    assert main(["distill", "latents", str(tiny["teacher"]), path]) == 2
    assert "lfp_latent_model" in capsys.readouterr().err
    args = ["distill", "latents", str(tiny["student"]), path, "--electrical-series-path", "acquisition/none"]
    assert main([*args, "--name", "other"]) == 2
    assert "no LFP ElectricalSeries at acquisition/none" in capsys.readouterr().err


def test_demo_distill_runs_the_distillation_demo(monkeypatch, tmp_path):
    import spikeinterface_xmodal.distillation.demo as demo

    calls = []
    monkeypatch.setattr(demo, "run_distillation_demo", lambda **kwargs: calls.append(kwargs))
    assert main(["demo", "distill", "--output", str(tmp_path), "--seed", "3", "--no-progress"]) == 0
    assert calls == [dict(output_folder=tmp_path / "distill", seed=3, progress_bar=False, n_jobs=1)]


def test_distill_demo_defaults_are_the_library_defaults():
    import inspect

    from spikeinterface_xmodal.cli import build_parser
    from spikeinterface_xmodal.distillation.demo import run_distillation_demo

    shell = vars(build_parser().parse_args(["distill", "demo"]))
    library = inspect.signature(run_distillation_demo).parameters
    pairs = dict(sessions="n_sessions", trials="n_trials", max_epochs="max_epochs", seed="seed")
    assert {flag: shell[flag] for flag in pairs} == {flag: library[name].default for flag, name in pairs.items()}


def test_training_commands_share_the_lightning_options():
    from spikeinterface_xmodal.cli import build_parser

    parser = build_parser()
    distill = parser.parse_args(["distill", "teacher", "s.nwb", "--output", "t", "--devices", "2", "--num-nodes", "3"])
    pretrain = parser.parse_args(["region", "pretrain", "rec/", "--output", "p", "--devices", "2", "--num-nodes", "3"])
    for args in (distill, pretrain):
        assert (args.devices, args.num_nodes, args.accelerator, args.strategy) == (2, 3, "cpu", "auto")
    with pytest.raises(SystemExit):  # a device count is a positive integer, for every training command
        parser.parse_args(["distill", "teacher", "s.nwb", "--output", "t", "--devices", "two"])
