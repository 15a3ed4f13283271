"""Fine-tuning a pretrained family-attention model on another table (mouse -> human transfer)."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from spikeinterface_xmodal.patchseq import FamilyAttentionClassifier, GouwensClassifier, save_patchseq_model
from spikeinterface_xmodal.patchseq.transfer import fine_tuned_classifier

from .conftest import synthetic_feature_table


@pytest.fixture(scope="module")
def source_model(feature_table):
    X, y, _ = feature_table
    return FamilyAttentionClassifier(max_epochs=25, random_state=1).fit(X, y)


@pytest.fixture(scope="module")
def target_table():
    """Another 'species': new cells, every feature in other units (x 1000), 16 labelled cells to fine-tune on."""
    X, y, _ = synthetic_feature_table(n_cells=216, seed=5)
    X = X * 1000.0
    return X.iloc[:16], y.iloc[:16], X.iloc[16:], y.iloc[16:]


def test_fine_tuning_starts_from_the_pretrained_model(source_model, target_table):
    X_train, y_train, X_test, y_test = target_table
    model = fine_tuned_classifier(source_model, max_epochs=10).fit(X_train, y_train)
    assert list(model.classes_) == list(source_model.classes_)
    assert model.families_ == source_model.families_
    assert model.network_ is not source_model.network_  # the source is left untouched
    # per-table normalisation absorbs the unit change: the mouse-trained network works on the new table
    assert f1_score(y_test, model.predict(X_test), average="macro") > 0.8
    kept_scaling = fine_tuned_classifier(source_model, max_epochs=1, learning_rate=1e-6, refit_scaling=False)
    assert f1_score(y_test, kept_scaling.fit(X_train, y_train).predict(X_test), average="macro") < 0.6


def test_labels_outside_the_pretrained_classes_are_refused(source_model, target_table):
    X_train, y_train, _, _ = target_table
    y_new = y_train.replace({"Vip": "Sncg"})
    with pytest.raises(ValueError, match=r"\['Sncg'\] are not among the pretrained model's classes"):
        fine_tuned_classifier(source_model).fit(X_train, y_new)


def test_fine_tuning_needs_the_pretrained_features(source_model, target_table):
    X_train, y_train, _, _ = target_table
    with pytest.raises(ValueError, match=r"lacks 1 of the 14 features.*'tau'"):
        fine_tuned_classifier(source_model).fit(X_train.drop(columns="tau"), y_train)


def test_pretrained_model_folder(source_model, target_table, feature_table, tmp_path):
    X_train, y_train, X_test, _ = target_table
    folder = save_patchseq_model(source_model, tmp_path / "mouse_model")
    from_folder = fine_tuned_classifier(folder, max_epochs=2).fit(X_train, y_train)
    from_model = fine_tuned_classifier(source_model, max_epochs=2).fit(X_train, y_train)
    np.testing.assert_allclose(from_folder.predict_proba(X_test), from_model.predict_proba(X_test), atol=1e-5)
    tuned = save_patchseq_model(from_folder, tmp_path / "human_model")
    assert (tuned / "card.json").read_text().count(str(folder)) == 1  # the card names the source
    X, y, _ = feature_table
    other = save_patchseq_model(GouwensClassifier(n_estimators=5).fit(X, y), tmp_path / "gouwens")
    with pytest.raises(ValueError, match="must be a family-attention model"):
        fine_tuned_classifier(other).fit(X_train, y_train)


def test_unfitted_pretrained_model_is_refused(target_table):
    X_train, y_train, _, _ = target_table
    with pytest.raises(Exception, match="not fitted"):
        fine_tuned_classifier(FamilyAttentionClassifier()).fit(X_train, y_train)


def test_mouse_to_human_on_the_real_tables(patchseq_data_folder):
    from spikeinterface_xmodal.patchseq.transfer import load_transfer_tables

    mouse, human = load_transfer_tables(patchseq_data_folder)
    assert list(mouse.features.columns) == list(human.features.columns)
    assert set(mouse.labels) == set(human.labels) == {"Lamp5", "Pvalb", "Sst", "Vip"}
    assert mouse.features.notna().mean().min() > 0.85 and human.features.notna().mean().min() > 0.85
