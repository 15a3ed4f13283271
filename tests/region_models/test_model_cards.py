"""Inconsistent region model cards are refused with a ValueError naming the folder and the field."""

import json
import shutil

import pytest

from spikeinterface_xmodal import load_model


def _edited(region_model_folder, tmp_path, edit):
    folder = tmp_path / "model"
    shutil.copytree(region_model_folder, folder)
    card = json.loads((folder / "card.json").read_text())
    edit(card)
    (folder / "card.json").write_text(json.dumps(card))
    return folder


def _reverse_smoothing_classes(card):
    card["smoothing"]["classes"] = card["smoothing"]["classes"][::-1]


def _zero_transitions(card):
    n = len(card["classes"])
    card["smoothing"]["transition"] = [[0.0] * n for _ in range(n)]


@pytest.mark.parametrize(
    "edit, field",
    [
        (_reverse_smoothing_classes, "smoothing"),
        (_zero_transitions, "smoothing"),
        (lambda card: card.pop("tokenizer"), "tokenizer"),
        (lambda card: card.pop("sampling_frequency"), "sampling_frequency"),
        (lambda card: card.update(sampling_frequency="2500"), "sampling_frequency"),
        (lambda card: card.update(window_s=2.0), "window_s"),
        (lambda card: card.update(calibration={"method": "temperature", "temperature_raw": -1}), "calibration"),
        (lambda card: card.update(novelty={"method": "nearest_neighbours", "reference": -1.0}), "novelty"),
        (lambda card: card.update(feature_set="everything"), "feature_set"),
    ],
)
def test_inconsistent_cards_name_the_field(region_model_folder, tmp_path, edit, field):
    folder = _edited(region_model_folder, tmp_path, edit)
    with pytest.raises(ValueError, match=rf"{tmp_path}.*'{field}'"):
        load_model(folder)


def test_novelty_prototypes_of_another_width_are_refused(region_model_folder, tmp_path):
    import numpy as np

    folder = _edited(region_model_folder, tmp_path, lambda card: None)
    np.save(folder / "novelty_prototypes.npy", np.zeros((10, 3)))
    with pytest.raises(ValueError, match="corrupt: its novelty prototypes have 3 features"):
        load_model(folder)
    np.save(folder / "novelty_prototypes.npy", np.array([{"a": 1}] * 10), allow_pickle=True)
    with pytest.raises(ValueError, match=r"'novelty'.*cannot read"):
        load_model(folder)


def test_weights_with_an_untrusted_type_are_refused(region_model_folder, tmp_path):
    import collections

    import skops.io as skops_io

    folder = _edited(region_model_folder, tmp_path, lambda card: None)
    # a Counter is harmless, but it is not on the allow-list: loading must refuse it, not trust it
    skops_io.dump(collections.Counter(a=1), folder / "classifier.skops")
    with pytest.raises(ValueError, match=r"classifier.skops contains types that are not trusted.*Counter"):
        load_model(folder)
