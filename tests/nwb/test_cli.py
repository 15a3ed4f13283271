"""The ``xmodal nwb`` subcommand."""

from __future__ import annotations

import argparse

import pytest
import spikeinterface

from spikeinterface_xmodal.nwb import read_predictions
from spikeinterface_xmodal.nwb.cli import add_nwb_parser
from tests.nwb.conftest import region_predictions


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="xmodal")
    add_nwb_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_write_then_show(mock_path, monkeypatch, capsys):
    result = region_predictions([0, 1, 2, 3, 4])
    monkeypatch.setattr(spikeinterface, "load_sorting_analyzer", lambda folder: result)
    with pytest.warns(UserWarning, match="matched by electrode 'id'"):  # the mock file has no channel_name
        assert _run("nwb", "write", "analyzer_folder", str(mock_path), "--name", "cli_region") == 0
    assert read_predictions(mock_path)["cli_region"].attrs["model_name"] == result.model_name
    capsys.readouterr()
    assert _run("nwb", "show", str(mock_path)) == 0
    shown = capsys.readouterr().out
    assert "cli_region (region, 5 rows, Allen CCF)" in shown
    assert "lfp2vec-test" in shown


def test_write_from_saved_analyzer_without_extension_fails_clearly(mock_path, tmp_path):
    from spikeinterface.core import create_sorting_analyzer, generate_ground_truth_recording

    recording, sorting = generate_ground_truth_recording(durations=[0.5], num_channels=4, num_units=2, seed=0)
    folder = tmp_path / "analyzer"
    create_sorting_analyzer(sorting, recording, format="binary_folder", folder=folder, sparse=False)
    with pytest.raises(ValueError, match="no 'lfp_region' extension"):
        _run("nwb", "write", str(folder), str(mock_path))


def test_show_file_without_tables(mock_path, capsys):
    assert _run("nwb", "show", str(mock_path)) == 0
    assert "no ndx-xmodal prediction tables" in capsys.readouterr().out
