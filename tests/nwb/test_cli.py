"""The ``xmodal nwb`` subcommand."""

from __future__ import annotations

import argparse

import numpy as np
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


def test_write_then_show(mock_path, tmp_path, monkeypatch, capsys):
    result = region_predictions([0, 1, 2, 3, 4])
    monkeypatch.setattr(spikeinterface, "load_sorting_analyzer", lambda folder: result)
    with pytest.warns(UserWarning, match="matched by electrode 'id'"):  # the mock file has no channel_name
        assert _run("nwb", "write", str(tmp_path), str(mock_path), "--name", "cli_region") == 0
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


def test_write_refuses_bad_paths_before_loading_the_analyzer(mock_path, tmp_path, capsys):
    from spikeinterface_xmodal.cli import main

    missing = tmp_path / "no_analyzer"
    assert main(["nwb", "write", str(missing), str(mock_path)]) == 2
    assert capsys.readouterr().err == f"xmodal: error: SortingAnalyzer folder {missing} does not exist\n"
    mock_path.chmod(0o444)
    assert main(["nwb", "write", str(missing), str(mock_path)]) == 2
    assert capsys.readouterr().err.startswith(f"xmodal: error: cannot update {mock_path}: it is read-only")


def test_show_file_without_tables(mock_path, capsys):
    assert _run("nwb", "show", str(mock_path)) == 0
    assert "no ndx-xmodal prediction tables" in capsys.readouterr().out


def test_write_from_a_real_saved_analyzer(region_sessions, region_model_folder, tmp_path, capsys):
    """``xmodal nwb write`` on a binary_folder analyzer with lfp_region, as a user runs it after ``compute``."""
    import spikeinterface.core as si

    from spikeinterface_xmodal.cli import main
    from spikeinterface_xmodal.datasets import write_session_nwb

    session = region_sessions[3]
    folder = tmp_path / "analyzer"
    analyzer = si.create_sorting_analyzer(
        session.sorting, session.recording, format="binary_folder", folder=folder, sparse=False
    )
    analyzer.compute(["random_spikes", "templates"])
    analyzer.compute("lfp_region", lfp_recording=session.lfp, model=region_model_folder, n_windows=2)
    expected = analyzer.get_extension("lfp_region").get_data()["channels"].set_index("channel_id")
    del analyzer
    nwb_path = write_session_nwb(session, tmp_path / "session.nwb")

    assert main(["nwb", "write", str(folder), str(nwb_path), "--electrodes-column", "predicted_region"]) == 0
    assert f"wrote region predictions 'lfp_region' to {nwb_path}" in capsys.readouterr().out
    table = read_predictions(nwb_path)["lfp_region"]
    assert table.attrs["ontology"] == "synthetic" and table.attrs["model_name"] == region_model_folder.name
    expected.index = expected.index.astype(str)
    assert sorted(table.index) == sorted(expected.index)
    assert table["predicted_region"].tolist() == expected.loc[table.index, "predicted_region"].tolist()
    classes = table.attrs["classes"]
    p_columns = [f"p_{c}" for c in classes]
    np.testing.assert_allclose(table[p_columns].to_numpy(), expected.loc[table.index, p_columns].to_numpy())
