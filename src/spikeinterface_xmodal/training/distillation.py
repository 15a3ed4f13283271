"""Fitting the spike teacher, distilling it into the LFP student, and the LFP-only baselines (same code).

Every function takes ``DistillationSession`` objects (or generated ``LatentSession`` objects), trains with
Lightning (``TrainerOptions`` fields as keyword arguments: ``max_epochs``, ``accelerator="gpu"``,
``strategy="ddp"``, ``checkpoint_dir``, ``resume``, ...), and returns the model, saved to ``folder`` if given.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from ..distillation.session import DistillationSession, as_distillation_session
from ..model_folder import check_model_folder_writable, folder_hash
from .distill_data import BinnedSession, channel_stats, first_held_out_bin, lfp_bins, spike_counts, standardise
from .distill_kinds import LFP_KIND, TEACHER_KIND, LFPLatentModel, SpikeTeacherModel
from .distill_loop import TrainerOptions, run_training, seed_everything

DEFAULT_BIN_S = 0.02


def _options(training: dict) -> TrainerOptions:
    known = {f.name for f in fields(TrainerOptions)}
    unknown = sorted(set(training) - known)
    if unknown:
        raise TypeError(f"unknown training options {unknown}; known: {sorted(known)}")
    return TrainerOptions(**training)


def _sessions(sessions) -> list[DistillationSession]:
    sessions = [as_distillation_session(s) for s in sessions]
    if not sessions:
        raise ValueError("no sessions given")
    ids = [s.session_id for s in sessions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"session ids must be unique, got {ids}")
    return sessions


def _config(config, window_bins: int):
    from ..models.session_transformer import SessionTransformerConfig

    config = SessionTransformerConfig() if config is None else config
    if config.max_bins < window_bins:
        raise ValueError(f"config.max_bins ({config.max_bins}) must be at least window_bins ({window_bins})")
    return config


def _summary(sessions: list[DistillationSession], binned: list[BinnedSession], run: dict, options) -> dict:
    return {
        "sessions": [
            {"session_id": s.session_id, "n_bins": int(b.values.shape[0]), "n_values": int(b.values.shape[1])}
            for s, b in zip(sessions, binned, strict=True)
        ],
        "lfp_sampling_frequencies": sorted({float(s.lfp.sampling_frequency) for s in sessions}),
        "run": run,
        "options": {f.name: getattr(options, f.name) for f in fields(options)},
    }


def _save(model, folder, overwrite: bool, run: dict):
    if folder is not None and run["is_global_zero"]:
        model.save(folder, overwrite=overwrite)
    return model


def fit_spike_teacher(
    sessions,
    folder: str | Path | None = None,
    config=None,
    bin_s: float = DEFAULT_BIN_S,
    overwrite: bool = False,
    **training,
) -> SpikeTeacherModel:
    """Pretrain the multi-session spike teacher: masked autoencoding of binned counts, Poisson loss.

    Parameters
    ----------
    sessions : list of DistillationSession
        Sessions with spikes; each gets its own read-in of its units.
    folder : str or Path or None, default: None
        Model folder to write (safetensors + card).
    config : SessionTransformerConfig or None, default: None
        Sizes and mask ratio (60 % by default).
    bin_s : float, default: 0.02
        Bin width (s): the latent rate is ``1 / bin_s``.
    overwrite : bool, default: False
        Replace an existing model folder.
    **training
        ``TrainerOptions`` fields (``max_epochs``, ``accelerator``, ``devices``, ``strategy``, ``checkpoint_dir``,
        ``resume``, ``seed``, ...).

    Returns
    -------
    SpikeTeacherModel

    Examples
    --------
    >>> teacher = fit_spike_teacher(sessions, folder="teacher", max_epochs=20)
    """
    from ..models.spike_teacher import SpikeTeacher

    if folder is not None:
        check_model_folder_writable(folder, overwrite)
    options = _options(training)
    sessions = _sessions(sessions)
    binned = []
    for session in sessions:
        times, counts = spike_counts(session, bin_s)
        held_out = first_held_out_bin(times, session.trials, options.held_out_fraction)
        binned.append(BinnedSession(session.session_id, counts, times, held_out))
    seed_everything(options.seed)
    module = SpikeTeacher(_config(config, options.window_bins), {b.session_id: b.values.shape[1] for b in binned})
    run = run_training(module, binned, options)
    card = {"kind": TEACHER_KIND, "bin_s": bin_s, "window_bins": options.window_bins, "role": "spike_teacher"}
    card["training"] = _summary(sessions, binned, run, options)
    return _save(SpikeTeacherModel(module, card), folder, overwrite, run)


def _fit_lfp(sessions, folder, config, bin_s, overwrite, training, teacher=None, alignment_weight=0.0):
    from ..models.lfp_student import LFPStudent

    if folder is not None:
        check_model_folder_writable(folder, overwrite)
    options = _options(training)
    sessions = _sessions(sessions)
    binned, extra = [], {}
    for session in sessions:
        times, raw = lfp_bins(session.lfp, bin_s)
        mean, std = channel_stats(raw)
        extra.update({f"{session.session_id}.mean": mean, f"{session.session_id}.std": std})
        targets = (
            standardise(teacher_latents := teacher.latents(session)[1], *channel_stats(teacher_latents))
            if teacher is not None
            else None
        )
        held_out = first_held_out_bin(times, session.trials, options.held_out_fraction)
        binned.append(BinnedSession(session.session_id, standardise(raw, mean, std), times, held_out, targets))
    seed_everything(options.seed)
    module = LFPStudent(_config(config, options.window_bins), {b.session_id: b.values.shape[1] for b in binned})
    loss = {"alignment_weight": alignment_weight} if teacher is not None else {}
    run = run_training(module, binned, options, **loss)
    if teacher is not None:
        role = "distilled_lfp"
    else:
        role = "multi_session_lfp" if len(sessions) > 1 else "single_session_lfp"
    card = {"kind": LFP_KIND, "bin_s": bin_s, "window_bins": options.window_bins, "role": role}
    card["training"] = _summary(sessions, binned, run, options)
    if teacher is not None:
        card["teacher"] = {"alignment_weight": alignment_weight, "folder_hash": teacher.card.get("folder_hash")}
    return _save(LFPLatentModel(module, card, extra), folder, overwrite, run)


def _teacher(teacher) -> SpikeTeacherModel:
    if isinstance(teacher, SpikeTeacherModel):
        return teacher
    if isinstance(teacher, (str, Path)):
        model = SpikeTeacherModel.load(teacher)
        model.card["folder_hash"] = folder_hash(teacher)
        return model
    raise TypeError(f"teacher must be a SpikeTeacherModel or its folder, got {type(teacher).__name__}")


def distill_lfp_student(
    sessions,
    teacher,
    folder: str | Path | None = None,
    alignment_weight: float = 5.0,
    config=None,
    overwrite: bool = False,
    **training,
) -> LFPLatentModel:
    """Train the LFP student: masked LFP reconstruction + ``alignment_weight * (1 - cos)`` to the frozen teacher.

    Parameters
    ----------
    sessions : list of DistillationSession
        Sessions the teacher was trained on (matched by session id), with LFP and spikes.
    teacher : SpikeTeacherModel or str or Path
        The teacher, or its model folder.
    folder : str or Path or None, default: None
        Model folder to write.
    alignment_weight : float, default: 5.0
        Weight of the alignment loss.
    config : SessionTransformerConfig or None, default: None
        Student sizes; None uses the teacher's (the latent widths must match).
    overwrite : bool, default: False
        Replace an existing model folder.
    **training
        ``TrainerOptions`` fields.

    Returns
    -------
    LFPLatentModel
        ``card["role"] == "distilled_lfp"``.

    Examples
    --------
    >>> student = distill_lfp_student(sessions, teacher="teacher", folder="student")
    """
    teacher = _teacher(teacher)
    config = teacher.module.config if config is None else config
    if config.d_latent != teacher.module.config.d_latent:
        raise ValueError(
            f"the student's d_latent ({config.d_latent}) must equal the teacher's ({teacher.module.config.d_latent})"
        )
    training.setdefault("window_bins", teacher.window_bins)
    return _fit_lfp(sessions, folder, config, teacher.bin_s, overwrite, training, teacher, alignment_weight)


def fit_lfp_model(
    sessions,
    folder: str | Path | None = None,
    config=None,
    bin_s: float = DEFAULT_BIN_S,
    overwrite: bool = False,
    **training,
) -> LFPLatentModel:
    """The LFP-only baseline by the student's code: masked LFP autoencoding, no teacher.

    One session gives the single-session baseline, several the multi-session one (``card["role"]``).
    Parameters as :func:`distill_lfp_student`, plus ``bin_s`` (default 0.02 s).

    Examples
    --------
    >>> baseline = fit_lfp_model(sessions, folder="lfp_baseline")
    """
    return _fit_lfp(sessions, folder, config, bin_s, overwrite, training)
