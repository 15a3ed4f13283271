"""SMOTE inside fit: rare subclasses complemented with synthetic cells from the training cells only."""

import numpy as np
import pytest

pytest.importorskip("imblearn")

from spikeinterface_xmodal.patchseq import (
    FamilyAttentionClassifier,
    GouwensClassifier,
    RandomForestBaseline,
    oversampling,
)
from spikeinterface_xmodal.patchseq import estimators as estimators_module
from spikeinterface_xmodal.patchseq.oversampling import oversample_cells


def _imbalanced(feature_table):
    """The synthetic table with Lamp5 cut to a sixth: 60 / 60 / 60 / 10 cells."""
    X, y, _ = feature_table
    lamp5 = np.flatnonzero(y.to_numpy() == "Lamp5")
    keep = np.setdiff1d(np.arange(len(y)), lamp5[10:])
    return X.iloc[keep].reset_index(drop=True), y.iloc[keep].reset_index(drop=True)


def test_smote_balances_the_classes_and_keeps_the_real_cells_first():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (40, 3)), rng.normal(5, 1, (8, 3))])
    y = np.array(["a"] * 40 + ["b"] * 8)
    X_new, y_new = oversample_cells(X, y, "smote", random_state=0)
    assert dict(zip(*np.unique(y_new, return_counts=True), strict=True)) == {"a": 40, "b": 40}
    np.testing.assert_array_equal(X_new[:48], X)
    # synthetic cells lie between real cells of their own class
    synthetic = X_new[48:]
    assert (synthetic.min(axis=0) >= X[40:].min(axis=0) - 1e-9).all()
    assert (synthetic.max(axis=0) <= X[40:].max(axis=0) + 1e-9).all()
    again = oversample_cells(X, y, "smote", random_state=0)[0]
    np.testing.assert_array_equal(X_new, again)


def test_no_oversampling_and_bad_input():
    X, y = np.zeros((4, 2)), np.array(["a", "a", "a", "b"])
    assert oversample_cells(X, y, None, 0)[0] is X
    # a class of one cell has no neighbour to interpolate to: nothing is added
    assert len(oversample_cells(X, y, "smote", 0)[0]) == 4
    with pytest.raises(ValueError, match="oversample must be one of"):
        oversample_cells(X, y, "adasyn", 0)
    with pytest.raises(ValueError, match="impute"):
        oversample_cells(np.full((4, 2), np.nan), np.array(["a", "a", "b", "b"]), "smote", 0)
    with pytest.raises(ValueError, match="oversample"):
        RandomForestBaseline(oversample="adasyn").fit(X, y)


@pytest.mark.parametrize(
    "make",
    [
        lambda: RandomForestBaseline(n_estimators=30, oversample="smote"),
        lambda: GouwensClassifier(n_estimators=30, oversample="smote"),
    ],
    ids=["random_forest", "gouwens"],
)
def test_forests_oversample_only_the_imputed_training_cells(make, feature_table, monkeypatch):
    X, y = _imbalanced(feature_table)
    seen = []

    def spy(X_in, y_in, method, random_state):
        seen.append((X_in.shape, np.isnan(X_in).any(), method))
        return oversample_cells(X_in, y_in, method, random_state)

    monkeypatch.setattr(estimators_module, "oversample_cells", spy)
    model = make().fit(X.iloc[:150], y.iloc[:150])
    assert seen[0][0][0] == 150 and not seen[0][1] and seen[0][2] == "smote"
    # the imputer's medians come from the real training cells, not from synthetic ones
    np.testing.assert_allclose(model.pipeline_[0].statistics_, X.iloc[:150].median().to_numpy())
    assert model.predict_proba(X.iloc[150:]).shape == (len(X) - 150, 4)


def test_attention_oversamples_training_cells_but_not_early_stopping_cells(feature_table, monkeypatch):
    import spikeinterface_xmodal.patchseq.attention as attention_module

    X, y = _imbalanced(feature_table)
    seen = []

    def spy(X_in, y_in, method, random_state):
        result = oversample_cells(X_in, y_in, method, random_state)
        seen.append((len(X_in), len(result[0]), np.bincount(result[1])))
        return result

    monkeypatch.setattr(attention_module, "oversample_cells", spy)
    model = FamilyAttentionClassifier(max_epochs=3, validation_fraction=0.2, oversample="smote").fit(X, y)
    n_valid = round(0.2 * len(y))
    n_in, n_out, counts = seen[0]
    assert n_in == len(y) - n_valid  # the early-stopping cells are held out before SMOTE
    assert n_out > n_in and len(set(counts)) == 1  # balanced training classes
    assert model.predict(X).shape == (len(y),)


def test_smote_is_an_ordinary_parameter(feature_table):
    X, y = _imbalanced(feature_table)
    model = RandomForestBaseline(n_estimators=10)
    assert model.get_params()["oversample"] is None
    model.set_params(oversample="smote").fit(X, y)
    assert set(model.predict(X)) <= set(model.classes_)
    assert oversampling.OVERSAMPLERS == (None, "smote")


def test_synthetic_attention_cells_keep_the_missing_value_convention(feature_table, monkeypatch):
    from spikeinterface_xmodal.training import family_attention

    X, y = _imbalanced(feature_table)
    X = X.assign(hero_adapt=X["hero_adapt"].mask(np.arange(len(X)) % 2 == 0))  # half the cells miss one feature
    seen = {}

    def capture(network, cells, class_weights, train, valid, settings):
        seen.update(cells=cells, train=train, weights=class_weights)
        return 0

    monkeypatch.setattr(family_attention, "train_family_network", capture)
    FamilyAttentionClassifier(oversample="smote").fit(X, y)
    cells, train = seen["cells"], seen["train"]
    synthetic = np.arange(len(y), len(cells.targets))
    assert len(synthetic) > 0 and set(synthetic) <= set(train)
    missing, values = cells.missing[synthetic].numpy(), cells.values[synthetic].numpy()
    assert set(np.unique(missing)) <= {0.0, 1.0} and (missing == 1).any()
    assert (values[missing == 1] == 0).all()  # 0 where missing, as for real cells
    np.testing.assert_allclose(seen["weights"], 1.0)  # balanced by SMOTE: uniform class weights
