"""The result containers refuse what would be stored wrongly or lost when read back."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from spikeinterface_xmodal.predictions import CellSubclassPredictions, RegionPredictions
from tests.nwb.conftest import region_predictions, subclass_predictions


def _region(**changes) -> RegionPredictions:
    return dataclasses.replace(region_predictions(["a", "b"]), **changes)


def _probabilities(*rows) -> np.ndarray:
    return np.asarray(rows, dtype=float)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(probabilities=_probabilities([1.2, -0.2, 0.0], [0.2, 0.3, 0.5])), "outside \\[0, 1\\]"),
        (dict(probabilities=_probabilities([np.nan, 0.5, 0.5], [0.2, 0.3, 0.5])), "NaN or Inf"),
        (dict(predicted_region=np.array(["CA1", "TH"])), "'TH'.*not in classes"),
        (dict(classes=["CA1", "DG", "CA1"]), "duplicated class names \\['CA1'\\]"),
        (dict(classes=["CA1", "", "VISp"]), "empty name in class names"),
        (dict(ood_score=np.array([0.1])), "ood_score: shape \\(1,\\), expected \\(2,\\)"),
        (dict(ood_score=np.array([0.1, np.inf])), "ood_score: .*NaN or Inf"),
        (dict(ood_score=np.array(["high", "low"])), "ood_score: .*numbers"),
    ],
)
def test_region_predictions_refuse_bad_values(changes, message):
    with pytest.raises(ValueError, match=message):
        _region(**changes)


def test_region_predictions_accept_rounding_and_keep_ood_score():
    result = _region(probabilities=_probabilities([1.0 + 1e-12, -1e-12, 0.0], [0.2, 0.3, 0.5]), ood_score=[0.5, 3])
    assert result.ood_score.dtype == np.float64 and result.ood_score.tolist() == [0.5, 3.0]
    assert _region().ood_score is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(probabilities=np.full((2, 4), -0.25)), "outside \\[0, 1\\]"),
        (dict(predicted_subclass=np.array(["Lamp5", "L2/3 IT"])), "'L2/3 IT'.*not in classes"),
        (dict(classes=["Lamp5", "Pvalb", "Sst", "Lamp5"]), "duplicated class names"),
        (dict(feature_families=["ap", "ap", "isi"]), "duplicated feature_families"),
    ],
)
def test_cell_subclass_predictions_refuse_bad_values(changes, message):
    base = subclass_predictions(["u0", "u1"])
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(base, **changes)
    assert isinstance(base, CellSubclassPredictions)
