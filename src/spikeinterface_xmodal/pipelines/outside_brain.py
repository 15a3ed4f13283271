"""Channels outside the brain (top of the probe in saline or air, gaps between structures), from a region model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from spikeinterface.core import BaseRecording

from ..nwb.properties import PREDICTED_PROPERTY, PROBABILITY_PROPERTY_PREFIX
from ..region_models.base import RegionModelKind
from .localize import localize_channels

#: Region classes that mean "not in the brain": ``void`` in the package's generator and in IBL's atlas labels.
OUTSIDE_REGIONS = ("void",)
#: Total probability of the outside classes from which a channel counts as outside.
DEFAULT_MIN_PROBABILITY = 0.5


def outside_probability(recording: BaseRecording, outside_regions: Sequence[str] = OUTSIDE_REGIONS) -> np.ndarray:
    """Per-channel probability of being outside the brain: ``brain_area_p_<region>`` summed over ``outside_regions``.

    Parameters
    ----------
    recording : BaseRecording
        A recording carrying region properties (``localize_channels``).
    outside_regions : sequence of str, default: ("void",)
        Classes of the model that lie outside the brain.

    Returns
    -------
    np.ndarray
        (n_channels,) float.
    """
    keys = recording.get_property_keys()
    if PREDICTED_PROPERTY not in keys:
        raise ValueError(
            "The recording carries no region predictions: pass model=<region model folder>, or call "
            "localize_channels(recording, model) first."
        )
    prefix = PROBABILITY_PROPERTY_PREFIX
    classes = [key.removeprefix(prefix) for key in keys if key.startswith(prefix)]
    known = [region for region in outside_regions if region in classes]
    if not known:
        raise ValueError(
            f"outside_regions {list(outside_regions)} are not classes of the region model (its classes: {classes}); "
            "name the model's classes that lie outside the brain, or use a model trained with out-of-brain channels."
        )
    return np.sum([recording.get_property(f"{PROBABILITY_PROPERTY_PREFIX}{region}") for region in known], axis=0)


def detect_channels_outside_brain(
    recording: BaseRecording,
    model: RegionModelKind | str | Path | None = None,
    outside_regions: Sequence[str] = OUTSIDE_REGIONS,
    min_probability: float = DEFAULT_MIN_PROBABILITY,
    **localize_kwargs,
) -> tuple[np.ndarray, BaseRecording]:
    """Channels predicted outside the brain, and the recording without them.

    Like SpikeInterface's ``detect_bad_channels`` / ``detect_and_remove_bad_channels`` for its "out" label,
    but depth-aware and wherever the channels are: a channel is outside when its predicted region is one of
    the ``outside_regions``, or when the model gives them a total (calibrated, smoothed along the probe)
    probability of at least ``min_probability``, whether it sits at the top of the probe, between two
    structures, or anywhere on a probe whose recorded bank is shifted. No channel predicted outside is left
    (so sorting by ``brain_area_predicted`` afterwards meets no outside group).

    Parameters
    ----------
    recording : BaseRecording
        The recording, with channel locations; or one already carrying region properties
        (``localize_channels``), then ``model`` may be None.
    model : RegionModelKind, str, Path or None, default: None
        Region model (folder) whose classes include the ``outside_regions``; None uses the recording's
        region properties.
    outside_regions : sequence of str, default: ("void",)
        Model classes that lie outside the brain.
    min_probability : float, default: 0.5
        Channels whose outside probability reaches this are removed (even when another region is more
        probable than any single outside class).
    **localize_kwargs
        Passed to ``localize_channels`` when ``model`` is given (``lfp_recording``, ``n_windows``, ``seed``,
        job kwargs).

    Returns
    -------
    outside_channel_ids : np.ndarray
        Ids of the channels outside the brain.
    recording_in_brain : BaseRecording
        The (localized) recording without them, with the region properties.

    Raises
    ------
    ValueError
        When every channel is predicted outside the brain (nothing would be left), when the model has none of
        ``outside_regions``, or when ``min_probability`` is not in (0, 1].

    Examples
    --------
    >>> outside_ids, recording = detect_channels_outside_brain(recording, "region_model")
    """
    if not 0 < min_probability <= 1:
        raise ValueError(f"min_probability must lie in (0, 1], got {min_probability}")
    localized = recording if model is None else localize_channels(recording, model, **localize_kwargs)
    predicted_outside = np.isin(localized.get_property(PREDICTED_PROPERTY), list(outside_regions))
    outside = predicted_outside | (outside_probability(localized, outside_regions) >= min_probability)
    if outside.all():
        raise ValueError(
            f"All {outside.size} channels are predicted outside the brain ({list(outside_regions)}); refusing to "
            "remove every channel. Is the probe in the brain, and is this the right model for the recording?"
        )
    outside_ids = np.asarray(localized.channel_ids)[outside]
    return outside_ids, localized.remove_channels(outside_ids)
