"""predict_cells: features -> model -> probabilities (and attention) -> CellSubclassPredictionTable in each file."""

import os

import numpy as np
import pytest

from spikeinterface_xmodal.model_folder import save_model_folder
from spikeinterface_xmodal.nwb import read_predictions
from spikeinterface_xmodal.patchseq import predict_cells
from spikeinterface_xmodal.patchseq.estimators import RandomForestBaseline
from spikeinterface_xmodal.patchseq.features import LONG_SQUARE_FEATURES
from spikeinterface_xmodal.patchseq.model_kinds import save_patchseq_model

pytestmark = pytest.mark.slow
SCALARS = [f for f in LONG_SQUARE_FEATURES if f not in ("rheo_slow_trough_v", "rheo_adp_v", "rheo_slow_trough_t")]


@pytest.fixture(scope="module")
def forest_folder(generated_features, tmp_path_factory):
    """A random forest on the generated cells' scalar features, saved as a model folder."""
    model = RandomForestBaseline(n_estimators=25).fit(generated_features[SCALARS], generated_features["subclass"])
    return save_patchseq_model(model, tmp_path_factory.mktemp("models") / "forest")


def test_predictions_are_written_into_each_file_and_read_back(nwb_copies, forest_folder, generated_features):
    paths = nwb_copies[1:3]
    table = predict_cells(paths, forest_folder, features=generated_features, taxonomy="synthetic")
    assert table["cell_id"].tolist() == ["Pvalb_000", "Sst_000"]
    assert table["predicted_subclass"].tolist() == ["Pvalb", "Sst"]  # its training cells
    probabilities = table[[f"p_{c}" for c in ("Lamp5", "Pvalb", "Sst", "Vip")]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    for path, expected in zip(paths, table["predicted_subclass"], strict=True):
        stored = read_predictions(path)["cell_subclass"]
        assert stored.index.tolist() == [path.stem]  # matched to the intracellular electrode
        assert stored["predicted_subclass"].tolist() == [expected]
        assert stored.attrs["taxonomy"] == "synthetic" and stored.attrs["model_name"] == "forest"


def test_attention_is_written_for_attention_models(nwb_copies, generated_features):
    from spikeinterface_xmodal.patchseq import FamilyAttentionClassifier

    model = FamilyAttentionClassifier(max_epochs=2, width=8, hidden=8)
    model.fit(generated_features[SCALARS], generated_features["subclass"])
    table = predict_cells(nwb_copies[:1], model, features=generated_features)
    attention = table[[c for c in table.columns if c.startswith("attention_")]]
    assert attention.shape[1] == len(model.families_)
    np.testing.assert_allclose(attention.sum(axis=1), 1.0, atol=1e-5)
    stored = read_predictions(nwb_copies[0])["cell_subclass"]
    assert any("attention" in column for column in stored.columns)


def test_an_existing_table_is_refused_before_any_file_is_written(nwb_copies, forest_folder, generated_features):
    first, second = nwb_copies[:2]
    predict_cells([second], forest_folder, features=generated_features)
    before = os.stat(first).st_mtime_ns
    with pytest.raises(ValueError, match="already has a prediction table 'cell_subclass'"):
        predict_cells([first, second], forest_folder, features=generated_features)
    assert os.stat(first).st_mtime_ns == before and "cell_subclass" not in read_predictions(first)
    predict_cells([second], forest_folder, features=generated_features, overwrite=True, taxonomy="again")
    assert read_predictions(second)["cell_subclass"].attrs["taxonomy"] == "again"


def test_write_false_leaves_the_files_alone(nwb_copies, forest_folder, generated_features):
    table = predict_cells(nwb_copies[:2], forest_folder, features=generated_features, write=False)
    assert len(table) == 2 and read_predictions(nwb_copies[0]) == {}


def test_features_missing_model_columns_are_named(nwb_copies, forest_folder, generated_features):
    with pytest.raises(ValueError, match=r"lacks 1 of the 25 features .*rheobase_i"):
        predict_cells(nwb_copies[:1], forest_folder, features=generated_features.drop(columns="rheobase_i"))
    assert read_predictions(nwb_copies[0]) == {}


def test_a_model_folder_of_another_kind_is_refused(nwb_copies, tmp_path):
    folder = save_model_folder(tmp_path / "region", {"kind": "lfp_region_baseline", "classes": ["CA1"]}, lambda _: None)
    with pytest.raises(ValueError, match="not a Patch-seq subclass model"):
        predict_cells(nwb_copies, folder)


def test_an_object_without_predict_proba_is_refused(nwb_copies):
    with pytest.raises(TypeError, match="fitted classifier with `predict_proba`"):
        predict_cells(nwb_copies, object())
