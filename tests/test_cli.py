import json

import spikeinterface.core as si

from spikeinterface_xmodal.cli import main
from spikeinterface_xmodal.demo import run_demo
from spikeinterface_xmodal.nwb import read_predictions


def test_train_then_predict_from_the_shell(region_sessions, tmp_path, capsys):
    recordings = []
    for i, session in enumerate(region_sessions[:2]):
        recordings.append(str(tmp_path / f"rec{i}"))
        session.lfp.save(folder=recordings[-1])
    model = tmp_path / "model"
    assert main(["region", "train", *recordings, "--output", str(model), "--n-windows", "3", "--no-progress"]) == 0
    card = json.loads((model / "card.json").read_text())
    assert card["training_data"]["n_sessions"] == 2
    # the shell trains the same default model as the library
    assert (card["feature_set"], card["classifier"]) == ("lfp+depth", "hgb") and card["smoothing"] is not None

    held_out = region_sessions[3]
    lfp_folder = tmp_path / "lfp"
    held_out.lfp.save(folder=lfp_folder)
    analyzer_folder = tmp_path / "analyzer"
    analyzer = si.create_sorting_analyzer(
        held_out.sorting, held_out.recording, format="binary_folder", folder=analyzer_folder, sparse=False
    )
    analyzer.compute(["random_spikes", "templates"])
    figure = tmp_path / "regions.png"
    capsys.readouterr()
    args = ["region", "predict", str(analyzer_folder), "--model", str(model), "--lfp", str(lfp_folder)]
    assert main([*args, "--figure", str(figure), "--n-windows", "3", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "predicted_region" in printed and figure.stat().st_size > 10_000
    reloaded = si.load_sorting_analyzer(analyzer_folder)
    assert len(reloaded.get_extension("lfp_region").get_data()["channels"]) == held_out.lfp.get_num_channels()


def test_shell_errors_are_one_clear_line(tmp_path, capsys):
    assert main(["region", "train", str(tmp_path / "nope"), "--output", str(tmp_path / "m")]) == 2
    assert main(["region", "predict", str(tmp_path / "nope"), "--model", str(tmp_path / "m")]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors == [
        f"xmodal: error: Recording {tmp_path / 'nope'} does not exist",
        f"xmodal: error: SortingAnalyzer folder {tmp_path / 'nope'} does not exist",
    ]


def test_demo_runs_end_to_end(tmp_path):
    results = run_demo(tmp_path / "demo", n_subjects=3, duration_s=12.0, channel_step=8, progress_bar=False)
    written = json.loads((tmp_path / "demo" / "demo_results.json").read_text())
    assert written["held_out_scores"]["balanced_accuracy"] == results["held_out_scores"]["balanced_accuracy"]
    assert (tmp_path / "demo" / "region_profile.png").stat().st_size > 10_000
    assert set(written["held_out_scores"]["per_region"]) >= {"HPF", "TH"}
    stored = read_predictions(written["nwb_file"])["lfp_region"]
    assert len(stored) == 48 and set(stored["predicted_region"]) <= {"HPF", "Isocortex", "TH", "WM", "void"}
