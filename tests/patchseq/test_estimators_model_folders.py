"""Patch-seq models saved as model folders and loaded back through ``load_model``."""

import json

import numpy as np
import pytest

from spikeinterface_xmodal import load_model
from spikeinterface_xmodal.patchseq import (
    FamilyAttentionClassifier,
    GouwensClassifier,
    RandomForestBaseline,
    load_patchseq_model,
    save_patchseq_model,
)

MODELS = {
    "patchseq_random_forest": lambda: RandomForestBaseline(n_estimators=10),
    "patchseq_gouwens": lambda: GouwensClassifier(n_estimators=10),
    "patchseq_family_attention": lambda: FamilyAttentionClassifier(max_epochs=5),
}


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_round_trip_through_load_model(kind, feature_table, tmp_path):
    X, y, _ = feature_table
    model = MODELS[kind]().fit(X, y)
    folder = save_patchseq_model(model, tmp_path / "model", training={"table": "synthetic", "n_cells": len(X)})
    card = json.loads((folder / "card.json").read_text())
    assert card["kind"] == kind
    assert card["classes"] == ["Lamp5", "Pvalb", "Sst", "Vip"]
    assert card["feature_names"] == list(X.columns)
    assert card["training"]["n_cells"] == 240
    assert not list(folder.glob("*.pkl"))
    loaded = load_model(folder)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X))
    if kind == "patchseq_family_attention":
        np.testing.assert_allclose(loaded.attention_, model.attention_)
        assert list(loaded.families_) == list(model.families_)  # token order survives the sorted JSON card


def test_model_folder_of_another_kind_is_refused(tmp_path):
    from spikeinterface_xmodal.model_folder import save_model_folder

    card = {"kind": "lfp_region_baseline", "classes": ["CA1", "DG"]}
    folder = save_model_folder(tmp_path / "region_model", card, lambda tmp: None)
    with pytest.raises(ValueError, match=r"'lfp_region_baseline' model, not a Patch-seq subclass model"):
        load_patchseq_model(folder)


def test_weights_of_another_kind_are_refused(feature_table, tmp_path):
    X, y, _ = feature_table
    folder = save_patchseq_model(RandomForestBaseline(n_estimators=5).fit(X, y), tmp_path / "model")
    card = json.loads((folder / "card.json").read_text())
    (folder / "card.json").write_text(json.dumps({**card, "kind": "patchseq_gouwens"}))
    with pytest.raises(ValueError, match="corrupt: it holds a RandomForestBaseline"):
        load_model(folder)


def test_unfitted_or_foreign_models_are_not_saved(feature_table, tmp_path):
    X, y, _ = feature_table
    with pytest.raises(TypeError, match="Cannot save a dict"):
        save_patchseq_model({}, tmp_path / "model")
    coded = RandomForestBaseline(n_estimators=5).fit(X, np.searchsorted(sorted(set(y)), y))
    with pytest.raises(ValueError, match="subclass strings"):
        save_patchseq_model(coded, tmp_path / "model")
    assert not (tmp_path / "model").exists()
