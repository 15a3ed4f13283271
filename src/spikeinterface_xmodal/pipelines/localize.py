"""Region predictions as channel properties of a recording, so that a SpikeInterface pipeline carries them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from spikeinterface.core import BaseRecording

from ..model_folder import folder_hash
from ..nwb.properties import PREDICTED_PROPERTY, PROBABILITY_PROPERTY_PREFIX
from ..preprocessing.match_channels import match_lfp_channels
from ..region_models.base import RegionModelKind, load_region_model
from ..region_models.estimate import ChannelRegionEstimate

#: Channel property with each channel's out-of-distribution score (above 1: unlike the model's training data).
OOD_PROPERTY = "brain_area_ood_score"
#: Channel property that is True where a channel's LFP was flat (dead, disconnected or all zero).
FLAT_PROPERTY = "brain_area_flat"


def as_region_model(model: RegionModelKind | str | Path) -> RegionModelKind:
    """A loaded region model, or the one in the folder ``model`` (kept in memory by the folder's hash)."""
    if isinstance(model, RegionModelKind):
        return model
    if not isinstance(model, (str, Path)):
        raise TypeError(f"model must be a region model folder or a loaded region model, got {type(model).__name__}")
    if not Path(model).is_dir():
        raise FileNotFoundError(f"Model folder {model} does not exist or is not a folder")
    return load_region_model(model, digest=folder_hash(model))


def region_property_keys(recording: BaseRecording) -> list[str]:
    """The names of the region properties a recording carries (predicted region, probabilities, OOD score, flat)."""
    return [
        key
        for key in recording.get_property_keys()
        if key in (PREDICTED_PROPERTY, OOD_PROPERTY, FLAT_PROPERTY) or key.startswith(PROBABILITY_PROPERTY_PREFIX)
    ]


def set_estimate_properties(recording: BaseRecording, estimate: ChannelRegionEstimate) -> None:
    """Write an estimate as channel properties, replacing the region properties of an earlier prediction.

    ``brain_area_predicted`` (str), one float ``brain_area_p_<region>`` per class and, when the model gives
    them, ``brain_area_ood_score`` (float) and ``brain_area_flat`` (bool); a user's ``brain_area`` and
    ``location`` are never touched.
    """
    for key in region_property_keys(recording):
        recording.delete_property(key)
    ids = estimate.channel_ids
    recording.set_property(PREDICTED_PROPERTY, np.asarray(estimate.labels, dtype=str), ids=ids)
    for index, region in enumerate(estimate.classes):
        recording.set_property(
            f"{PROBABILITY_PROPERTY_PREFIX}{region}", estimate.probabilities[:, index].astype("float64"), ids=ids
        )
    if estimate.ood_score is not None:
        recording.set_property(OOD_PROPERTY, np.asarray(estimate.ood_score, dtype="float64"), ids=ids)
    if estimate.flat is not None:
        recording.set_property(FLAT_PROPERTY, np.asarray(estimate.flat, dtype=bool), ids=ids)


def localize_channels(
    recording: BaseRecording,
    model: RegionModelKind | str | Path,
    lfp_recording: BaseRecording | None = None,
    n_windows: int | None = 20,
    seed: int = 0,
    smoothing: bool = True,
    **job_kwargs,
) -> BaseRecording:
    """Predict the brain region of every channel and return the recording with the predictions as properties.

    Runs any region model (``spikeinterface_xmodal.load_model``) on the recording's own LFP (a wide-band or
    AP recording is band-limited and downsampled to the model's rate with ``extract_lfp``) or on a given LF
    stream of the same probe. The returned recording is a lazy view of ``recording`` (which is left as it
    was) carrying the channel properties

    - ``brain_area_predicted``: the predicted region (str);
    - ``brain_area_p_<region>``: the probability of each region of the model (float);
    - ``brain_area_ood_score``: the out-of-distribution score, when the model has one (above 1: unlike the
      channels the model was trained on);
    - ``brain_area_flat``: True where the channel's LFP was flat (dead, disconnected or all zero), when the
      model reports it; such channels still get a prediction, which says nothing about their region.

    The names are those of ``nwb.set_region_properties``. SpikeInterface carries them through
    preprocessing, channel slicing, ``save`` / ``spikeinterface.load``, ``run_sorter_by_property`` (e.g.
    ``grouping_property="brain_area_predicted"``) and into a SortingAnalyzer
    (``analyzer.get_recording_property``). A user's own ``brain_area`` and ``location`` are kept as they are.

    Parameters
    ----------
    recording : BaseRecording
        The recording to annotate, with channel locations (a probe).
    model : RegionModelKind, str or Path
        A region model folder, or a model loaded with ``load_model``.
    lfp_recording : BaseRecording or None, default: None
        The probe's LF stream with the same channel ids and positions; None uses ``recording`` itself.
    n_windows : int or None, default: 20
        Analysis windows per channel; None uses the whole recording.
    seed : int, default: 0
        Seed of the window draw.
    smoothing : bool, default: True
        Smooth along the probe with the model's hidden-Markov model.
    **job_kwargs
        SpikeInterface job kwargs (``n_jobs``, ``chunk_duration``, ``progress_bar``).

    Returns
    -------
    BaseRecording
        A channel slice of ``recording`` (all channels) with the region properties.

    Raises
    ------
    ValueError
        When the recording has no channel locations, cannot reach the model's LFP rate, or the LF stream's
        channels differ from the recording's.

    Examples
    --------
    >>> recording = localize_channels(recording, "region_model", lfp_recording=lf_stream)
    >>> recording.get_property("brain_area_predicted")
    """
    if not isinstance(recording, BaseRecording):
        raise TypeError(f"recording must be a spikeinterface BaseRecording, got {type(recording).__name__}")
    if not (recording.has_probe() or "location" in recording.get_property_keys()):
        raise ValueError(
            "The recording has no channel locations: region models need each channel's position along the "
            "probe. Attach the probe first (recording.set_probe(probe) with probeinterface)."
        )
    region_model = as_region_model(model)
    source = recording
    if lfp_recording is not None:
        if not isinstance(lfp_recording, BaseRecording):
            raise TypeError(f"lfp_recording must be a BaseRecording or None, got {type(lfp_recording).__name__}")
        source = match_lfp_channels(
            lfp_recording, recording.channel_ids, recording.get_channel_locations(), reference="recording"
        )
    estimate = region_model.predict(source, n_windows=n_windows, seed=seed, smoothing=smoothing, **job_kwargs)
    localized = recording.select_channels(recording.channel_ids)
    set_estimate_properties(localized, estimate)
    return localized
