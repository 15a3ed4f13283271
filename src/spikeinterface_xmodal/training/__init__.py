"""Fitting region models and evaluating any model on held-out sessions; later the Lightning-trained models."""

from .._lazy import lazy_attributes
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

# Lightning-trained models load torch and lightning on first use
__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "LFPLatentModel": ".distill_kinds",
        "PretrainedLfp2Vec": ".lfp2vec_pretrained",
        "SpikeTeacherModel": ".distill_kinds",
        "TrainerOptions": ".distill_loop",
        "distill_lfp_student": ".distillation",
        "fit_lfp_model": ".distillation",
        "fit_spike_teacher": ".distillation",
        "TrainerSettings": ".lfp2vec_trainer",
        "fit_lfp2vec_region": ".lfp2vec",
        "pretrain_lfp2vec": ".lfp2vec",
    },
)

__all__ = [
    "HeldOutPrediction",
    "HeldOutSet",
    "LFPLatentModel",
    "LabelledSession",
    "PretrainedLfp2Vec",
    "SpikeTeacherModel",
    "TrainerOptions",
    "TrainerSettings",
    "channel_labels",
    "cross_validate_and_calibrate",
    "distill_lfp_student",
    "evaluate_on_sessions",
    "fit_calibration",
    "fit_lfp2vec_region",
    "fit_lfp_model",
    "fit_on_sessions",
    "fit_region_baseline",
    "fit_spike_teacher",
    "held_out_uncalibrated",
    "leave_one_group_out",
    "leave_one_session_out",
    "predict_held_out",
    "predict_session",
    "prepare_labelled_sessions",
    "pretrain_lfp2vec",
    "score_regions",
    "summarize",
]
