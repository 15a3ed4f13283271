"""``xmodal patchseq features|train|predict|write`` and ``xmodal demo patchseq``: results, and one-line errors."""

import pandas as pd
import pytest

from spikeinterface_xmodal import load_model
from spikeinterface_xmodal.cli import build_parser, main
from spikeinterface_xmodal.nwb import read_predictions
from spikeinterface_xmodal.patchseq.features import LONG_SQUARE_FEATURES, REASON_COLUMN

pytestmark = pytest.mark.slow


def _one_line_error(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err, err


def test_features_command_writes_one_row_per_cell(generated_nwb_folder, tmp_path, capsys):
    output = tmp_path / "features.csv"
    assert main(["patchseq", "features", str(generated_nwb_folder / "Vip_000.nwb"), "--output", str(output)]) == 0
    table = pd.read_csv(output, keep_default_na=False, na_values=[""])
    assert table["cell_id"].tolist() == ["Vip_000"] and set(LONG_SQUARE_FEATURES) <= set(table.columns)
    assert REASON_COLUMN in table.columns and "wrote features of 1 cells" in capsys.readouterr().out


def test_train_then_predict_then_write(generated_features, nwb_copies, tmp_path, capsys):
    csv = tmp_path / "labelled.csv"
    generated_features.to_csv(csv, index=False)
    model = tmp_path / "model"
    argv = ["patchseq", "train", str(csv), "--estimator", "random_forest", "--n-estimators", "20"]
    argv += ["--oversample", "smote", "--output", str(model)]
    assert main(argv) == 0
    assert (model / "card.json").is_file()
    assert load_model(model).oversample == "smote"

    paths = [str(p) for p in nwb_copies]
    # features are recomputed from the files: keep it to one file
    assert main(["patchseq", "predict", paths[1], "--model", str(model)]) == 0
    assert "Pvalb_000" in capsys.readouterr().out and read_predictions(paths[1]) == {}
    assert main(["patchseq", "write", paths[1], "--model", str(model), "--name", "subclass_rf"]) == 0
    assert "subclass_rf" in read_predictions(paths[1])
    _one_line_error(capsys, ["patchseq", "write", paths[1], "--model", str(model), "--name", "subclass_rf"], "already")


def test_bad_input_fails_with_one_line(generated_features, nwb_copies, tmp_path, capsys):
    missing = str(tmp_path / "missing.nwb")
    _one_line_error(capsys, ["patchseq", "features", missing, "--output", str(tmp_path / "f.csv")], "missing.nwb")
    _one_line_error(capsys, ["patchseq", "predict", str(nwb_copies[0]), "--model", str(tmp_path / "none")], "none")
    csv = tmp_path / "unlabelled.csv"
    generated_features.drop(columns="subclass").to_csv(csv, index=False)
    argv = ["patchseq", "train", str(csv), "--output", str(tmp_path / "m")]
    _one_line_error(capsys, argv, "no label column 'subclass'")
    argv = ["patchseq", "train", str(csv), "--estimator", "family_attention", "--n-estimators", "5", "--output", "m"]
    _one_line_error(capsys, argv, "--n-estimators sets the trees of random_forest and gouwens")


def test_demo_patchseq_is_a_demo_choice():
    args = build_parser().parse_args(["demo", "patchseq", "--cells", "2"])
    assert (args.which, args.cells) == ("patchseq", 2)
    assert build_parser().parse_args(["demo"]).which == "region"
