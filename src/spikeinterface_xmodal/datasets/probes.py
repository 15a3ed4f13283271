"""The lab's probe, subsampled to the requested number of channels."""

from __future__ import annotations

import numpy as np
from probeinterface import Probe, generate_multi_columns_probe, generate_multi_shank

from .profiles import LabProfile

#: Depth of the deepest contact above the tip, um (as in IBL's ``axial_um``).
TIP_OFFSET_UM = 20.0


def build_probe(lab: LabProfile, channel_step: int = 1) -> Probe:
    """Neuropixels-like probe of ``lab`` keeping every ``channel_step``-th contact of each shank.

    Parameters
    ----------
    lab : LabProfile
        Geometry (columns, pitches, stagger, shanks, number of contacts).
    channel_step : int
        Keep one contact in ``channel_step`` along depth (1 keeps all ``lab.num_contacts``).

    Returns
    -------
    Probe
        Contacts in um, y = distance from the tip (larger y = more superficial), channels ordered by
        shank then depth, device channel indices 0..n-1.
    """
    if not isinstance(channel_step, (int, np.integer)) or channel_step < 1:
        raise ValueError(f"channel_step must be a positive integer, got {channel_step!r}")
    per_column = lab.num_contacts // (lab.num_columns * lab.num_shanks)
    geometry = dict(
        num_columns=lab.num_columns,
        num_contact_per_column=per_column,
        xpitch=lab.x_pitch_um,
        ypitch=lab.y_pitch_um,
        y_shift_per_column=list(lab.column_y_shift_um),
        contact_shapes="square",
        contact_shape_params={"width": 12},
    )
    if lab.num_shanks > 1:
        probe = generate_multi_shank(num_shank=lab.num_shanks, shank_pitch=[lab.shank_pitch_um, 0], **geometry)
        shanks = probe.shank_ids.astype(int)
    else:
        probe = generate_multi_columns_probe(**geometry)
        shanks = np.zeros(probe.get_contact_count(), dtype=int)
    positions = probe.contact_positions
    order = np.lexsort((positions[:, 0], positions[:, 1], shanks))
    keep = np.concatenate([order[shanks[order] == s][::channel_step] for s in range(lab.num_shanks)])
    if keep.size < 2:
        raise ValueError(f"channel_step={channel_step} leaves fewer than 2 channels of {lab.num_contacts}")
    probe = probe.get_slice(keep)
    probe.move([0.0, TIP_OFFSET_UM - probe.contact_positions[:, 1].min()])
    probe.set_device_channel_indices(np.arange(probe.get_contact_count()))
    return probe


def shank_indices(probe: Probe) -> np.ndarray:
    """Integer shank index of every contact (0 for a single-shank probe)."""
    if probe.shank_ids is None or np.all(probe.shank_ids == ""):
        return np.zeros(probe.get_contact_count(), dtype=int)
    return np.unique(probe.shank_ids, return_inverse=True)[1]
