"""Calibrated confidence and out-of-distribution warnings: inputs unlike the training data are not trusted."""

import warnings

import numpy as np
import pytest
from spikeinterface.core import NumpyRecording
from spikeinterface.preprocessing import bandpass_filter

from spikeinterface_xmodal import load_model
from spikeinterface_xmodal.region_models import (
    OutOfDistributionWarning,
    TemperatureCalibration,
    expected_calibration_error,
    fit_temperature,
)


def _predict(model, recording):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimate = model.predict(recording, n_windows=4, progress_bar=False)
    return estimate, any(issubclass(w.category, OutOfDistributionWarning) for w in caught)


def test_noise_and_ap_band_input_warn_and_lose_confidence(region_sessions, region_model_folder):
    model = load_model(region_model_folder)
    held_out = region_sessions[3]
    in_distribution, warned = _predict(model, held_out.lfp)
    assert not warned
    assert np.median(in_distribution.ood_score) < 1.0
    confidence = in_distribution.probabilities.max(axis=1).mean()

    rng = np.random.default_rng(0)
    noise = NumpyRecording(
        [50 * rng.standard_normal((30000, held_out.lfp.get_num_channels())).astype("float32")],
        2500.0,
        channel_ids=held_out.lfp.channel_ids,
    )
    noise.set_probe(held_out.lfp.get_probe(), in_place=True)
    ap_band = bandpass_filter(held_out.recording, freq_min=300.0, freq_max=6000.0)
    for recording in (noise, ap_band):
        estimate, warned = _predict(model, recording)
        assert warned
        assert np.median(estimate.ood_score) > 1.5
        assert estimate.probabilities.max(axis=1).mean() < confidence - 0.3
        np.testing.assert_allclose(estimate.probabilities.sum(axis=1), 1.0)


def test_temperature_scaling_fixes_overconfidence():
    rng = np.random.default_rng(1)
    classes = ["a", "b", "c"]
    truth = rng.choice(classes, size=3000)
    # right 73% of the time (60% + a third of the random rest) but claims 95%
    predicted = np.where(rng.random(truth.size) < 0.6, truth, rng.choice(classes, size=truth.size))
    probabilities = np.full((truth.size, 3), 0.025)
    probabilities[np.arange(truth.size), [classes.index(p) for p in predicted]] = 0.95
    before = expected_calibration_error(truth, probabilities, classes)
    calibration = TemperatureCalibration(fit_temperature(truth, probabilities, classes))
    assert calibration.temperature_raw > 1
    calibrated = calibration.apply(probabilities, smoothed=False)
    assert before > 0.15 and expected_calibration_error(truth, calibrated, classes) < 0.05
    np.testing.assert_array_equal(calibrated.argmax(axis=1), probabilities.argmax(axis=1))
    with pytest.raises(ValueError, match="smoothed"):
        calibration.apply(probabilities, smoothed=True)


def test_brier_temperature_is_not_dominated_by_confident_mistakes():
    # smoothed posteriors: 0.9 on the top region, right 80% of the time; when wrong, ~0 on the true region
    rng = np.random.default_rng(2)
    classes = ["a", "b", "c", "d"]
    true_index = rng.integers(0, 4, size=4000)
    wrong = np.flatnonzero(rng.random(true_index.size) < 0.2)
    predicted_index = true_index.copy()
    predicted_index[wrong] = (true_index[wrong] + 1) % 4
    probabilities = np.full((true_index.size, 4), 0.1 / 3)
    probabilities[wrong] = 0.05
    probabilities[np.arange(true_index.size), predicted_index] = 0.9
    probabilities[wrong, true_index[wrong]] = 1e-9
    truth = np.asarray(classes)[true_index]

    def calibrated_confidence(objective):
        temperature = fit_temperature(truth, probabilities, classes, objective=objective)
        return TemperatureCalibration(temperature).apply(probabilities, smoothed=False)

    before = expected_calibration_error(truth, probabilities, classes)
    # the log-likelihood is dominated by the mistakes' ~0 probabilities: every prediction becomes timid
    by_nll = calibrated_confidence("nll")
    assert by_nll.max(axis=1).mean() < 0.8 - 0.15
    assert expected_calibration_error(truth, calibrated_confidence("brier"), classes) < before
    assert before < expected_calibration_error(truth, by_nll, classes)
    with pytest.raises(ValueError, match="calibration objective"):
        fit_temperature(truth, probabilities, classes, objective="ece")
