"""scikit-learn's estimator checks: the Patch-seq classifiers keep the scikit-learn contract."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from spikeinterface_xmodal.patchseq import FamilyAttentionClassifier, GouwensClassifier, RandomForestBaseline

# small settings: the checks fit each estimator dozens of times
ESTIMATORS = [
    RandomForestBaseline(n_estimators=5),
    GouwensClassifier(n_estimators=5, n_components=1),
    FamilyAttentionClassifier(max_epochs=60, width=8, hidden=8, learning_rate=3e-2, batch_size=512),
]
EXPECTED_FAILURES = {
    # by design (the issue asks for it): predict stores the per-cell family attention in ``attention_``
    "FamilyAttentionClassifier": {"check_dict_unchanged": "predict sets attention_ by design"},
}


def _expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@pytest.mark.slow
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_contract(estimator, check):
    with threadpool_limits(limits=1):
        check(estimator)
