"""Saved spike teachers and LFP latent models (distilled students and LFP-only baselines) as model kinds.

A folder holds ``weights.safetensors`` (the module's state, and for LFP models each session's channel means and
standard deviations) and ``card.json`` (kind, sizes, bins, sessions, training summary, provenance).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch

from ..distillation.binning import bin_lfp, bin_times
from ..model_folder import folder_hash, read_model_card, save_model_folder
from ..model_kinds import register_model_kind
from ..models.lfp_student import LFPStudent
from ..models.session_transformer import SessionTransformer, SessionTransformerConfig
from ..models.spike_teacher import SpikeTeacher
from .distill_data import BinnedSession, channel_stats, first_held_out_bin, spike_counts, standardise
from .distill_loop import TrainerOptions, run_training, seed_everything

#: Training options of :meth:`LFPLatentModel.adapt` (window_bins aside). A read-in fitted from random weights by
#: reconstruction alone needs more steps and a larger rate than the shared training: at 20 epochs and 1e-2, read-ins
#: refitted on distilled sessions decoded behaviour at R^2 0.38, with these 0.44 (multi-session LFP: 0.47 -> 0.56;
#: ``benchmarks/distillation_diagnostics.py``, ``adaptation_settings``).
ADAPT_OPTIONS = {"max_epochs": 100, "learning_rate": 3e-2, "patience": 10}


def adapt_options(window_bins: int, **overrides) -> TrainerOptions:
    """:data:`ADAPT_OPTIONS` with ``overrides`` (any ``TrainerOptions`` field), for a model of ``window_bins``."""
    return TrainerOptions(**{**ADAPT_OPTIONS, **overrides, "window_bins": window_bins})


TEACHER_KIND = "spike_teacher"
LFP_KIND = "lfp_latent_model"
WEIGHTS_FILENAME = "weights.safetensors"


def windowed_latents(module: SessionTransformer, session_id: str, values: np.ndarray, window_bins: int) -> np.ndarray:
    """Latents of every bin, from consecutive windows of ``window_bins`` (the last one ends at the last bin)."""
    n_bins = values.shape[0]
    starts = list(range(0, max(n_bins - window_bins, 0) + 1, window_bins))
    if starts[-1] + window_bins < n_bins:
        starts.append(n_bins - window_bins)
    out = np.empty((n_bins, module.config.d_latent), dtype="float32")
    module.eval()
    with torch.no_grad():
        for start in starts:
            window = torch.from_numpy(np.ascontiguousarray(values[start : start + window_bins]))[None]
            out[start : start + window_bins] = module.latents(session_id, window)[0].numpy()
    return out


class _LatentModel:
    """What teachers and LFP models share: a module, a card, bins, windows, and a safetensors folder."""

    kind = ""
    module_class: type[SessionTransformer] = SessionTransformer

    def __init__(self, module: SessionTransformer, card: dict, extra: dict[str, np.ndarray] | None = None) -> None:
        self.module = module
        self.card = card
        self.extra = extra or {}

    @property
    def bin_s(self) -> float:
        """Width of a latent bin in seconds (the latent rate is its inverse)."""
        return float(self.card["bin_s"])

    @property
    def window_bins(self) -> int:
        """Bins per window the model sees at once."""
        return int(self.card["window_bins"])

    @property
    def session_ids(self) -> list[str]:
        """Sessions with a read-in."""
        return list(self.module.session_sizes())

    def save(self, folder: str | Path, overwrite: bool = False) -> Path:
        """Write the model folder (weights as safetensors + card.json), atomically."""
        from safetensors.torch import save_file

        card = dict(self.card, sessions=self.module.session_sizes(), config=self.module.config.to_dict())
        card.setdefault("classes", [f"latent{i}" for i in range(self.module.config.d_latent)])
        tensors = {f"module.{k}": v.detach().cpu().contiguous() for k, v in self.module.state_dict().items()}
        tensors.update({f"extra.{k}": torch.from_numpy(np.ascontiguousarray(v)) for k, v in self.extra.items()})
        return save_model_folder(folder, card, lambda tmp: save_file(tensors, str(tmp / WEIGHTS_FILENAME)), overwrite)

    @classmethod
    def load(cls, folder: str | Path):
        """Load a folder written by :meth:`save`; a folder of another kind is refused with a clear error."""
        from safetensors.torch import load_file

        card = read_model_card(folder, expected_kind=cls.kind)
        path = Path(folder) / WEIGHTS_FILENAME
        if not path.is_file():
            raise ValueError(f"The model folder {folder} has no {WEIGHTS_FILENAME}")
        tensors = load_file(str(path))
        module = cls.module_class(SessionTransformerConfig(**card["config"]), card["sessions"])
        module.load_state_dict({k.removeprefix("module."): v for k, v in tensors.items() if k.startswith("module.")})
        extra = {k.removeprefix("extra."): v.numpy() for k, v in tensors.items() if k.startswith("extra.")}
        model = cls(module.eval(), card, extra)
        model.card["folder_hash"] = folder_hash(folder)
        return model


@register_model_kind
class SpikeTeacherModel(_LatentModel):
    """A trained multi-session spike teacher (from ``training.fit_spike_teacher`` or ``load_model``).

    Examples
    --------
    >>> teacher = load_model("teacher")
    >>> times, latents = teacher.latents(session)
    """

    kind = TEACHER_KIND
    module_class = SpikeTeacher

    def latents(self, session) -> tuple[np.ndarray, np.ndarray]:
        """Bin times and latents of a distillation session the teacher was trained on (by its session id)."""
        if session.session_id not in self.session_ids:
            raise ValueError(
                f"the teacher has no read-in for session {session.session_id!r}; it knows {self.session_ids}"
            )
        times, counts = spike_counts(session, self.bin_s)
        expected = self.module.session_sizes()[session.session_id]
        if counts.shape[1] != expected:
            raise ValueError(
                f"session {session.session_id!r} has {counts.shape[1]} units but the teacher's read-in takes {expected}"
            )
        return times, windowed_latents(self.module, session.session_id, counts, self.window_bins)


@register_model_kind
class LFPLatentModel(_LatentModel):
    """A trained LFP model: the distilled student, or a multi- / single-session LFP baseline (``card["role"]``).

    Examples
    --------
    >>> student = load_model("student").adapt(new_lfp)   # a read-in fitted on the new session's unlabeled LFP
    >>> times, latents = student.latents(new_lfp)
    """

    kind = LFP_KIND
    module_class = LFPStudent

    @property
    def default_session(self) -> str | None:
        """The session whose read-in :meth:`latents` uses by default (the one fitted by :meth:`adapt`)."""
        return self.card.get("default_session")

    def _stats(self, session_id: str) -> tuple[np.ndarray, np.ndarray]:
        return self.extra[f"{session_id}.mean"], self.extra[f"{session_id}.std"]

    def _session_for(self, lfp, session_id: str | None) -> str:
        n_channels = lfp.get_num_channels()
        sizes = self.module.session_sizes()
        if session_id is None and self.default_session is not None and sizes[self.default_session] == n_channels:
            session_id = self.default_session
        if session_id is None:
            matching = [s for s, size in sizes.items() if size == n_channels]
            if len(matching) != 1:
                known = {s: size for s, size in sizes.items()}
                problem = "no read-in" if not matching else f"{len(matching)} read-ins ({matching}); pass session_id"
                raise ValueError(
                    f"the model has {problem} for a recording of {n_channels} channels (read-ins, in channels: "
                    f"{known}); fit one with model.adapt(lfp) first"
                )
            session_id = matching[0]
        if session_id not in sizes:
            raise ValueError(f"the model has no read-in for session {session_id!r}; it knows {list(sizes)}")
        if sizes[session_id] != n_channels:
            raise ValueError(
                f"the read-in of session {session_id!r} takes {sizes[session_id]} channels but the recording has "
                f"{n_channels}; fit a read-in for this recording with model.adapt(lfp)"
            )
        return session_id

    def latents(self, lfp, session_id: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Bin times (s, the recording's time base) and latents, shape (n_bins, d_latent), of an LFP recording.

        Parameters
        ----------
        lfp : spikeinterface.core.BaseRecording
            One segment of LFP whose channels match a read-in.
        session_id : str or None, default: None
            Which read-in; None uses the adapted one, else the only read-in with the recording's channel count.
        """
        session_id = self._session_for(lfp, session_id)
        values = standardise(bin_lfp(lfp, self.bin_s), *self._stats(session_id))
        return bin_times(lfp, self.bin_s), windowed_latents(self.module, session_id, values, self.window_bins)

    def adapt(
        self,
        lfp,
        session_id: str | None = None,
        options: TrainerOptions | None = None,
        read_out_from: str | None = None,
        start_from: str | None = None,
    ) -> LFPLatentModel:
        """A copy of the model with a new read-in fitted on unlabeled LFP, everything shared frozen.

        Only masked LFP reconstruction is used: no spikes, no teacher, no behaviour.

        Parameters
        ----------
        lfp : spikeinterface.core.BaseRecording
            The new session's LFP (one segment).
        session_id : str or None, default: None
            Name of the new read-in; None names it ``adapted<k>``.
        options : TrainerOptions or None, default: None
            Training options; None uses :data:`ADAPT_OPTIONS` (up to 100 epochs at 3e-2, patience 10).
        read_out_from : str or None, default: None
            A known session with the same channels whose read-out is copied and kept frozen, so that only the
            read-in is fitted (a diagnostic for re-fitting a session the model knows: with a free read-out,
            reconstruction does not pin down where in the latent space the session lands).
        start_from : str or None, default: None
            A known session with the same channels whose trained read-in and read-out the fit starts from (a
            diagnostic: whether reconstruction alone keeps, or leaves, the trained weights).

        Returns
        -------
        LFPLatentModel
            The adapted copy, whose :meth:`latents` uses the new read-in by default.
        """
        options = adapt_options(self.window_bins) if options is None else options
        session_id = session_id or f"adapted{len(self.session_ids)}"
        if session_id in self.session_ids:
            raise ValueError(f"the model already has a read-in named {session_id!r}; choose another session_id")
        raw = bin_lfp(lfp, self.bin_s)
        mean, std = channel_stats(raw)
        module = copy.deepcopy(self.module)
        for parameter in module.parameters():
            parameter.requires_grad_(False)
        seed_everything(options.seed)  # the new read-in's initial weights, not only the window order
        module.add_session(session_id, raw.shape[1])
        sizes = self.module.session_sizes()
        for name, source in (("read_out_from", read_out_from), ("start_from", start_from)):
            if source is not None and sizes.get(source) != raw.shape[1]:
                raise ValueError(
                    f"{name}={source!r} is not a read-in of {raw.shape[1]} channels (read-ins, in channels: {sizes})"
                )
        if start_from is not None:
            module.copy_session(session_id, start_from)
        if read_out_from is not None:
            module.copy_read_out(session_id, read_out_from)
        times = bin_times(lfp, self.bin_s)
        binned = BinnedSession(
            session_id, standardise(raw, mean, std), times, first_held_out_bin(times, None, options.held_out_fraction)
        )
        summary = run_training(module, [binned], options)
        for parameter in module.parameters():
            parameter.requires_grad_(True)
        card = copy.deepcopy(self.card)
        card["default_session"] = session_id
        card.setdefault("adapted", []).append({"session_id": session_id, "n_channels": raw.shape[1], **summary})
        extra = dict(self.extra, **{f"{session_id}.mean": mean, f"{session_id}.std": std})
        return LFPLatentModel(module, card, extra)
