"""Pairing an LFP stream with the channels of another recording or analyzer of the same probe."""

from __future__ import annotations

import numpy as np
from spikeinterface.core import BaseRecording

#: Channel positions closer than this (um) are the same position.
LOCATION_TOLERANCE_UM = 1e-3


def match_lfp_channels(
    lfp: BaseRecording, channel_ids: np.ndarray, channel_locations: np.ndarray, reference: str = "analyzer"
) -> BaseRecording:
    """The LFP restricted to (and ordered like) a reference's channels, refusing other ids or positions.

    Parameters
    ----------
    lfp : BaseRecording
        The LFP stream (e.g. the probe's LF stream).
    channel_ids : np.ndarray
        The reference's channel ids.
    channel_locations : np.ndarray
        (n_channels, 2 or 3) the reference's channel positions (um).
    reference : str, default: "analyzer"
        What the channels belong to, as error messages name it ("analyzer", "recording").

    Returns
    -------
    BaseRecording
        ``lfp`` itself when its channels already match, else a channel slice of it.

    Raises
    ------
    ValueError
        When the LFP lacks some of the channel ids, or places a channel elsewhere (scoring an LFP from other
        positions than the ones reported would be silently wrong).
    """
    missing = [c for c in channel_ids.tolist() if c not in set(lfp.channel_ids.tolist())]
    if missing:
        raise ValueError(
            f"The LFP recording lacks {len(missing)} of the {reference}'s {len(channel_ids)} channels "
            f"(e.g. {missing[:5]}); its channel ids are {lfp.channel_ids[:5].tolist()}... "
            "Pass the LFP stream of the same probe, with the same channel ids."
        )
    if not (lfp.get_num_channels() == len(channel_ids) and np.array_equal(lfp.channel_ids, channel_ids)):
        lfp = lfp.select_channels(list(channel_ids))
    if lfp.has_probe() or "location" in lfp.get_property_keys():
        lfp_locations = lfp.get_channel_locations()[:, :2]
        moved = ~np.all(np.isclose(lfp_locations, channel_locations[:, :2], atol=LOCATION_TOLERANCE_UM), axis=1)
        if np.any(moved):
            raise ValueError(
                f"The LFP recording places {moved.sum()} of the {reference}'s channels at other locations "
                f"(e.g. channel {channel_ids[moved][0]!r}: {lfp_locations[moved][0].tolist()} um in the LFP, "
                f"{channel_locations[moved][0, :2].tolist()} um in the {reference}). Pass the LFP of the same "
                "probe with the same geometry."
            )
    return lfp
