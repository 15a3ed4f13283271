"""Fitting: the baseline region model (scikit-learn); later the self-supervised and distillation models (Lightning)."""

from .labelled_sessions import LabelledSession, channel_labels, prepare_labelled_sessions
from .region_baseline import (
    evaluate_on_sessions,
    fit_on_sessions,
    fit_region_baseline,
    leave_one_session_out,
    score_regions,
)

__all__ = [
    "LabelledSession",
    "channel_labels",
    "evaluate_on_sessions",
    "fit_on_sessions",
    "fit_region_baseline",
    "leave_one_session_out",
    "prepare_labelled_sessions",
    "score_regions",
]
