"""Calibrated confidence: temperature scaling fitted on held-out sessions, and the expected calibration error."""

from __future__ import annotations

import numpy as np

# probabilities are clipped here before taking logs: a smoothed posterior can hold exact zeros
LOG_FLOOR = 1e-12
TEMPERATURE_RANGE = (0.05, 20.0)


def expected_calibration_error(
    true_labels: np.ndarray, probabilities: np.ndarray, classes: list[str], n_bins: int = 10
) -> float:
    """Expected calibration error of the top prediction (equal-width confidence bins).

    Parameters
    ----------
    true_labels : np.ndarray
        True class (str) per row; a class missing from ``classes`` is always a wrong prediction.
    probabilities : np.ndarray
        (n_rows, n_classes), columns following ``classes``.
    classes : list of str
        Column order.
    n_bins : int, default: 10
        Confidence bins over [0, 1].

    Returns
    -------
    float
        Sum over bins of (bin size / n_rows) x |accuracy - mean confidence|.
    """
    probabilities = np.asarray(probabilities, dtype="float64")
    correct = np.asarray(classes)[probabilities.argmax(axis=1)] == np.asarray(true_labels, dtype=str)
    return calibration_error(probabilities.max(axis=1), correct, n_bins)


def calibration_error(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> float:
    """Expected calibration error from each prediction's confidence and whether it was right."""
    confidence, correct = np.asarray(confidence, dtype="float64"), np.asarray(correct, dtype=bool)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in np.unique(bins):
        members = bins == b
        error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(error)


def _scaled(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    from scipy.special import log_softmax  # slow to import: only when calibrating

    return np.exp(log_softmax(np.log(np.clip(probabilities, LOG_FLOOR, 1.0)) / temperature, axis=1))


#: What a temperature minimises over held-out predictions. "brier": the mean squared error of the probability
#: vector (bounded: one confident mistake costs at most 2); "nll": the negative log-likelihood of the true class
#: (unbounded: a few confident mistakes of a smoothed posterior can dominate it and make every prediction timid).
CALIBRATION_OBJECTIVES = ("brier", "nll")
DEFAULT_CALIBRATION_OBJECTIVE = "brier"


def fit_temperature(
    true_labels: np.ndarray,
    probabilities: np.ndarray,
    classes: list[str],
    objective: str = DEFAULT_CALIBRATION_OBJECTIVE,
) -> float:
    """The temperature that best calibrates held-out predictions.

    Parameters
    ----------
    true_labels : np.ndarray
        True class (str) per row. Rows whose class the model does not know are left out (no temperature can
        make them right).
    probabilities : np.ndarray
        (n_rows, n_classes), columns following ``classes``.
    classes : list of str
        Column order.
    objective : {"brier", "nll"}, default: "brier"
        The score minimised (``CALIBRATION_OBJECTIVES``).

    Returns
    -------
    float
        The temperature, within ``TEMPERATURE_RANGE``.
    """
    from scipy.optimize import minimize_scalar  # slow to import: only when fitting
    from scipy.special import log_softmax

    if objective not in CALIBRATION_OBJECTIVES:
        raise ValueError(f"Unknown calibration objective {objective!r}; choose one of {CALIBRATION_OBJECTIVES}")
    index = {c: i for i, c in enumerate(classes)}
    known = np.array([label in index for label in np.asarray(true_labels, dtype=str)])
    if not known.any():
        raise ValueError("Cannot fit a calibration: no held-out channel belongs to a class the model knows")
    targets = np.array([index[label] for label in np.asarray(true_labels, dtype=str)[known]])
    log_p = np.log(np.clip(np.asarray(probabilities, dtype="float64")[known], LOG_FLOOR, 1.0))
    one_hot = np.eye(len(classes))[targets]

    def score(log_temperature: float) -> float:
        scaled = log_softmax(log_p / np.exp(log_temperature), axis=1)
        if objective == "nll":
            return -float(scaled[np.arange(targets.size), targets].mean())
        return float(((np.exp(scaled) - one_hot) ** 2).sum(axis=1).mean())

    result = minimize_scalar(score, bounds=tuple(np.log(TEMPERATURE_RANGE)), method="bounded")
    return float(np.exp(result.x))


class TemperatureCalibration:
    """Temperature scaling of a region model's output, one temperature with and one without probe smoothing.

    Probabilities p become softmax(log p / T): T > 1 softens over-confident output, T < 1 sharpens it;
    the most probable region never changes. Both temperatures are fitted on held-out (leave-one-session-out)
    predictions of the training sessions, so they reflect confidence on sessions the model did not see.

    Parameters
    ----------
    temperature_raw : float
        Temperature of the unsmoothed per-channel probabilities.
    temperature_smoothed : float or None
        Temperature of the probe-smoothed posteriors; None when the model has no smoother.
    """

    def __init__(self, temperature_raw: float, temperature_smoothed: float | None = None):
        for name, value in (("temperature_raw", temperature_raw), ("temperature_smoothed", temperature_smoothed)):
            if value is not None and not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        self.temperature_raw = float(temperature_raw)
        self.temperature_smoothed = None if temperature_smoothed is None else float(temperature_smoothed)

    def apply(self, probabilities: np.ndarray, smoothed: bool) -> np.ndarray:
        """Calibrated probabilities (same shape), for smoothed or unsmoothed input."""
        temperature = self.temperature_smoothed if smoothed else self.temperature_raw
        if temperature is None:
            raise ValueError("This calibration has no temperature for smoothed probabilities")
        return _scaled(probabilities, temperature)

    def to_dict(self) -> dict:
        """JSON-serialisable state (inverse of ``from_dict``)."""
        return dict(
            method="temperature", temperature_raw=self.temperature_raw, temperature_smoothed=self.temperature_smoothed
        )

    @classmethod
    def from_dict(cls, state: dict) -> TemperatureCalibration:
        """Rebuild from ``to_dict`` output; a ValueError names what is wrong."""
        if not isinstance(state, dict) or state.get("method") != "temperature" or "temperature_raw" not in state:
            raise ValueError(f"expected {{'method': 'temperature', 'temperature_raw': ...}}, got {state!r}")
        return cls(state["temperature_raw"], state.get("temperature_smoothed"))
