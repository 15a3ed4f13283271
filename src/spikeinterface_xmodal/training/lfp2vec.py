"""Lfp2Vec training: self-supervised pretraining (and continued pretraining to adapt to a new lab), then fine-tuning.

``pretrain_lfp2vec`` writes a ``"lfp2vec_pretrained"`` folder from unlabeled recordings; ``fit_lfp2vec_region``
fine-tunes it (or a model from random initialisation) on labelled channels and writes an ``"lfp2vec_region"`` folder
that ``lfp_region``, ``load_model`` and ``xmodal region predict`` run.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

import lightning as L
import numpy as np
from spikeinterface.core import BaseRecording

from ..model_folder import check_model_folder_writable, folder_hash
from ..models.lfp2vec import CONFIGS, Lfp2VecConfig
from ..region_models.lfp2vec import Lfp2VecRegionModel, draw_windows, lfp_at_model_rate, read_config
from ..region_models.novelty import FeatureNovelty
from ..region_models.probe_hmm import ProbeHMM, recording_probe_order
from .evaluation import HeldOutPrediction, summarize
from .labelled_sessions import UNLABELLED, channel_labels
from .lfp2vec_data import UNLABELLED_INDEX, ChannelWindowDataset
from .lfp2vec_modules import Lfp2VecPretrainingModule, Lfp2VecRegionModule
from .lfp2vec_pretrained import LFP2VEC_PRETRAINED_KIND, PretrainedLfp2Vec, read_starting_card
from .lfp2vec_trainer import TrainerSettings, split_sessions, train
from .region_baseline import fit_calibration

DEFAULT_MIN_CHANNELS_PER_CLASS = 5
LFP2VEC_REGION_NAME = "lfp2vec_region"
# fewer fine-tuning steps than this left the small config predicting one or two regions everywhere on generated
# sessions (benchmarks/results/lfp2vec_finetuning.json: 18 steps 0.34-0.36, 200 steps 0.55-0.68 balanced accuracy)
MIN_USEFUL_FINETUNING_STEPS = 100


def resolve_config(config: str | Lfp2VecConfig | dict) -> Lfp2VecConfig:
    """A config from a name ("small", "base"), a config, or a dict of ``Lfp2VecConfig`` fields."""
    if isinstance(config, Lfp2VecConfig):
        return config
    if isinstance(config, dict):
        return Lfp2VecConfig.from_dict(config)
    if config not in CONFIGS:
        raise ValueError(f"config must be one of {sorted(CONFIGS)}, an Lfp2VecConfig or a dict, got {config!r}")
    return CONFIGS[config]()


def _session_ids(recordings: Sequence[BaseRecording]) -> list[str]:
    return [str(r.get_annotation("session_id") or f"session{i}") for i, r in enumerate(recordings)]


def _check_recordings(recordings) -> list[BaseRecording]:
    recordings = list(recordings)
    if not recordings:
        raise ValueError("No recordings given")
    for recording in recordings:
        if not isinstance(recording, BaseRecording):
            raise TypeError(f"Expected spikeinterface recordings, got a {type(recording).__name__}")
    return recordings


def pretrain_lfp2vec(
    recordings: Sequence[BaseRecording],
    folder: str | Path,
    config: str | Lfp2VecConfig | dict = "small",
    init_from: str | Path | None = None,
    n_windows: int | None = 32,
    channels_per_window: int | None = 16,
    channels_per_item: int = 8,
    validation_sessions: int | Sequence[int] | None = None,
    learning_rate: float = 5e-4,
    overwrite: bool = False,
    **trainer_settings,
) -> PretrainedLfp2Vec:
    """Pretrain an Lfp2Vec encoder self-supervised on unlabeled recordings and save it as a model folder.

    Windows are read from the recordings as training asks for them (``read_windows``), so any number of
    sessions fits in memory. With ``init_from``, training continues from an earlier encoder: that is
    unsupervised adaptation to a new lab (pass the new lab's unlabeled sessions), before fine-tuning or predicting.

    Parameters
    ----------
    recordings : sequence of BaseRecording
        LFP (or wide-band) recordings with channel locations, e.g. ``spikeinterface.extractors`` readers of
        Neuropixels or NWB files; resampled to the config's rate.
    folder : str or Path
        Model folder to write (kind ``"lfp2vec_pretrained"``).
    config : {"small", "base"}, Lfp2VecConfig or dict, default: "small"
        Encoder settings (``models.lfp2vec``); ignored with ``init_from`` (its config is kept).
    init_from : str, Path or None, default: None
        A ``"lfp2vec_pretrained"`` folder to continue from.
    n_windows : int or None, default: 32
        Windows drawn per recording (every recording must hold that many); None takes them all.
    channels_per_window : int or None, default: 16
        Channels drawn per window (on 2 CPU cores pretraining must subsample); None uses all.
    channels_per_item : int, default: 8
        Windows of one time window per dataset item (``batch_size`` items per step).
    validation_sessions : int, sequence of int or None, default: None
        Sessions held out whole for the validation loss and early stopping (see ``split_sessions``).
    learning_rate : float, default: 5e-4
        AdamW learning rate.
    overwrite : bool, default: False
        Replace an existing model folder.
    **trainer_settings
        ``TrainerSettings`` fields: ``max_epochs``, ``max_steps``, ``batch_size``, ``patience``,
        ``checkpoint_dir``, ``resume``, ``accelerator``, ``devices``, ``strategy``, ``num_nodes``, ``precision``,
        ``num_workers``, ``progress_bar``, ``seed``.

    Returns
    -------
    PretrainedLfp2Vec
        The network and its card (training data, losses); ``folder`` holds the same.

    Examples
    --------
    >>> pretrain_lfp2vec([lfp1, lfp2, lfp3], "lfp2vec_pretrained", max_epochs=5)
    """
    check_model_folder_writable(folder, overwrite)
    settings = TrainerSettings(**trainer_settings)
    recordings = _check_recordings(recordings)
    start = None
    if init_from is not None:
        card = read_starting_card(init_from)
        if card["kind"] != LFP2VEC_PRETRAINED_KIND:
            raise ValueError(
                f"init_from must be a {LFP2VEC_PRETRAINED_KIND!r} folder; {init_from} is a {card['kind']!r}"
            )
        start = PretrainedLfp2Vec.load(init_from)
        config = start.config
    else:
        config = resolve_config(config)
    L.seed_everything(settings.seed, workers=True, verbose=False)
    lfps = [lfp_at_model_rate(r, config.sampling_frequency) for r in recordings]
    train_index, validation_index = split_sessions(len(lfps), validation_sessions, settings.seed)

    def dataset(indices: list[int], seed: int) -> ChannelWindowDataset:
        chosen = [lfps[i] for i in indices]
        return ChannelWindowDataset(
            chosen, config.window_s, n_windows, channels_per_item, channels_per_window, seed=seed
        )

    module = Lfp2VecPretrainingModule(config.to_dict(), learning_rate=learning_rate)
    if start is not None:
        module.network.load_state_dict(start.network.state_dict())
    train_data = dataset(train_index, settings.seed)
    validation_data = dataset(validation_index, settings.seed + 1) if validation_index else None
    trainer, history = train(module, train_data, validation_data, settings)
    session_ids = _session_ids(recordings)
    card = dict(
        name=Path(folder).name,
        training_data=dict(
            n_sessions=len(recordings),
            session_ids=[session_ids[i] for i in train_index],
            validation_session_ids=[session_ids[i] for i in validation_index],
            groups=sorted({str(r.get_annotation("lab_id")) for r in recordings if r.get_annotation("lab_id")}),
            n_windows_per_session=n_windows,
            channels_per_window=channels_per_window,
            n_training_windows=sum(item[2].size for item in train_data.items),
        ),
        training=dict(_settings_for_card(settings), learning_rate=learning_rate, **history),
        continued_from=None if start is None else dict(folder=str(init_from), hash=folder_hash(init_from)),
    )
    pretrained = PretrainedLfp2Vec(module.network.eval(), card)
    if trainer.is_global_zero:
        pretrained.save(folder, overwrite=overwrite)
    return pretrained


def _settings_for_card(settings: TrainerSettings) -> dict:
    state = asdict(settings)
    state["checkpoint_dir"] = None if settings.checkpoint_dir is None else str(settings.checkpoint_dir)
    return state


def _classes(
    names: list[np.ndarray],
    train_index: list[int],
    classes: list[str] | None,
    min_channels_per_class: int,
    label_property: str,
) -> list[str]:
    """The classes to learn: the regions of the training sessions' channels (validation sessions may hold others,
    scored as errors), or a fine-tuned model's classes; clear errors for labels that cannot be learned."""
    train_names = np.concatenate([names[i][names[i] != UNLABELLED] for i in train_index])
    present, counts = np.unique(train_names, return_counts=True)
    if classes is not None:
        unknown = sorted(set(np.concatenate(names).tolist()) - set(classes) - {UNLABELLED})
        if unknown:
            raise ValueError(
                f"The labels include regions {unknown} that the pretrained model was not fine-tuned on "
                f"(its classes: {classes}). Fine-tune from an 'lfp2vec_pretrained' folder instead, or relabel."
            )
    too_few = {str(c): int(n) for c, n in zip(present, counts, strict=True) if n < min_channels_per_class}
    if too_few:
        raise ValueError(
            f"Too few labelled channels for regions {too_few} in the training sessions (at least "
            f"{min_channels_per_class} each are needed, min_channels_per_class): merge or drop those labels "
            f"({label_property!r}), or add sessions."
        )
    classes = classes if classes is not None else [str(c) for c in present]
    if len(classes) < 2:
        raise ValueError(f"Region fine-tuning needs at least two regions; the training labels hold only {classes}")
    return classes


def _class_indices(names: np.ndarray, classes: list[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index.get(n, UNLABELLED_INDEX) for n in names], dtype="int64")


def _held_out(model: Lfp2VecRegionModel, lfps, names, session_ids, groups, n_windows, seed) -> tuple[list, list]:
    """Channel-level predictions of validation sessions, without and with probe smoothing, before calibration."""
    raw, smoothed = [], []
    for lfp, true, session_id, group in zip(lfps, names, session_ids, groups, strict=True):
        outputs = model.window_outputs(lfp, n_windows, seed)[1]
        for smoothing, out in ((False, raw), (True, smoothed)):
            estimate = model.estimate_from_outputs(lfp, outputs, smoothing)
            scored = true != UNLABELLED
            out.append(
                HeldOutPrediction(
                    session_id,
                    group,
                    true[scored],
                    estimate.labels[scored],
                    estimate.probabilities[scored],
                    model.classes,
                )
            )
    return raw, smoothed


def fit_lfp2vec_region(
    recordings: Sequence[BaseRecording],
    pretrained: str | Path | None = None,
    folder: str | Path | None = None,
    label_property: str = "brain_area",
    ontology: str = "unspecified",
    config: str | Lfp2VecConfig | dict = "small",
    freeze_encoder: bool = False,
    depth: bool = True,
    n_windows: int | None = 20,
    channels_per_window: int | None = 32,
    channels_per_item: int = 8,
    validation_sessions: int | Sequence[int] | None = None,
    min_channels_per_class: int = DEFAULT_MIN_CHANNELS_PER_CLASS,
    learning_rate: float = 3e-4,
    smoothing: bool = True,
    overwrite: bool = False,
    **trainer_settings,
) -> Lfp2VecRegionModel:
    """Fine-tune an Lfp2Vec encoder to predict each channel's region, and save it as a model folder.

    Windows of labelled channels are classified one by one with class-balanced cross-entropy; whole sessions
    are held out for validation (early stopping, then the probability calibration and the card's metrics).
    Prediction pools a channel's windows, then smooths along the probe (an HMM learned from the training
    layouts) and calibrates, like the spectral baseline. With two or more training sessions, an
    out-of-distribution score (``FeatureNovelty``) of the channels' embeddings against the training channels'
    is fitted too, so that predictions carry ``ood_score``.

    Parameters
    ----------
    recordings : sequence of BaseRecording
        Labelled recordings (channel property ``label_property``; None / NaN / "" channels are left out).
    pretrained : str, Path or None, default: None
        Start from a ``"lfp2vec_pretrained"`` folder (``pretrain_lfp2vec``) or a fine-tuned ``"lfp2vec_region"``
        folder (whose classes the labels must stay within); None starts from random initialisation.
    folder : str, Path or None, default: None
        Model folder to write (kind ``"lfp2vec_region"``); None keeps the model in memory.
    label_property : str, default: "brain_area"
        Channel property with the true region.
    ontology : str, default: "unspecified"
        Name of the label set, stored in the card.
    config : {"small", "base"}, Lfp2VecConfig or dict, default: "small"
        Encoder settings when ``pretrained`` is None.
    freeze_encoder : bool, default: False
        Train only the head on a frozen (pretrained) encoder.
    depth : bool, default: True
        The head also reads each channel's standardised depth along the probe (``Lfp2VecConfig.depth_input``),
        as the spectral baseline does; False classifies the waveform alone. Ignored when ``pretrained`` is a
        fine-tuned ``"lfp2vec_region"`` folder (its head is kept).
    n_windows : int or None, default: 20
        Windows per recording (every recording must hold that many).
    channels_per_window : int or None, default: 32
        Labelled channels drawn per window; None uses all.
    channels_per_item : int, default: 8
        Windows of one time window per dataset item.
    validation_sessions : int, sequence of int or None, default: None
        Sessions held out whole (see ``split_sessions``).
    min_channels_per_class : int, default: 5
        Fewer labelled channels of a region (over all recordings) is an error.
    learning_rate : float, default: 3e-4
    smoothing : bool, default: True
        Learn a probe HMM from the training layouts.
    overwrite : bool, default: False
        Replace an existing model folder.
    **trainer_settings
        ``TrainerSettings`` fields (``max_epochs``, ``accelerator``, ``devices``, ``checkpoint_dir``, ``resume``, ...).

    Returns
    -------
    Lfp2VecRegionModel
        With ``predict(recording) -> ChannelRegionEstimate``, as every region model kind.

    Examples
    --------
    >>> model = fit_lfp2vec_region([rec1, rec2, rec3], pretrained="lfp2vec_pretrained", folder="lfp2vec_region")
    """
    if folder is not None:
        check_model_folder_writable(folder, overwrite)
    settings = TrainerSettings(**trainer_settings)
    recordings = _check_recordings(recordings)
    start_card = None if pretrained is None else read_starting_card(pretrained)
    start_classes = start_card["classes"] if start_card and start_card["kind"] != LFP2VEC_PRETRAINED_KIND else None
    names = [channel_labels(r, label_property) for r in recordings]
    train_index, validation_index = split_sessions(len(recordings), validation_sessions, settings.seed)
    classes = _classes(names, train_index, start_classes, min_channels_per_class, label_property)
    new_head = start_card is None or start_card["kind"] == LFP2VEC_PRETRAINED_KIND
    config = resolve_config(config) if start_card is None else read_config(start_card, Path(pretrained))
    if new_head:
        config = replace(config, depth_input=depth)
    L.seed_everything(settings.seed, workers=True, verbose=False)
    lfps = [lfp_at_model_rate(r, config.sampling_frequency) for r in recordings]
    for lfp in lfps:
        draw_windows(lfp, config.window_s, n_windows, settings.seed)  # too short recordings fail before training
    indices = [_class_indices(n, classes) for n in names]
    train_labels = np.concatenate([indices[i] for i in train_index])
    # class-balanced: every region weighs alike (a fine-tuned model's class absent here gets no weight)
    counts = np.bincount(train_labels[train_labels != UNLABELLED_INDEX], minlength=len(classes))
    class_weights = np.where(counts > 0, counts.sum() / (len(classes) * np.maximum(counts, 1)), 0.0).tolist()

    module = Lfp2VecRegionModule(config.to_dict(), class_weights, freeze_encoder, learning_rate)
    if not new_head:
        module.network.load_state_dict(Lfp2VecRegionModel.load(pretrained).classifier.state_dict())
    elif start_card is not None:
        module.network.load_encoder(PretrainedLfp2Vec.load(pretrained).network.encoder)
    if new_head and config.depth_input:
        module.network.set_depth_scaling(
            np.concatenate([lfps[i].get_channel_locations()[indices[i] != UNLABELLED_INDEX, 1] for i in train_index])
        )
    if freeze_encoder:
        module.network.freeze_encoder()

    def dataset(chosen: list[int], seed: int) -> ChannelWindowDataset:
        return ChannelWindowDataset(
            [lfps[i] for i in chosen],
            config.window_s,
            n_windows,
            channels_per_item,
            channels_per_window,
            labels=[indices[i] for i in chosen],
            seed=seed,
        )

    train_data = dataset(train_index, settings.seed)
    validation_data = dataset(validation_index, settings.seed + 1) if validation_index else None
    trainer, history = train(module, train_data, validation_data, settings)
    if history["steps"] < MIN_USEFUL_FINETUNING_STEPS:
        warnings.warn(
            f"Fine-tuning stopped after {history['steps']} optimiser steps; below about {MIN_USEFUL_FINETUNING_STEPS} "
            "the model tends to predict one or two regions for every channel (docs/lfp2vec.md). Train longer "
            "(max_epochs), or with more windows (n_windows, channels_per_window).",
            UserWarning,
            stacklevel=2,
        )

    hmm = None
    if smoothing:
        sequences = [
            names[i][order][names[i][order] != UNLABELLED]
            for i in train_index
            for order in recording_probe_order(lfps[i])
        ]
        hmm = ProbeHMM().fit(sequences, classes)
    model = Lfp2VecRegionModel(module.network.eval(), classes, hmm=hmm)
    session_ids = _session_ids(recordings)
    groups = [str(r.get_annotation("lab_id") or "") for r in recordings]
    metrics = {}
    if validation_index:
        chosen = lambda values: [values[i] for i in validation_index]  # noqa: E731
        raw, smoothed = _held_out(
            model, chosen(lfps), chosen(names), chosen(session_ids), chosen(groups), n_windows, settings.seed
        )
        metrics["validation_sessions"] = summarize(smoothed if hmm is not None else raw)
        model.calibration = fit_calibration(raw, smoothed if hmm is not None else None)
    if len(train_index) >= 2:
        embeddings = [model.embed(lfps[i], n_windows, settings.seed) for i in train_index]
        model.novelty = FeatureNovelty().fit(embeddings, seed=settings.seed)
    train_names = np.concatenate([names[i] for i in train_index])
    model.card.update(
        name=Path(folder).name if folder is not None else LFP2VEC_REGION_NAME,
        ontology=ontology,
        label_property=label_property,
        training_data=dict(
            n_sessions=len(train_index),
            session_ids=[session_ids[i] for i in train_index],
            validation_session_ids=[session_ids[i] for i in validation_index],
            groups=sorted({groups[i] for i in train_index if groups[i]}),
            n_channels=int(np.sum(train_names != UNLABELLED)),
            n_unlabelled_channels=int(np.sum(train_names == UNLABELLED)),
            channels_per_region={c: int(n) for c, n in zip(classes, counts, strict=True)},
            n_windows_per_session=n_windows,
            channels_per_window=channels_per_window,
        ),
        training=dict(
            _settings_for_card(settings), learning_rate=learning_rate, freeze_encoder=freeze_encoder, **history
        ),
        pretrained=None if pretrained is None else dict(folder=str(pretrained), hash=folder_hash(pretrained)),
        metrics=metrics,
    )
    if folder is not None and trainer.is_global_zero:
        model.save(folder, overwrite=overwrite)
    return model
