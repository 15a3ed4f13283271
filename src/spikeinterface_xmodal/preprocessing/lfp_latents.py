"""A lazy SpikeInterface node that streams an LFP latent model's latents (the distilled student or a baseline).

The model is named by its folder (a string in the node's kwargs, so the node serialises with ``to_dict`` and
reloads with ``spikeinterface.load``); each process loads it once, on first use, and keeps it in memory.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from spikeinterface.core import BaseRecording, BaseRecordingSegment
from spikeinterface.core.core_tools import define_function_handling_dict_from_class
from spikeinterface.preprocessing.basepreprocessor import BasePreprocessor

from ..distillation.binning import n_bins_of
from ..model_folder import folder_hash, read_model_card

LFP_LATENT_KIND = "lfp_latent_model"  # the card kind of ``training.distill_kinds.LFPLatentModel``


@lru_cache(maxsize=4)
def _cached_model(folder: str, digest: str):
    """The model in ``folder`` (resolved), loaded once per process and folder content (``digest``)."""
    from ..model_kinds import load_model

    return load_model(folder)


def load_latent_model(folder: str | Path, digest: str | None = None, kind: str = LFP_LATENT_KIND):
    """Load an LFP latent model (or a spike teacher) folder, shared within the process while the folder is unchanged.

    Parameters
    ----------
    folder : str or Path
        A folder written by ``training.distill_lfp_student``, ``training.fit_lfp_model`` or ``model.save``.
    digest : str or None, default: None
        The folder's ``model_folder.folder_hash`` when the caller has it (None: computed here).
    kind : str, default: "lfp_latent_model"
        The kind the folder must hold (``"spike_teacher"`` for a teacher).

    Returns
    -------
    LFPLatentModel or SpikeTeacherModel
        The cached model (shared: do not modify it).

    Raises
    ------
    ValueError
        If the folder is missing, or holds a model of another kind.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"model: the {kind} model folder {folder} does not exist or is not a folder")
    read_model_card(folder, expected_kind=kind)
    return _cached_model(str(folder.resolve()), folder_hash(folder) if digest is None else digest)


def read_in_of(model, size: int, session_id: str | None = None) -> str | None:
    """The read-in a latent model uses for inputs of ``size`` values (channels or units).

    ``session_id`` when given; else the adapted read-in (``model.default_session``) when it takes ``size``; else
    the only read-in that does, None when there is none or several (``model.latents`` then says why).
    """
    if session_id is not None:
        return session_id
    sizes = model.module.session_sizes()
    default = getattr(model, "default_session", None)
    if default is not None and sizes.get(default) == size:
        return default
    matching = [session for session, n in sizes.items() if n == size]
    return matching[0] if len(matching) == 1 else None


def latent_model_info(model, folder: str | Path, session_id: str | None = None) -> dict:
    """Provenance of latents from a saved latent model: what the analyzer extensions and NWB files record.

    Parameters
    ----------
    model : LFPLatentModel or SpikeTeacherModel
        The model, loaded from ``folder``.
    folder : str or Path
        Its model folder.
    session_id : str or None, default: None
        The read-in that gave the latents.

    Returns
    -------
    dict
        ``kind``, ``role``, ``session_id``, ``bin_s``, ``model_name`` (the card's name, else the folder's),
        ``model_version`` (package version that trained it), ``model_hash`` (``model_folder.folder_hash``) and
        ``card``; JSON-serialisable.
    """
    card = {key: value for key, value in model.card.items() if key != "folder_hash"}
    return dict(
        kind=card["kind"],
        role=card.get("role", card["kind"]),
        session_id=session_id,
        bin_s=float(card["bin_s"]),
        model_name=card.get("name", Path(folder).resolve().name),
        model_version=card["package_version"],
        model_hash=folder_hash(folder),
        card=card,
    )


def first_sample_of_bin(bin_index: int, samples_per_bin: float) -> int:
    """First sample ``i`` with ``i // samples_per_bin >= bin_index``: the binning of ``distillation.bin_lfp``."""
    sample = int(np.ceil(bin_index * samples_per_bin))
    while sample > 0 and (sample - 1) // samples_per_bin >= bin_index:
        sample -= 1
    while sample // samples_per_bin < bin_index:
        sample += 1
    return sample


class LfpLatentsRecording(BasePreprocessor):
    """The latents of an LFP latent model over time, as a lazy recording: one channel per latent dimension.

    Output sample ``k`` of a segment is the model's latent of the ``k``-th bin of ``bin_s`` (the model's bin,
    e.g. 20 ms) of the parent segment, timed at the bin's centre, so the output rate is ``1 / bin_s`` whatever
    the LFP rate, and channel ids are ``latent0``, ``latent1``, ... (float32, arbitrary units, no probe).
    The model sees windows of ``window_bins`` bins laid on the whole segment from its first bin: ``get_traces``
    runs it on the requested bins plus one window of context on each side, cut on that grid, reading only that
    span of LFP, so chunked traces equal ``model.latents(recording)`` whatever the chunks (up to float rounding)
    when the LFP rate times ``bin_s`` is a whole number of samples (otherwise a bin's edge may move by one LFP
    sample). The context costs about two windows per call: ask for many bins at once (e.g.
    ``chunk_duration="60s"`` when saving, 3000 bins of 20 ms against 2 x 50 of context).

    Parameters
    ----------
    recording : BaseRecording
        The LFP, with as many channels as a read-in of the model (in uV when it has gains).
    model : str or Path
        Folder of an LFP latent model (``kind`` ``lfp_latent_model``): a distilled student or an LFP-only
        baseline, adapted to this recording's channels (``model.adapt(lfp).save(folder)``) when it was not
        trained on it.
    session_id : str or None, default: None
        Which read-in to use; None uses the adapted one, else the only read-in with the recording's channel count.

    Returns
    -------
    LfpLatentsRecording
        The latents recording (float32, sampling frequency ``1 / bin_s``).

    Examples
    --------
    >>> latents = lfp_latents(lfp, model="student_adapted")
    >>> latents.save(folder="latents", n_jobs=2, chunk_duration="60s")
    """

    def __init__(self, recording: BaseRecording, model: str | Path, session_id: str | None = None):
        if not isinstance(recording, BaseRecording):
            raise ValueError(f"recording must be a spikeinterface BaseRecording, got {type(recording).__name__}")
        digest = folder_hash(model) if Path(model).is_dir() else None
        loaded = load_latent_model(model, digest)
        bin_s, window_bins = loaded.bin_s, loaded.window_bins
        d_latent = loaded.module.config.d_latent
        segments = [
            recording if recording.get_num_segments() == 1 else recording.select_segments([index])
            for index in range(recording.get_num_segments())
        ]
        for segment in segments:  # the model's own checks (rate, duration, channels, read-in) on one window
            samples_per_bin = segment.sampling_frequency * bin_s
            bins = min(window_bins, max(n_bins_of(segment, bin_s), 1))
            end = min(segment.get_num_samples(), max(first_sample_of_bin(bins, samples_per_bin), 1))
            loaded.latents(segment.frame_slice(0, end), session_id=session_id)

        channel_ids = np.array([f"latent{i}" for i in range(d_latent)])
        # not BasePreprocessor.__init__: it copies the parent's channel metadata by channel id, and ids change here
        BaseRecording.__init__(self, 1.0 / bin_s, channel_ids, "float32")
        self._parent = recording
        folder = str(Path(model).resolve())
        for segment in segments:
            self.add_recording_segment(
                LfpLatentsRecordingSegment(segment, (folder, digest), session_id, bin_s, window_bins, d_latent)
            )
        self.annotate(model_kind=loaded.card["kind"], model_role=loaded.card.get("role", ""))
        self._kwargs = dict(recording=recording, model=folder, session_id=session_id)


class LfpLatentsRecordingSegment(BaseRecordingSegment):
    """One segment of ``LfpLatentsRecording``: runs the model on the windows that ``get_traces`` asks for."""

    def __init__(
        self,
        lfp: BaseRecording,
        model: tuple[str, str],
        session_id: str | None,
        bin_s: float,
        window_bins: int,
        d_latent: int,
    ) -> None:
        self._lfp = lfp  # one segment
        self._model = model  # (resolved folder, folder hash): the key of the process's model cache
        self._d_latent = d_latent
        self._session_id = session_id
        self._window_bins = window_bins
        self._samples_per_bin = lfp.sampling_frequency * bin_s
        self._n_bins = n_bins_of(lfp, bin_s)
        times = lfp.segments[0].get_times_kwargs()
        start = times["time_vector"][0] if times["time_vector"] is not None else (times["t_start"] or 0.0)
        BaseRecordingSegment.__init__(self, sampling_frequency=1.0 / bin_s, t_start=float(start) + bin_s / 2)

    def get_num_samples(self) -> int:
        return self._n_bins

    def _span(self, start_bin: int, end_bin: int) -> tuple[int, int]:
        """Bins ``[first, stop)`` that the model runs on to give bins ``[start, end)`` as on the whole segment.

        One window of context on each side, the edges on the model's grid of windows (multiples of both
        ``window_bins`` and half of it, the steps of non- and half-overlapping windows from the first bin): then
        each requested bin lies in the same windows, with the same neighbours, as when the whole segment is run.
        """
        size = self._window_bins
        unit = math.lcm(size, max(1, size // 2))
        first = max(0, (start_bin - size) // unit * unit)
        stop = min(self._n_bins, -(-(end_bin + size) // unit) * unit)
        return first, stop

    def get_traces(self, start_frame: int, end_frame: int, channel_indices) -> np.ndarray:
        channels = np.arange(self._d_latent)
        channels = channels if channel_indices is None else channels[channel_indices]
        if end_frame <= start_frame or channels.size == 0:
            return np.zeros((max(end_frame - start_frame, 0), channels.size), dtype="float32")
        first, stop = self._span(start_frame, end_frame)
        lfp = self._lfp.frame_slice(
            first_sample_of_bin(first, self._samples_per_bin),
            min(first_sample_of_bin(stop, self._samples_per_bin), self._lfp.get_num_samples()),
        )
        _, latents = _cached_model(*self._model).latents(lfp, session_id=self._session_id)
        return latents[start_frame - first : end_frame - first][:, channels]


lfp_latents = define_function_handling_dict_from_class(source_class=LfpLatentsRecording, name="lfp_latents")
