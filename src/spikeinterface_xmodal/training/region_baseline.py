"""Fitting the spectral baseline region model on labelled sessions, with calibration and a novelty score."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from spikeinterface.core import BaseRecording
from threadpoolctl import threadpool_limits

from ..model_folder import check_model_folder_writable
from ..preprocessing import DEFAULT_LFP_SAMPLING_FREQUENCY
from ..region_models import (
    DEFAULT_CLASSIFIER,
    DEFAULT_FEATURE_SET,
    FeatureNovelty,
    ProbeHMM,
    RegionModel,
    TemperatureCalibration,
    finish_estimate,
    fit_temperature,
    make_region_estimator,
)
from ..region_models.calibration import DEFAULT_CALIBRATION_OBJECTIVE, expected_calibration_error
from ..tokenizers import SpectralTokenizer
from .evaluation import HeldOutPrediction, leave_one_session_out, predict_held_out, summarize
from .labelled_sessions import UNLABELLED, LabelledSession, prepare_labelled_sessions


def fit_on_sessions(
    sessions: list[LabelledSession],
    feature_set: str = DEFAULT_FEATURE_SET,
    classifier: str = DEFAULT_CLASSIFIER,
    smoothing: bool = True,
    seed: int = 0,
) -> RegionModel:
    """Fit a region model on tokenized sessions (in memory; see ``fit_region_baseline`` to save it).

    Channels without a true label are left out. With two or more sessions and LFP features, the model also
    gets a novelty score (``FeatureNovelty``) against its training channels (positions alone repeat across
    sessions and say nothing about whether a recording looks like LFP).
    """
    blocks = [s.features(feature_set)[s.labels != UNLABELLED] for s in sessions]
    label_blocks = [s.labels[s.labels != UNLABELLED] for s in sessions]
    # one OpenMP thread: gradient boosting on a few thousand channels gains little from more, and on a
    # loaded machine its default threads spin-wait (a one-off timing here: tens of times slower on busy cores)
    with threadpool_limits(limits=1):
        estimator = make_region_estimator(classifier, seed=seed).fit(
            np.concatenate(blocks), np.concatenate(label_blocks)
        )
    hmm = None
    if smoothing:
        sequences = [s.labels[order][s.labels[order] != UNLABELLED] for s in sessions for order in s.orders]
        hmm = ProbeHMM().fit(sequences, [str(c) for c in estimator.classes_])
    novelty = None
    if len(sessions) >= 2 and feature_set != "position":
        novelty = FeatureNovelty().fit([estimator[:-1].transform(block) for block in blocks], seed=seed)
    return RegionModel(
        estimator=estimator,
        tokenizer=sessions[0].tokenizer,
        sampling_frequency=sessions[0].sampling_frequency,
        feature_set=feature_set,
        hmm=hmm,
        novelty=novelty,
        card=dict(classifier=classifier),
    )


def predict_session(
    model: RegionModel, session: LabelledSession, smoothing: bool = True
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A fitted model's ``(labels, probabilities, classes)`` for a tokenized session, as ``lfp_region`` has them."""
    estimate = model.estimate_from_features(session.features(model.feature_set), session.orders, smoothing)
    return estimate.labels, estimate.probabilities, estimate.classes


def evaluate_on_sessions(model: RegionModel, sessions: list[LabelledSession], smoothing: bool = True) -> dict:
    """Score a fitted model on held-out sessions, pooling their channels (balanced accuracy, macro-F1, ECE)."""
    return summarize(predict_held_out(model, sessions, lambda m, s: predict_session(m, s, smoothing)))


def fit_calibration(
    raw: list[HeldOutPrediction],
    smoothed: list[HeldOutPrediction] | None,
    objective: str = DEFAULT_CALIBRATION_OBJECTIVE,
) -> TemperatureCalibration:
    """Temperatures fitted on held-out predictions without and (when given) with probe smoothing.

    Parameters
    ----------
    raw, smoothed : list of HeldOutPrediction
        Held-out predictions before and (None: no smoother) after probe smoothing.
    objective : {"brier", "nll"}, default: "brier"
        What the temperatures minimise (``region_models.calibration.CALIBRATION_OBJECTIVES``).
    """

    def temperature(predictions: list[HeldOutPrediction]) -> float:
        # pooled over sessions; the folds' class lists can differ when a region is missing from some sessions
        classes = sorted({c for p in predictions for c in p.classes})
        probabilities = np.concatenate([_in_columns(p, classes) for p in predictions])
        return fit_temperature(np.concatenate([p.true_labels for p in predictions]), probabilities, classes, objective)

    return TemperatureCalibration(temperature(raw), None if smoothed is None else temperature(smoothed))


def _in_columns(prediction: HeldOutPrediction, classes: list[str]) -> np.ndarray:
    out = np.zeros((prediction.probabilities.shape[0], len(classes)))
    out[:, [classes.index(c) for c in prediction.classes]] = prediction.probabilities
    return out


def _calibrated_ece(predictions: list[HeldOutPrediction], calibration: TemperatureCalibration, smoothed: bool) -> float:
    true = np.concatenate([p.true_labels for p in predictions])
    classes = sorted({c for p in predictions for c in p.classes})
    probabilities = np.concatenate([calibration.apply(_in_columns(p, classes), smoothed) for p in predictions])
    return expected_calibration_error(true, probabilities, classes)


@dataclass
class HeldOutSet:
    """Leave-one-session-out predictions before calibration, the raw material of calibration and its check.

    Attributes
    ----------
    scores : dict
        ``leave_one_session_out`` scores of the model as configured (smoothed when asked), ``ece`` uncalibrated.
    raw : list of HeldOutPrediction
        Per-channel classifier probabilities of each held-out session.
    smoothed : list of HeldOutPrediction or None
        The same after probe smoothing (None without smoothing).
    ood_scores : dict of str to np.ndarray
        Each held-out session's novelty score under the model that did not see it.
    """

    scores: dict
    raw: list[HeldOutPrediction]
    smoothed: list[HeldOutPrediction] | None
    ood_scores: dict[str, np.ndarray]


def held_out_uncalibrated(
    sessions: list[LabelledSession],
    feature_set: str = DEFAULT_FEATURE_SET,
    classifier: str = DEFAULT_CLASSIFIER,
    smoothing: bool = True,
    seed: int = 0,
) -> HeldOutSet:
    """Leave-one-session-out predictions of the baseline, before calibration and the novelty discount."""
    raw_predictions: dict[str, tuple] = {}
    ood_scores: dict[str, np.ndarray] = {}

    def predict(model: RegionModel, session: LabelledSession):
        features = session.features(model.feature_set)
        raw = model.predict_raw(features)
        raw_predictions[session.session_id] = (np.asarray(model.classes)[raw.argmax(axis=1)], raw, model.classes)
        ood_scores[session.session_id] = model.novelty_score(features)
        estimate = finish_estimate(np.arange(raw.shape[0]), model.classes, raw, session.orders, smoothing, model.hmm)
        return estimate.labels, estimate.probabilities, estimate.classes

    scores, predictions = leave_one_session_out(
        sessions, lambda train: fit_on_sessions(train, feature_set, classifier, smoothing, seed), predict
    )
    raw = predict_held_out(None, sessions, lambda _, s: raw_predictions[s.session_id])
    return HeldOutSet(scores, raw, predictions if smoothing else None, ood_scores)


def cross_validate_and_calibrate(
    sessions: list[LabelledSession],
    feature_set: str = DEFAULT_FEATURE_SET,
    classifier: str = DEFAULT_CLASSIFIER,
    smoothing: bool = True,
    seed: int = 0,
) -> tuple[dict, TemperatureCalibration]:
    """Leave-one-session-out scores of the model, and a calibration fitted on those held-out predictions.

    Returns
    -------
    scores : dict
        Held-out scores (as ``leave_one_session_out``) of the model as configured, with ``ece`` before
        calibration and ``ece_calibrated_in_sample`` after it (fitted on the same predictions, so optimistic:
        ``benchmarks/region_baselines.py`` measures it on sessions left out of the calibration).
    calibration : TemperatureCalibration
    """
    held_out = held_out_uncalibrated(sessions, feature_set, classifier, smoothing, seed)
    calibration = fit_calibration(held_out.raw, held_out.smoothed)
    reported = held_out.smoothed if smoothing else held_out.raw
    scores = dict(held_out.scores, ece_calibrated_in_sample=_calibrated_ece(reported, calibration, smoothing))
    return scores, calibration


def _training_summary(sessions: list[LabelledSession], label_property: str) -> dict:
    all_labels = np.concatenate([s.labels for s in sessions])
    labels, counts = np.unique(all_labels[all_labels != UNLABELLED], return_counts=True)
    return dict(
        n_sessions=len(sessions),
        session_ids=[s.session_id for s in sessions],
        groups=sorted({s.group for s in sessions if s.group}),
        n_channels=int(labels.size and counts.sum()),
        n_unlabelled_channels=int(np.sum(all_labels == UNLABELLED)),
        n_windows_per_session=int(sessions[0].tokens.windows.size),
        label_property=label_property,
        channels_per_region={str(label): int(n) for label, n in zip(labels, counts, strict=True)},
    )


def fit_region_baseline(
    recordings: list[BaseRecording],
    folder: str | Path | None = None,
    label_property: str = "brain_area",
    ontology: str = "unspecified",
    feature_set: str = DEFAULT_FEATURE_SET,
    classifier: str = DEFAULT_CLASSIFIER,
    smoothing: bool = True,
    tokenizer: SpectralTokenizer | None = None,
    sampling_frequency: float = DEFAULT_LFP_SAMPLING_FREQUENCY,
    n_windows: int | None = 20,
    seed: int = 0,
    cross_validate: bool = True,
    overwrite: bool = False,
    **job_kwargs,
) -> RegionModel:
    """Train the baseline region model on labelled recordings and save it as a model folder.

    Each recording is one session (a probe insertion) whose channels carry their true region in the
    ``label_property`` channel property (channels labelled None, NaN or "" are left out and counted in the
    card). Tokens are computed once; the classifier is fitted on every labelled channel of every session.
    With ``cross_validate`` it is first scored leave-one-session-out (scores in the card's ``metrics``), and
    those held-out predictions fit the model's probability calibration.

    Parameters
    ----------
    recordings : list of BaseRecording
        Labelled LFP (or wide-band) recordings with channel locations.
    folder : str, Path or None, default: None
        Where to save the model folder; None keeps it in memory only.
    label_property : str, default: "brain_area"
        Channel property with the true region.
    ontology : str, default: "unspecified"
        Name of the label set, stored in the card and in NWB files (e.g. "Allen CCF / Cosmos").
    feature_set : {"lfp+depth", "band_power+depth", "band_power", "position"}, default: "lfp+depth"
        Features of each channel (see ``region_models.channel_features``).
    classifier : {"hgb", "logreg"}, default: "hgb"
        Gradient boosting or logistic regression (see ``region_models.make_region_estimator``).
    smoothing : bool, default: True
        Learn an HMM along the probe from the training layouts (applied at prediction when asked).
    tokenizer : SpectralTokenizer or None, default: None
        Tokenizer settings (default: 3 s windows, delta..ripple bands).
    sampling_frequency : float, default: 2500.0
        LFP rate of the model; faster recordings are downsampled, slower ones used as they are.
    n_windows : int or None, default: 20
        Windows per recording.
    seed : int, default: 0
        Seed of window draws and classifier.
    cross_validate : bool, default: True
        Score leave-one-session-out and calibrate before the final fit (needs two or more recordings).
    overwrite : bool, default: False
        Replace an existing model folder (only a model folder is ever replaced).
    **job_kwargs
        SpikeInterface job kwargs for tokenization (``n_jobs``, ``chunk_duration``, ``progress_bar``, ...).

    Returns
    -------
    RegionModel
        The fitted model, with its card.

    Examples
    --------
    >>> model = fit_region_baseline([rec1, rec2, rec3], folder="region_model")
    """
    if folder is not None:
        check_model_folder_writable(folder, overwrite)
    tokenizer = tokenizer or SpectralTokenizer()
    sessions = prepare_labelled_sessions(
        recordings,
        tokenizer,
        sampling_frequency,
        label_property,
        n_windows,
        seed,
        **job_kwargs,
    )
    metrics, calibration = {}, None
    if cross_validate and len(sessions) >= 2:
        metrics["leave_one_session_out"], calibration = cross_validate_and_calibrate(
            sessions, feature_set, classifier, smoothing, seed
        )
    model = fit_on_sessions(sessions, feature_set, classifier, smoothing, seed)
    model.calibration = calibration
    model.card.update(
        name=Path(folder).name if folder is not None else "lfp_region_baseline",
        ontology=ontology,
        training_data=_training_summary(sessions, label_property),
        metrics=metrics,
    )
    if folder is not None:
        model.save(folder, overwrite=overwrite)
    return model
