"""The ``lfp_latents`` and ``spike_latents`` SortingAnalyzer extensions: a session's latents over time.

``lfp_latents`` runs an LFP latent model (the distilled student, or an LFP-only baseline) on the session's LFP,
``spike_latents`` the spike teacher on the analyzer's units. Both store ``times`` (bin centres, s) and ``latents``
(n_bins, d_latent) with the model's provenance; both are unit-independent like SpikeInterface's ``noise_levels``
(latents describe the session, not a unit), so selecting, merging or splitting units keeps them as they are.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from spikeinterface.core import BaseRecording
from spikeinterface.core.sortinganalyzer import register_result_extension

from ..model_folder import read_model_card
from .recording_param import describe_recording, given_or_analyzer_recording
from .safe_extension import SafeRecomputeExtension

TEACHER_KIND = "spike_teacher"  # the card kind of ``training.distill_kinds.SpikeTeacherModel``
_TEACHER_UNITS = (
    "; the teacher only takes the units it was trained on (merged, split or removed since? merge and split "
    "softly to keep spike_latents, or compute it before curating)"
)


def _model_folder(model: str | Path | None, extension: str, kind: str, how: str) -> str:
    """The resolved folder of a model of ``kind``, checked (missing, corrupt or another kind: ValueError)."""
    if model is None:
        raise ValueError(f"{extension} needs model=<path of a {kind} model folder>; {how}")
    if not Path(model).is_dir():
        raise ValueError(f"{extension}: the model folder {model} does not exist or is not a folder")
    read_model_card(model, expected_kind=kind)
    return str(Path(model).resolve())


class _LatentsExtension(SafeRecomputeExtension):
    """What both extensions share: the model and recording params, safe recomputes, unit-independent data.

    Every input is checked before SpikeInterface removes an old result, and saved results are replaced only once
    new ones exist (``SafeRecomputeExtension``, the contract of ``lfp_region``).
    """

    depend_on = []
    need_recording = False
    use_nodepipeline = False
    need_job_kwargs = False

    def _recording(self) -> BaseRecording:
        """The recording given as ``lfp_recording`` (reloaded from its description), else the analyzer's."""
        recording = given_or_analyzer_recording(self)
        if recording.get_num_segments() != 1:
            raise ValueError(
                f"{self.extension_name} needs a recording with one segment, got {recording.get_num_segments()}"
            )
        return recording

    def _store(self, model, times: np.ndarray, latents: np.ndarray, session_id: str) -> None:
        from ..preprocessing.lfp_latents import latent_model_info

        self.data["times"] = np.asarray(times, dtype="float64")
        self.data["latents"] = np.asarray(latents, dtype="float32")
        self.data["model_info"] = latent_model_info(model, self.params["model"], session_id)

    # latents describe the session, not a unit or a channel: every selection, merge or split keeps them
    def _select_units_extension_data(self, unit_ids):
        return dict(self.data)

    def _merge_extension_data(
        self, merge_unit_groups, new_unit_ids, new_sorting_analyzer, keep_mask=None, verbose=False, **job_kwargs
    ):
        return dict(self.data)

    def _split_extension_data(self, split_units, new_unit_ids, new_sorting_analyzer, verbose=False, **job_kwargs):
        return dict(self.data)

    def _select_channels_extension_data(self, channel_ids):
        return dict(self.data)

    def _get_data(self, outputs: str = "numpy"):
        if outputs != "numpy":
            raise ValueError(f"outputs must be 'numpy', got {outputs!r}")
        return self.data["times"], self.data["latents"]

    @property
    def model_info(self) -> dict:
        """The model's kind, role, name, version, folder hash, read-in (``session_id``), bin width and card."""
        return self.data["model_info"]


class ComputeLfpLatents(_LatentsExtension):
    """Latents of the session's LFP over time, from an LFP latent model (distilled student or LFP-only baseline).

    The latents are ``model.latents(lfp_recording)``, the same values as the ``preprocessing.lfp_latents`` node
    gives: one row per bin of the model (e.g. 20 ms) on the LFP's time base, one column per latent dimension.

    Parameters
    ----------
    lfp_recording : BaseRecording or None, default: None
        The session's LFP (one segment), with as many channels as a read-in of the model. None uses the
        analyzer's recording. Saved (``lfp.save(folder=...)``) it reloads from the params, so hard merges and
        splits, which recompute, work after a reload.
    model : str or Path
        Folder of an LFP latent model; for a session the model never saw, adapt it first
        (``model.adapt(lfp).save(folder)`` or ``xmodal distill adapt``).
    session_id : str or None, default: None
        Which read-in; None uses the adapted one, else the only read-in with the LFP's channel count.

    Returns
    -------
    tuple of np.ndarray
        ``get_data()`` returns ``(times, latents)``: bin centres (s), shape (n_bins,), and latents, shape
        (n_bins, d_latent); ``model_info`` holds the provenance (kind, role, name, version, folder hash, card).

    Examples
    --------
    >>> analyzer.compute("lfp_latents", lfp_recording=lfp, model="student_adapted")
    >>> times, latents = analyzer.get_extension("lfp_latents").get_data()
    """

    extension_name = "lfp_latents"

    def _set_params(
        self,
        lfp_recording: BaseRecording | dict | None = None,
        model: str | Path | None = None,
        session_id: str | None = None,
    ):
        from ..preprocessing.lfp_latents import LFP_LATENT_KIND

        how = "train one with training.distill_lfp_student or `xmodal distill student`"
        folder = _model_folder(model, self.extension_name, LFP_LATENT_KIND, how)
        self._lfp_recording = lfp_recording if isinstance(lfp_recording, BaseRecording) else None
        return dict(
            lfp_recording=describe_recording(lfp_recording),
            model=folder,
            session_id=None if session_id is None else str(session_id),
        )

    def _check_inputs(self) -> None:
        from ..preprocessing.lfp_latents import lfp_latents

        lfp_latents(self._recording(), model=self.params["model"], session_id=self.params["session_id"])

    def _run(self, verbose=False):
        from ..preprocessing.lfp_latents import load_latent_model, read_in_of

        model = load_latent_model(self.params["model"])
        lfp = self._recording()
        times, latents = model.latents(lfp, session_id=self.params["session_id"])
        self._store(model, times, latents, read_in_of(model, lfp.get_num_channels(), self.params["session_id"]))


class ComputeSpikeLatents(_LatentsExtension):
    """Latents of the analyzer's units over time, from the spike teacher, on the bins of the session's LFP.

    The teacher takes the units as it was trained on them (its read-in of this session): the analyzer's unit
    count must equal the read-in's. Selecting units, soft merges and soft splits keep the latents as computed;
    a hard merge or split recomputes, which the teacher cannot do for units it was not trained on (a clear error).

    Parameters
    ----------
    model : str or Path
        Folder of a spike teacher (``training.fit_spike_teacher``, ``xmodal distill teacher``).
    session_id : str or None, default: None
        The teacher's read-in for this session; None takes the only read-in with the analyzer's unit count.
    lfp_recording : BaseRecording or None, default: None
        Gives the time bins (those of the LFP model, so both latents line up); only its duration and times are
        used. None uses the analyzer's recording.

    Returns
    -------
    tuple of np.ndarray
        ``get_data()`` returns ``(times, latents)`` as ``lfp_latents`` does.

    Examples
    --------
    >>> analyzer.compute("spike_latents", model="teacher", lfp_recording=lfp)
    """

    extension_name = "spike_latents"

    def _set_params(
        self,
        model: str | Path | None = None,
        session_id: str | None = None,
        lfp_recording: BaseRecording | dict | None = None,
    ):
        how = "train one with training.fit_spike_teacher or `xmodal distill teacher`"
        folder = _model_folder(model, self.extension_name, TEACHER_KIND, how)
        self._lfp_recording = lfp_recording if isinstance(lfp_recording, BaseRecording) else None
        return dict(
            model=folder,
            session_id=None if session_id is None else str(session_id),
            lfp_recording=describe_recording(lfp_recording),
        )

    def _teacher(self):
        from ..preprocessing.lfp_latents import load_latent_model

        return load_latent_model(self.params["model"], kind=TEACHER_KIND)

    def _session(self):
        from ..distillation.session import DistillationSession
        from ..preprocessing.lfp_latents import read_in_of

        teacher = self._teacher()
        n_units = self.sorting_analyzer.get_num_units()
        session_id = read_in_of(teacher, n_units, self.params["session_id"])
        if session_id is None:
            raise ValueError(
                f"spike_latents: the teacher has no single read-in for {n_units} units (read-ins and their sizes: "
                f"{teacher.module.session_sizes()}){_TEACHER_UNITS}"
            )
        sorting = self.sorting_analyzer.sorting
        return DistillationSession(sorting, self._recording(), None, None, session_id)

    def _check_inputs(self) -> None:
        teacher, session = self._teacher(), self._session()
        sizes = teacher.module.session_sizes()
        if session.session_id not in sizes:
            raise ValueError(
                f"spike_latents: the teacher has no read-in for session {session.session_id!r}; it knows {list(sizes)}"
            )
        if sizes[session.session_id] != self.sorting_analyzer.get_num_units():
            raise ValueError(
                f"spike_latents: the teacher's read-in of session {session.session_id!r} takes "
                f"{sizes[session.session_id]} units but the analyzer has {self.sorting_analyzer.get_num_units()}"
                f"{_TEACHER_UNITS}"
            )

    def _run(self, verbose=False):
        self._check_inputs()
        session = self._session()
        teacher = self._teacher()
        times, latents = teacher.latents(session)
        self._store(teacher, times, latents, session.session_id)


register_result_extension(ComputeLfpLatents)
register_result_extension(ComputeSpikeLatents)
compute_lfp_latents = ComputeLfpLatents.function_factory()
compute_spike_latents = ComputeSpikeLatents.function_factory()
