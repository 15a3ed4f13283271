"""The Lfp2Vec shell commands: pretrain (on 2 CPU processes with DDP / gloo), train --kind lfp2vec, defaults."""

import inspect
import json
import os
import subprocess
import sys

import pytest

from spikeinterface_xmodal.cli import build_parser, main
from spikeinterface_xmodal.model_folder import read_model_card
from spikeinterface_xmodal.training import TrainerSettings, fit_lfp2vec_region, pretrain_lfp2vec

from ..models.tiny_lfp2vec import TINY


@pytest.fixture(scope="module")
def saved(region_sessions, tmp_path_factory):
    """Three generated sessions saved as binary folders, and the tiny config as a JSON file."""
    folder = tmp_path_factory.mktemp("lfp2vec_cli")
    paths = []
    for i, session in enumerate(region_sessions[:3]):
        session.lfp.save(folder=folder / f"rec{i}", verbose=False, progress_bar=False)
        paths.append(str(folder / f"rec{i}"))
    (folder / "tiny.json").write_text(json.dumps(TINY))
    return paths, str(folder / "tiny.json")


def test_train_kind_lfp2vec_from_the_shell(saved, tmp_path, capsys):
    recordings, config = saved
    command = ["region", "train", *recordings, "--kind", "lfp2vec", "--config", config, "--output", str(tmp_path / "m")]
    options = ["--n-windows", "2", "--max-epochs", "1", "--min-channels-per-class", "3", "--no-progress"]
    assert main([*command, *options]) == 0
    assert "Model saved to" in capsys.readouterr().out
    card = read_model_card(tmp_path / "m", expected_kind="lfp2vec_region")
    assert card["lfp2vec"]["hidden_size"] == TINY["hidden_size"] and card["training_data"]["n_sessions"] == 2


def test_pretrain_errors_are_one_line(saved, tmp_path, capsys):
    recordings, _ = saved
    assert main(["region", "pretrain", *recordings, "--output", str(tmp_path / "p"), "--n-windows", "99"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "fewer than the n_windows=99" in err
    with pytest.raises(SystemExit):
        main(["region", "pretrain", *recordings, "--output", str(tmp_path / "p"), "--config", "huge"])
    assert "must be one of small, base or a JSON file" in capsys.readouterr().err


def test_shell_defaults_are_the_library_defaults():
    pretrain = vars(build_parser().parse_args(["region", "pretrain", "rec", "--output", "m"]))
    library = {name: p.default for name, p in inspect.signature(pretrain_lfp2vec).parameters.items()}
    settings = TrainerSettings()
    assert (pretrain["config"], pretrain["n_windows"], pretrain["channels_per_window"]) == (
        library["config"],
        library["n_windows"],
        library["channels_per_window"],
    )
    for name in ("max_epochs", "batch_size", "patience", "accelerator", "devices", "strategy", "num_nodes", "seed"):
        assert pretrain[name] == getattr(settings, name), name
    train = vars(build_parser().parse_args(["region", "train", "rec", "--output", "m"]))
    fit = {name: p.default for name, p in inspect.signature(fit_lfp2vec_region).parameters.items()}
    assert (train["kind"], train["n_windows"], train["freeze_encoder"]) == ("baseline", fit["n_windows"], False)
    assert train["min_channels_per_class"] == fit["min_channels_per_class"]
    assert (not train["no_depth"]) == fit["depth"]


@pytest.mark.slow
def test_pretraining_with_ddp_on_two_cpu_processes(saved, tmp_path):
    """The documented DDP command, on the gloo backend: both processes train, one writes the folder."""
    recordings, config = saved
    command = [sys.executable, "-m", "spikeinterface_xmodal.cli", "region", "pretrain", *recordings[:2]]
    command += ["--output", str(tmp_path / "ddp"), "--config", config, "--n-windows", "2", "--channels-per-window", "8"]
    command += ["--max-epochs", "1", "--batch-size", "1", "--devices", "2", "--strategy", "ddp", "--no-progress"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "distributed_backend=gloo" in result.stdout + result.stderr
    assert "Starting with 2 processes" in result.stdout + result.stderr
    card = read_model_card(tmp_path / "ddp", expected_kind="lfp2vec_pretrained")
    assert card["training"]["devices"] == 2 and card["training"]["strategy"] == "ddp"
    assert result.stdout.count("Pretrained encoder saved") == 1
