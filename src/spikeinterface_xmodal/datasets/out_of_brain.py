"""Probe sections outside the brain: top of the probe in saline or air, fluid gaps between structures, shifted banks.

Channels outside the brain see no local activity and no spikes. In a conducting fluid (the saline bath over a
craniotomy, cerebrospinal fluid in a gap between structures) every channel of a section reads nearly the same,
weak potential: the field at the brain's edge, attenuated (low power, high spatial coherence). In air the
contacts are open: no physiological signal at all. Both pick up more mains interference than channels in
tissue. Their coarse label is ``void``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from probeinterface import Probe

from .layouts import RegionLayout, contiguous_runs

#: Where the top of the probe sits: "saline" (bath over the craniotomy) or "air".
MEDIA = ("saline", "air")
#: Share of the brain-edge field that a channel in the medium reads (a fluid conducts, air does not).
EDGE_FIELD_SHARE = {"saline": 0.2, "air": 0.0}
#: Mains amplitude on channels in the medium, relative to channels in tissue.
LINE_NOISE_GAIN = {"saline": 3.0, "air": 10.0}
#: Fluid gaps between structures (cerebrospinal fluid) conduct like saline.
GAP_MEDIUM = "saline"
OUTSIDE_LABEL = "void"


@dataclass(frozen=True)
class OutOfBrain:
    """Sections of a generated session's probe that lie outside the brain.

    Parameters
    ----------
    medium : {"saline", "air"}, default: "saline"
        What the channels above the brain sit in.
    top_um : float, default: 0.0
        The probe is inserted this much less deep than the layout says, so that this much more of it, on top
        of the layout's own ``void`` section, sticks out of the brain.
    gaps_um : tuple of (float, float), default: ()
        (bottom, top) intervals of distance from the tip, um, where the probe crosses a fluid-filled gap
        between two structures (e.g. a ventricle or the space between cortex and cerebellum).
    shifted_channels : int, default: 0
        The deepest ``shifted_channels`` channels (of each shank) are recorded from the next bank up
        (Neuropixels bank selection): they sit one probe length higher, above the rest and out of the brain,
        while keeping their channel ids (so channel order no longer follows depth).

    Examples
    --------
    >>> session = generate_region_session(out_of_brain=OutOfBrain(medium="air", top_um=600.0), seed=1)
    """

    medium: str = "saline"
    top_um: float = 0.0
    gaps_um: tuple[tuple[float, float], ...] = ()
    shifted_channels: int = 0

    def __post_init__(self) -> None:
        if self.medium not in MEDIA:
            raise ValueError(f"OutOfBrain: medium must be one of {MEDIA}, got {self.medium!r}")
        if not self.top_um >= 0:
            raise ValueError(f"OutOfBrain: top_um must be >= 0, got {self.top_um}")
        gaps = tuple((float(low), float(high)) for low, high in self.gaps_um)
        if any(not 0 <= low < high for low, high in gaps):
            raise ValueError(f"OutOfBrain: gaps_um must be (bottom, top) pairs with 0 <= bottom < top, got {gaps}")
        object.__setattr__(self, "gaps_um", gaps)
        if not isinstance(self.shifted_channels, (int, np.integer)) or self.shifted_channels < 0:
            raise ValueError(
                f"OutOfBrain: shifted_channels must be a non-negative integer, got {self.shifted_channels}"
            )

    def shift_banks(self, probe: Probe, shanks: np.ndarray) -> Probe:
        """A copy of ``probe`` whose deepest ``shifted_channels`` contacts per shank moved one probe length up."""
        probe = probe.copy()
        probe.set_device_channel_indices(np.arange(probe.get_contact_count()))
        if self.shifted_channels == 0:
            return probe
        positions = probe.contact_positions.copy()
        for shank in np.unique(shanks):
            on_shank = np.flatnonzero(shanks == shank)
            if self.shifted_channels >= on_shank.size:
                raise ValueError(
                    f"OutOfBrain: shifted_channels={self.shifted_channels} must leave channels in the brain "
                    f"(a shank has {on_shank.size})"
                )
            deepest = on_shank[np.argsort(positions[on_shank, 1], kind="stable")[: self.shifted_channels]]
            span = np.ptp(positions[on_shank, 1]) + np.min(np.diff(np.unique(positions[on_shank, 1])))
            positions[deepest, 1] += span
        probe.set_contacts(
            positions=positions,
            shapes=probe.contact_shapes,
            shape_params=probe.contact_shape_params,
            contact_ids=probe.contact_ids,
            shank_ids=probe.shank_ids,
        )
        probe.set_device_channel_indices(np.arange(probe.get_contact_count()))
        return probe

    def outside(self, depths: np.ndarray, reference_depths: np.ndarray, reference: RegionLayout) -> np.ndarray:
        """Channels outside the brain: above the reference layout's brain surface, or in a gap.

        Parameters
        ----------
        depths : np.ndarray
            Channel distance from the tip on this probe, um.
        reference_depths : np.ndarray
            Where each channel falls in ``reference`` (after the insertion shift ``top_um``).
        reference : RegionLayout
            The layout the session is drawn from.
        """
        in_brain = reference.labels != OUTSIDE_LABEL
        surface = reference.depths[in_brain].max() if in_brain.any() else -np.inf
        outside = reference_depths > surface
        for low, high in self.gaps_um:
            outside |= (depths >= low) & (depths <= high)
        return outside

    def relabel(self, layout: RegionLayout, outside: np.ndarray) -> RegionLayout:
        """``layout`` with the ``outside`` channels labelled ``void`` (coarse and fine)."""
        labels = np.where(outside, OUTSIDE_LABEL, layout.labels)
        fine = None if layout.fine_labels is None else np.where(outside, OUTSIDE_LABEL, layout.fine_labels)
        return RegionLayout(layout.name, labels, layout.positions, fine_labels=fine, shank_ids=layout.shank_ids)

    def line_noise_gain(self, layout: RegionLayout, shank_ids: np.ndarray) -> np.ndarray:
        """Mains amplitude factor per channel: the medium's on outside channels, 1 in tissue."""
        return np.array([LINE_NOISE_GAIN[m] if m else 1.0 for m in self._media(layout, shank_ids)])

    def medium_field(self, field: np.ndarray, layout: RegionLayout, shank_ids: np.ndarray) -> np.ndarray:
        """Replace the field of every outside run by the (shared, attenuated) field at its brain edges.

        Parameters
        ----------
        field : np.ndarray
            Physiological field, (num_channels, num_samples), uV.
        layout : RegionLayout
            The session layout, outside channels labelled ``void``.
        shank_ids : np.ndarray
            Shank of every channel.

        Returns
        -------
        np.ndarray
            A new field: each outside run reads the same waveform, ``EDGE_FIELD_SHARE[medium]`` times the
            mean field of the tissue channels bordering it.
        """
        field = field.copy()
        media = self._media(layout, shank_ids)
        for run, bordering in self._outside_runs(layout, shank_ids):
            share = EDGE_FIELD_SHARE[media[run[0]]]
            edge = field[bordering].mean(axis=0) if bordering.size else np.zeros(field.shape[1])
            field[run] = share * edge
        return field

    def _outside_runs(self, layout: RegionLayout, shank_ids: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(channels of an outside run, tissue channels just below and above it), per shank, by depth."""
        runs = []
        for shank in np.unique(shank_ids):
            order = np.flatnonzero(shank_ids == shank)
            order = order[np.argsort(layout.depths[order], kind="stable")]
            outside = layout.labels[order] == OUTSIDE_LABEL
            for label, _, _, positions in contiguous_runs(outside.astype(str), layout.depths[order]):
                if label != "True":
                    continue
                neighbours = [p for p in (positions[0] - 1, positions[-1] + 1) if 0 <= p < order.size]
                runs.append((order[positions], order[neighbours]))
        return runs

    def _media(self, layout: RegionLayout, shank_ids: np.ndarray) -> list[str]:
        """Medium of each channel ("" in tissue): ``medium`` for runs at the top of a shank, fluid for gaps."""
        media = [""] * layout.num_channels
        for run, bordering in self._outside_runs(layout, shank_ids):
            on_top = bordering.size == 0 or (
                bordering.size == 1 and layout.depths[bordering[0]] < layout.depths[run[0]]
            )
            for channel in run:
                media[channel] = self.medium if on_top else GAP_MEDIUM
        return media
