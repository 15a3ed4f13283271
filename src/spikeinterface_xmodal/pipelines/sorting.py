"""Spike sorting of each predicted region separately, with SpikeInterface's ``run_sorter_by_property``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from spikeinterface.core import BaseRecording, BaseSorting

from ..nwb.properties import PREDICTED_PROPERTY


def check_grouping_property(recording: BaseRecording, grouping_property: str) -> np.ndarray:
    """The distinct values of a channel property to sort by; a ValueError when there is nothing to split.

    Parameters
    ----------
    recording : BaseRecording
        The recording to sort.
    grouping_property : str
        Channel property naming each channel's group (e.g. ``brain_area_predicted``).

    Returns
    -------
    np.ndarray
        The groups, sorted.
    """
    if grouping_property not in recording.get_property_keys():
        hint = " (set it with localize_channels(recording, model))" if grouping_property == PREDICTED_PROPERTY else ""
        raise ValueError(f"The recording has no channel property {grouping_property!r}{hint}")
    values = np.asarray(recording.get_property(grouping_property))
    groups = np.unique(values)
    if groups.size < 2:
        raise ValueError(
            f"Every channel has {grouping_property}={groups[0]!r}: there is only one group to sort, so sort the "
            "recording as a whole with spikeinterface.sorters.run_sorter"
        )
    return groups


def run_sorter_by_region(
    sorter_name: str,
    recording: BaseRecording,
    folder: str | Path,
    grouping_property: str = PREDICTED_PROPERTY,
    **sorter_kwargs,
) -> BaseSorting:
    """Sort each predicted region separately and aggregate the units (SpikeInterface's ``run_sorter_by_property``).

    Parameters
    ----------
    sorter_name : str
        A SpikeInterface sorter (e.g. the internal ``"simple"`` or ``"spykingcircus2"``).
    recording : BaseRecording
        The (preprocessed) recording, carrying ``grouping_property`` (``localize_channels``).
    folder : str or Path
        Output folder (one sub-folder per region).
    grouping_property : str, default: "brain_area_predicted"
        Channel property to split by; needs at least two values.
    **sorter_kwargs
        Passed to ``run_sorter_by_property`` (sorter parameters, ``engine``, ``verbose``, ...).

    Returns
    -------
    BaseSorting
        The aggregated sorting; each unit carries ``grouping_property``.

    Examples
    --------
    >>> sorting = run_sorter_by_region("simple", localize_channels(recording, "region_model"), "sorted")
    """
    from spikeinterface.sorters import run_sorter_by_property  # imports every sorter wrapper: only when sorting

    check_grouping_property(recording, grouping_property)
    return run_sorter_by_property(sorter_name, recording, grouping_property, folder, **sorter_kwargs)
