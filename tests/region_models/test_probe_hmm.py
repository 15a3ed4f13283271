import numpy as np

from spikeinterface_xmodal.region_models import ProbeHMM, probe_order

CLASSES = ["CA1", "cortex", "thalamus"]


def _layout():
    return np.array(["thalamus"] * 20 + ["CA1"] * 10 + ["cortex"] * 20)


def test_transitions_follow_training_layouts():
    hmm = ProbeHMM(pseudocount=0.1).fit([_layout(), _layout()], CLASSES)
    t = hmm.transition_
    np.testing.assert_allclose(t.sum(axis=1), 1.0)
    thalamus, ca1, cortex = (CLASSES.index(c) for c in ("thalamus", "CA1", "cortex"))
    assert t[thalamus, ca1] > t[thalamus, cortex]  # thalamus is followed by CA1, never directly by cortex
    assert t[thalamus, thalamus] > 0.9


def test_smoothing_removes_isolated_errors_and_keeps_true_boundaries():
    truth = _layout()
    hmm = ProbeHMM().fit([truth] * 5, CLASSES)
    rng = np.random.default_rng(0)
    probabilities = np.full((truth.size, 3), 0.1)
    probabilities[np.arange(truth.size), [CLASSES.index(c) for c in truth]] = 0.8
    interior = np.flatnonzero((truth == np.roll(truth, 2)) & (truth == np.roll(truth, -2)))[2:-2]
    flipped = rng.choice(interior, size=6, replace=False)
    probabilities[flipped] = np.roll(probabilities[flipped], 1, axis=1)
    raw_labels = np.asarray(CLASSES)[probabilities.argmax(axis=1)]
    assert np.mean(raw_labels == truth) < 0.9
    posterior, labels = hmm.smooth(probabilities, [np.arange(truth.size)])
    np.testing.assert_array_equal(labels, truth)
    np.testing.assert_allclose(posterior.sum(axis=1), 1.0)
    restored = ProbeHMM.from_dict(hmm.to_dict())
    np.testing.assert_array_equal(restored.smooth(probabilities, [np.arange(truth.size)])[1], labels)


def test_probe_order_sorts_each_shank_from_the_tip():
    locations = np.array([[0, 40], [0, 0], [250, 20], [0, 20], [250, 0]])
    orders = probe_order(locations, shank_ids=np.array([0, 0, 1, 0, 1]))
    assert [o.tolist() for o in orders] == [[1, 3, 0], [4, 2]]
