"""Evaluation of any region model on held-out sessions, given fit and predict callables.

Scores pool channels of held-out sessions; splits hold out whole sessions (leave-one-session-out) or whole
groups such as labs (leave-one-group-out), so a model is never scored on a session it was fitted on.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sklearn.metrics import balanced_accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import LeaveOneGroupOut

from ..region_models.calibration import calibration_error


class LabelledChannels(Protocol):
    """What evaluation needs of a session: an id, a group (e.g. the lab) and the true region per channel."""

    session_id: str
    group: str
    labels: np.ndarray


@dataclass
class HeldOutPrediction:
    """A model's prediction for one session it was not fitted on.

    Attributes
    ----------
    session_id, group : str
    true_labels : np.ndarray
        True region per channel.
    labels : np.ndarray
        Predicted region per channel.
    probabilities : np.ndarray
        (n_channels, n_classes), columns following ``classes``.
    classes : list of str
    """

    session_id: str
    group: str
    true_labels: np.ndarray
    labels: np.ndarray
    probabilities: np.ndarray
    classes: list[str]


# fit(training sessions) -> model; predict(model, session) -> (labels, probabilities, classes)
FitFunction = Callable[[list[Any]], Any]
PredictFunction = Callable[[Any, Any], tuple[np.ndarray, np.ndarray, list[str]]]


def score_regions(true_labels: np.ndarray, predicted_labels: np.ndarray) -> dict:
    """Balanced accuracy, macro-F1 and per-region precision / recall / support.

    Predicting a region absent from a session is an error that these scores count (it lowers precision);
    scikit-learn's warning about it is silenced.
    """
    regions = sorted(set(true_labels) | set(predicted_labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        true_labels, predicted_labels, labels=regions, zero_division=0
    )
    present = sorted(set(true_labels))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true", category=UserWarning)
        balanced_accuracy = float(balanced_accuracy_score(true_labels, predicted_labels))
    return dict(
        balanced_accuracy=balanced_accuracy,
        macro_f1=float(f1_score(true_labels, predicted_labels, labels=present, average="macro", zero_division=0)),
        per_region={
            region: dict(precision=float(p), recall=float(r), f1=float(f), support=int(n))
            for region, p, r, f, n in zip(regions, precision, recall, f1, support, strict=True)
        },
    )


def predict_held_out(
    model: Any, sessions: Sequence[LabelledChannels], predict: PredictFunction
) -> list[HeldOutPrediction]:
    """Predict each of ``sessions`` with a fitted ``model``; channels without a true label ("") are not kept."""
    predictions = []
    for session in sessions:
        labels, probabilities, classes = predict(model, session)
        true_labels = np.asarray(session.labels, dtype=str)
        scored = true_labels != ""
        predictions.append(
            HeldOutPrediction(
                session_id=session.session_id,
                group=session.group,
                true_labels=true_labels[scored],
                labels=np.asarray(labels, dtype=str)[scored],
                probabilities=np.asarray(probabilities, dtype="float64")[scored],
                classes=list(classes),
            )
        )
    return predictions


def summarize(predictions: Sequence[HeldOutPrediction]) -> dict:
    """Pooled scores and ECE of held-out predictions, with per-session balanced accuracy."""
    true = np.concatenate([p.true_labels for p in predictions])
    scores = score_regions(true, np.concatenate([p.labels for p in predictions]))
    confidence = np.concatenate([p.probabilities.max(axis=1) for p in predictions])
    correct = np.concatenate(
        [np.asarray(p.classes)[p.probabilities.argmax(axis=1)] == p.true_labels for p in predictions]
    )
    scores["ece"] = calibration_error(confidence, correct)
    scores["per_session_balanced_accuracy"] = {
        p.session_id: score_regions(p.true_labels, p.labels)["balanced_accuracy"] for p in predictions
    }
    return scores


def _held_out_folds(
    sessions: Sequence[LabelledChannels], keys: list[str], fit: FitFunction, predict: PredictFunction
) -> list[HeldOutPrediction]:
    """Fit on all groups but one and predict that one, for each group (scikit-learn's LeaveOneGroupOut)."""
    predictions = []
    for train, test in LeaveOneGroupOut().split(np.zeros(len(sessions)), groups=keys):
        predictions += predict_held_out(fit([sessions[i] for i in train]), [sessions[i] for i in test], predict)
    return predictions


def leave_one_session_out(
    sessions: Sequence[LabelledChannels], fit: FitFunction, predict: PredictFunction
) -> tuple[dict, list[HeldOutPrediction]]:
    """Fit on all sessions but one, predict that one, for each session.

    Parameters
    ----------
    sessions : sequence of sessions
        Each with ``session_id``, ``group`` and ``labels``, plus whatever ``fit`` and ``predict`` read.
    fit : callable
        ``fit(training_sessions) -> model``.
    predict : callable
        ``predict(model, session) -> (labels, probabilities, classes)``.

    Returns
    -------
    scores : dict
        ``summarize`` of the held-out predictions, plus the mean and standard deviation over sessions of the
        per-session balanced accuracy.
    predictions : list of HeldOutPrediction
        One per session, e.g. to fit a calibration.
    """
    if len(sessions) < 2:
        raise ValueError("Leave-one-session-out needs at least two sessions")
    predictions = _held_out_folds(sessions, [s.session_id for s in sessions], fit, predict)
    scores = summarize(predictions)
    per_session = list(scores["per_session_balanced_accuracy"].values())
    scores["mean_session_balanced_accuracy"] = float(np.mean(per_session))
    scores["std_session_balanced_accuracy"] = float(np.std(per_session))
    return scores, predictions


def leave_one_group_out(
    sessions: Sequence[LabelledChannels], fit: FitFunction, predict: PredictFunction
) -> tuple[dict, list[HeldOutPrediction]]:
    """Fit on every group but one (e.g. every other lab), predict that group's sessions, for each group.

    Returns ``(scores per held-out group, predictions)``; see ``leave_one_session_out`` for the callables.
    """
    groups = [s.group for s in sessions]
    if len(set(groups)) < 2:
        raise ValueError(f"Leave-one-group-out needs sessions of at least two groups, got {sorted(set(groups))}")
    predictions = _held_out_folds(sessions, groups, fit, predict)
    scores = {group: summarize([p for p in predictions if p.group == group]) for group in dict.fromkeys(groups)}
    return scores, predictions
