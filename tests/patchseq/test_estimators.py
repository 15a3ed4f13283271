"""GouwensClassifier, the random-forest baseline and FamilyAttentionClassifier on a synthetic feature table."""

import numpy as np
import pytest
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupShuffleSplit

from spikeinterface_xmodal.patchseq import FamilyAttentionClassifier, GouwensClassifier, RandomForestBaseline


def _donor_split(feature_table):
    X, y, groups = feature_table
    train, test = next(GroupShuffleSplit(n_splits=1, test_size=0.3, random_state=0).split(X, y, groups))
    assert not set(groups[train]) & set(groups[test])
    return X.iloc[train], y.iloc[train], X.iloc[test], y.iloc[test]


def _make(name):
    return {
        "random_forest": lambda: RandomForestBaseline(n_estimators=50),
        "gouwens": lambda: GouwensClassifier(n_estimators=50),
        "family_attention": lambda: FamilyAttentionClassifier(max_epochs=40),
    }[name]()


@pytest.fixture(scope="module", params=["random_forest", "gouwens", "family_attention"])
def fitted(request, feature_table):
    X_train, y_train, X_test, y_test = _donor_split(feature_table)
    return request.param, _make(request.param).fit(X_train, y_train), X_test, y_test


def test_subclasses_of_held_out_donors_are_recovered(fitted):
    name, model, X_test, y_test = fitted
    assert X_test.isna().any().any()  # NaNs are handled inside
    predicted = model.predict(X_test)
    assert set(predicted) <= set(model.classes_)
    # four well-separated synthetic subclasses: chance is 0.25
    assert f1_score(y_test, predicted, average="macro") > 0.8, name


def test_probabilities_follow_classes(fitted):
    _, model, X_test, _ = fitted
    probabilities = model.predict_proba(X_test)
    assert list(model.classes_) == ["Lamp5", "Pvalb", "Sst", "Vip"]
    assert probabilities.shape == (len(X_test), 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(model.classes_[probabilities.argmax(axis=1)], model.predict(X_test))


def test_columns_are_matched_by_name(fitted):
    _, model, X_test, _ = fitted
    shuffled = X_test[X_test.columns[::-1]].assign(unrelated=1.0)
    np.testing.assert_allclose(model.predict_proba(shuffled), model.predict_proba(X_test))


def test_missing_columns_are_named(fitted):
    _, model, X_test, _ = fitted
    with pytest.raises(ValueError, match="rheo_width"):
        model.predict(X_test.drop(columns=["rheo_width"]))


def test_attention_per_cell_and_family(feature_table):
    X, y, _ = feature_table
    model = FamilyAttentionClassifier(max_epochs=5).fit(X, y)
    assert not hasattr(model, "attention_")
    model.predict(X.iloc[:10])
    assert model.attention_.shape == (10, len(model.families_))
    np.testing.assert_allclose(model.attention_.sum(axis=1), 1.0, rtol=1e-5)
    assert next(iter(model.families_)) == "subthreshold"


def test_gouwens_uses_one_sparse_pca_per_family(feature_table):
    X, y, _ = feature_table
    model = GouwensClassifier(n_estimators=10, n_components=2, keep_features=False).fit(X, y)
    blocks = dict((name, columns) for name, _, columns in model.pipeline_[2].transformers)
    assert set(blocks) == set(model.families_)
    assert model.families_["width"] == ["rheo_width"]
    assert model.pipeline_[2].transform(model.pipeline_[:2].transform(X.to_numpy())).shape[1] == sum(
        min(2, len(columns)) for columns in model.families_.values()
    )


def test_gouwens_compresses_each_feature_vector_family(feature_table):
    """Tables computed from NWB files (``patchseq.features``) hold IPFX feature vectors: one sparse PCA per vector."""
    X, y, _ = feature_table
    rng = np.random.default_rng(0)
    codes = np.searchsorted(np.unique(y), y)
    time = np.linspace(0, 1, 30)
    vectors = {
        f"first_ap_v_{i}": np.sin(2 * np.pi * time[i] * (1 + codes)) + 0.1 * rng.standard_normal(len(y))
        for i in range(30)
    }
    vectors |= {f"psth_{i}": codes * time[i] + 0.1 * rng.standard_normal(len(y)) for i in range(20)}
    table = X.assign(**vectors)
    model = GouwensClassifier(n_estimators=20, n_components=3, keep_features=False).fit(table, y)
    assert len(model.families_["first_ap"]) == 30 and len(model.families_["psth"]) == 20
    components = model.pipeline_[2]
    blocks = {name: (spca, columns) for name, spca, columns in components.transformers_}
    for family, width in (("first_ap", 30), ("psth", 20)):
        spca, columns = blocks[family]
        assert spca.components_.shape == (3, width) and len(columns) == width
        assert (spca.components_ == 0).any()  # sparse loadings
    assert f1_score(y, model.predict(table), average="macro") > 0.9


def test_user_families_are_checked(feature_table):
    X, y, _ = feature_table
    families = {"all_but_one": list(X.columns[1:])}
    with pytest.raises(ValueError, match=r"without a family.*v_baseline"):
        GouwensClassifier(families=families).fit(X, y)
    with pytest.raises(ValueError, match=r"absent from X.*nonexistent"):
        FamilyAttentionClassifier(families={"a": [*X.columns, "nonexistent"]}).fit(X, y)


def test_all_nan_column_and_fixed_seed(feature_table):
    X, y, _ = feature_table
    X = X.assign(rheo_width=np.nan)
    first = FamilyAttentionClassifier(max_epochs=3).fit(X, y).predict_proba(X)
    second = FamilyAttentionClassifier(max_epochs=3).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    assert np.isfinite(GouwensClassifier(n_estimators=5).fit(X, y).predict_proba(X)).all()


def test_non_numeric_features_are_refused(feature_table):
    X, y, _ = feature_table
    with pytest.raises(ValueError, match="could not convert"):
        GouwensClassifier(n_estimators=5).fit(X.assign(v_baseline="high"), y)


def test_bad_parameters_are_refused(feature_table):
    X, y, _ = feature_table
    with pytest.raises(ValueError, match="n_components"):
        GouwensClassifier(n_components=0).fit(X, y)
    with pytest.raises(ValueError, match="validation_fraction"):
        FamilyAttentionClassifier(validation_fraction=1.5).fit(X, y)


def test_attention_fit_is_silent_by_default_and_checks_its_accelerator(feature_table, capfd):
    X, y, _ = feature_table
    FamilyAttentionClassifier(max_epochs=2).fit(X, y)
    out, err = capfd.readouterr()
    assert out == "" and "GPU available" not in err  # no Lightning banner or progress bar in scikit-learn use
    with pytest.raises(ValueError, match="accelerator"):
        FamilyAttentionClassifier(accelerator="abacus").fit(X, y)


def test_early_stopping_stops_before_the_cap(feature_table):
    X, y, _ = feature_table
    model = FamilyAttentionClassifier(max_epochs=300, patience=5).fit(X, y)
    assert model.n_epochs_ < 300


def test_arrays_without_names_form_one_family(feature_table):
    X, y, _ = feature_table
    from_array = GouwensClassifier(n_estimators=10).fit(X.to_numpy(), y.to_numpy())
    # without column names every feature is in the "other" family
    assert list(from_array.families_) == ["other"]
    assert from_array.predict_proba(X.to_numpy()).shape == (len(X), 4)


def test_attention_and_confusion_figures(feature_table, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from spikeinterface_xmodal.patchseq import mean_attention_by_class, plot_confusion_matrix, plot_family_attention

    X, y, _ = feature_table
    model = FamilyAttentionClassifier(max_epochs=3).fit(X, y)
    predicted = model.predict(X)
    families = list(model.families_)
    table = mean_attention_by_class(model.attention_, families, y)
    assert list(table.index) == ["Lamp5", "Pvalb", "Sst", "Vip"] and list(table.columns) == families
    np.testing.assert_allclose(table.sum(axis=1), 1.0, rtol=1e-5)
    plot_family_attention(model.attention_, families, y).savefig(tmp_path / "attention.png")
    plot_confusion_matrix(y, predicted, title="synthetic").savefig(tmp_path / "confusion.png")
    assert (tmp_path / "attention.png").stat().st_size > 0 and (tmp_path / "confusion.png").stat().st_size > 0
    with pytest.raises(ValueError, match=r"attention must be \(cells, families\)"):
        mean_attention_by_class(model.attention_[:, :2], families, y)
