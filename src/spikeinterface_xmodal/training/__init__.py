"""Fitting region models and evaluating any model on held-out sessions; later the Lightning-trained models."""

from .evaluation import (
    HeldOutPrediction,
    leave_one_group_out,
    leave_one_session_out,
    predict_held_out,
    score_regions,
    summarize,
)
from .labelled_sessions import LabelledSession, channel_labels, prepare_labelled_sessions
from .region_baseline import (
    HeldOutSet,
    cross_validate_and_calibrate,
    evaluate_on_sessions,
    fit_calibration,
    fit_on_sessions,
    fit_region_baseline,
    held_out_uncalibrated,
    predict_session,
)

__all__ = [
    "HeldOutPrediction",
    "HeldOutSet",
    "LabelledSession",
    "channel_labels",
    "cross_validate_and_calibrate",
    "evaluate_on_sessions",
    "fit_calibration",
    "fit_on_sessions",
    "fit_region_baseline",
    "held_out_uncalibrated",
    "leave_one_group_out",
    "leave_one_session_out",
    "predict_held_out",
    "predict_session",
    "prepare_labelled_sessions",
    "score_regions",
    "summarize",
]
