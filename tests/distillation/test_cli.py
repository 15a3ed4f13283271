"""``xmodal distill``: teacher, student, baseline, adapt and decode on NWB sessions, errors on one line."""

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
