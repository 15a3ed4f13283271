"""Attach stored region predictions to a SpikeInterface recording as channel properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .readers import PROBABILITY_PREFIX, read_predictions

PREDICTED_PROPERTY = "brain_area_predicted"
PROBABILITY_PROPERTY_PREFIX = "brain_area_p_"


def set_region_properties(recording, nwb_path: str | Path, name: str = "lfp_region") -> list[str]:
    """Set the predicted region and the class probabilities of a stored table as channel properties.

    Sets ``brain_area_predicted`` (str) and one float property ``brain_area_p_<class>`` per class. Channels
    of ``recording`` are matched to the table by channel id, the way SpikeInterface's NWB reader names them
    (``channel_name`` column, else electrode id); channels without a prediction get "" and NaN.

    Parameters
    ----------
    recording : BaseRecording
        Typically from ``spikeinterface.extractors.read_nwb_recording(nwb_path, ...)``.
    nwb_path : str or Path
        The NWB file holding the predictions.
    name : str, default: "lfp_region"
        Name of the RegionPredictionTable.

    Returns
    -------
    list of str
        The names of the properties that were set.

    Raises
    ------
    ValueError
        If the file has no region table ``name``, or no channel of ``recording`` has a prediction.
    """
    tables = read_predictions(nwb_path)
    frame = tables.get(name)
    if frame is None or frame.attrs["kind"] != "region":
        available = [key for key, value in tables.items() if value.attrs["kind"] == "region"]
        raise ValueError(f"name: no region prediction table {name!r} in {str(nwb_path)!r}; found {available}")
    frame = frame.set_axis(frame.index.astype(str))
    channel_ids = np.asarray(recording.channel_ids)
    matched = np.array([str(c) in frame.index for c in channel_ids])
    if not matched.any():
        raise ValueError(
            f"recording: none of its channel ids {list(channel_ids[:5])} appear in the table {name!r} "
            f"(which has {list(frame.index[:5])}...)"
        )
    rows = frame.loc[[str(c) for c in channel_ids[matched]]]
    ids = channel_ids[matched]
    recording.set_property(PREDICTED_PROPERTY, rows["predicted_region"].to_numpy(str), ids=ids, missing_value="")
    keys = [PREDICTED_PROPERTY]
    for cls in frame.attrs["classes"]:
        key = f"{PROBABILITY_PROPERTY_PREFIX}{cls}"
        values = rows[f"{PROBABILITY_PREFIX}{cls}"].to_numpy("float64")
        recording.set_property(key, values, ids=ids, missing_value=np.nan)
        keys.append(key)
    return keys
