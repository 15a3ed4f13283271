"""Fitting and evaluating the baseline region model on labelled sessions."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import balanced_accuracy_score, f1_score, precision_recall_fscore_support
from spikeinterface.core import BaseRecording

from ..classifiers import ProbeHMM, RegionModel, make_region_estimator
from ..preprocessing import DEFAULT_LFP_SAMPLING_FREQUENCY
from ..tokenizers import SpectralTokenizer
from .labelled_sessions import LabelledSession, prepare_labelled_sessions


def fit_on_sessions(
    sessions: list[LabelledSession],
    feature_set: str = "lfp+depth",
    classifier: str = "hgb",
    smoothing: bool = True,
    seed: int = 0,
) -> RegionModel:
    """Fit a region model on tokenized sessions (in memory; see ``fit_region_baseline`` to save it)."""
    features = np.concatenate([s.features(feature_set) for s in sessions])
    labels = np.concatenate([s.labels for s in sessions])
    estimator = make_region_estimator(classifier, seed=seed).fit(features, labels)
    hmm = None
    if smoothing:
        sequences = [s.labels[order] for s in sessions for order in s.orders]
        hmm = ProbeHMM().fit(sequences, [str(c) for c in estimator.classes_])
    return RegionModel(
        estimator=estimator,
        tokenizer=sessions[0].tokenizer,
        sampling_frequency=sessions[0].sampling_frequency,
        feature_set=feature_set,
        hmm=hmm,
    )


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


def evaluate_on_sessions(model: RegionModel, sessions: list[LabelledSession], smoothing: bool = True) -> dict:
    """Score a model on held-out sessions, pooling their channels."""
    true, predicted = [], []
    for session in sessions:
        _, _, labels = model.predict_features(session.features(model.feature_set), session.orders, smoothing)
        true.append(session.labels)
        predicted.append(labels)
    return score_regions(np.concatenate(true), np.concatenate(predicted))


def leave_one_session_out(
    sessions: list[LabelledSession],
    feature_set: str = "lfp+depth",
    classifier: str = "hgb",
    smoothing: bool = True,
    seed: int = 0,
) -> dict:
    """Leave-one-session-out scores: mean and per-fold balanced accuracy and macro-F1."""
    if len(sessions) < 2:
        raise ValueError("Leave-one-session-out needs at least two sessions")
    folds = []
    for held_out in range(len(sessions)):
        train = [s for i, s in enumerate(sessions) if i != held_out]
        model = fit_on_sessions(train, feature_set, classifier, smoothing, seed)
        scores = evaluate_on_sessions(model, [sessions[held_out]], smoothing)
        folds.append(dict(session_id=sessions[held_out].session_id, **scores))
    return dict(
        balanced_accuracy=float(np.mean([f["balanced_accuracy"] for f in folds])),
        balanced_accuracy_std=float(np.std([f["balanced_accuracy"] for f in folds])),
        macro_f1=float(np.mean([f["macro_f1"] for f in folds])),
        folds=folds,
    )


def _training_summary(sessions: list[LabelledSession], label_property: str) -> dict:
    labels, counts = np.unique(np.concatenate([s.labels for s in sessions]), return_counts=True)
    return dict(
        n_sessions=len(sessions),
        session_ids=[s.session_id for s in sessions],
        groups=sorted({s.group for s in sessions if s.group}),
        n_channels=int(sum(s.labels.size for s in sessions)),
        n_windows_per_session=int(sessions[0].tokens.windows.size),
        label_property=label_property,
        channels_per_region={str(label): int(n) for label, n in zip(labels, counts, strict=True)},
    )


def fit_region_baseline(
    recordings: list[BaseRecording],
    folder: str | Path | None = None,
    label_property: str = "brain_area",
    ontology: str = "unspecified",
    feature_set: str = "lfp+depth",
    classifier: str = "hgb",
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
    ``label_property`` channel property. Tokens are computed once; the classifier is fitted on every
    channel of every session and, when ``cross_validate``, scored leave-one-session-out first (the
    scores go into the card's ``metrics``).

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
        Features of each channel (see ``classifiers.channel_features``).
    classifier : {"hgb", "logreg"}, default: "hgb"
        Gradient boosting or logistic regression (see ``classifiers.make_region_estimator``).
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
        Score leave-one-session-out before the final fit (needs two or more recordings).
    overwrite : bool, default: False
        Replace an existing model folder.
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
    if folder is not None and Path(folder).exists() and not overwrite:
        raise FileExistsError(f"Model folder {folder} already exists; pass overwrite=True to replace it")
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
    metrics = {}
    if cross_validate and len(sessions) >= 2:
        metrics["leave_one_session_out"] = leave_one_session_out(sessions, feature_set, classifier, smoothing, seed)
    model = fit_on_sessions(sessions, feature_set, classifier, smoothing, seed)
    model.card.update(
        name=Path(folder).name if folder is not None else "lfp_region_baseline",
        classifier=classifier,
        ontology=ontology,
        training_data=_training_summary(sessions, label_property),
        metrics=metrics,
    )
    if folder is not None:
        model.save(folder, overwrite=overwrite)
    return model
