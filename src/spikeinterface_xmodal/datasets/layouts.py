"""Region layouts: which brain region each channel of a probe sits in, along depth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Coarse region classes: the Cosmos grouping of the Allen atlas, plus ``void`` (outside the brain)
#: and ``WM`` (fiber tracts, ventricles and unassigned ``root``, which Cosmos lumps into ``root``).
COARSE_REGIONS = ("void", "Isocortex", "OLF", "HPF", "CTXsp", "CNU", "TH", "HY", "MB", "HB", "CB", "WM")

#: Number of contacts of the Neuropixels-1.0 channel map the built-in layouts use.
NP1_NUM_CHANNELS = 384


@dataclass(frozen=True)
class RegionLayout:
    """Brain region of every channel of a probe, with the channel positions.

    Depth convention: ``positions[:, 1]`` is the distance from the probe tip in um, so a larger y is
    more superficial (as in IBL's ``axial_um`` and probeinterface).

    Parameters
    ----------
    name : str
        Identifier of the layout (a built-in name or an IBL insertion id).
    labels : np.ndarray
        Coarse region of each channel, one of :data:`COARSE_REGIONS`.
    positions : np.ndarray
        Channel positions, shape (num_channels, 2), in um: x lateral, y depth from the tip.
    fine_labels : np.ndarray or None
        Fine (Allen) acronym of each channel, e.g. ``"CA1sp"``; None when unknown.
    shank_ids : np.ndarray or None
        Shank index of each channel for multi-shank probes; None for a single shank.
    """

    name: str
    labels: np.ndarray
    positions: np.ndarray
    fine_labels: np.ndarray | None = None
    shank_ids: np.ndarray | None = None

    def __post_init__(self) -> None:
        labels = np.asarray(self.labels, dtype=str)
        positions = np.asarray(self.positions, dtype=float)
        if positions.ndim != 2 or positions.shape != (labels.size, 2):
            raise ValueError(
                f"RegionLayout {self.name!r}: positions must have shape ({labels.size}, 2), got {positions.shape}"
            )
        unknown = sorted(set(labels.tolist()) - set(COARSE_REGIONS))
        if unknown:
            raise ValueError(
                f"RegionLayout {self.name!r}: unknown coarse regions {unknown}; expected some of {COARSE_REGIONS}"
            )
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "positions", positions)
        for field_name in ("fine_labels", "shank_ids"):
            value = getattr(self, field_name)
            if value is None:
                continue
            value = np.asarray(value, dtype=str if field_name == "fine_labels" else int)
            if value.shape != labels.shape:
                raise ValueError(
                    f"RegionLayout {self.name!r}: {field_name} must have {labels.size} entries, got {value.shape}"
                )
            object.__setattr__(self, field_name, value)

    @property
    def num_channels(self) -> int:
        """Number of channels."""
        return int(self.labels.size)

    @property
    def depths(self) -> np.ndarray:
        """Distance of every channel from the probe tip, in um."""
        return self.positions[:, 1]

    @property
    def fine_or_coarse(self) -> np.ndarray:
        """Fine labels where known, else the coarse labels."""
        return self.labels if self.fine_labels is None else self.fine_labels

    def subsample(self, step: int) -> RegionLayout:
        """Keep every ``step``-th channel, in depth order.

        Parameters
        ----------
        step : int
            Keep one channel in ``step``; 1 keeps all.

        Returns
        -------
        RegionLayout
            The layout restricted to the kept channels.
        """
        if not isinstance(step, (int, np.integer)) or step < 1:
            raise ValueError(f"step must be a positive integer, got {step!r}")
        order = np.lexsort((self.positions[:, 0], self.depths))
        return self.select(order[::step])

    def select(self, indices: np.ndarray) -> RegionLayout:
        """Layout restricted to the channels at ``indices`` (in that order)."""
        return RegionLayout(
            name=self.name,
            labels=self.labels[indices],
            positions=self.positions[indices],
            fine_labels=None if self.fine_labels is None else self.fine_labels[indices],
            shank_ids=None if self.shank_ids is None else self.shank_ids[indices],
        )

    def lookup(self, depths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coarse and fine labels at arbitrary depths (nearest channel along depth).

        Parameters
        ----------
        depths : np.ndarray
            Distances from the tip, in um; values beyond the probe take the label of its end.

        Returns
        -------
        labels, fine_labels : np.ndarray
            Coarse and fine (or coarse when unknown) labels at each depth.
        """
        order = np.argsort(self.depths, kind="stable")
        sorted_depths = self.depths[order]
        depths = np.asarray(depths, dtype=float)
        right = np.clip(np.searchsorted(sorted_depths, depths), 1, sorted_depths.size - 1)
        left = right - 1
        nearest = np.where(np.abs(depths - sorted_depths[left]) <= np.abs(sorted_depths[right] - depths), left, right)
        if sorted_depths.size == 1:
            nearest = np.zeros_like(nearest)
        index = order[nearest]
        return self.labels[index], self.fine_or_coarse[index]

    def region_runs(self) -> list[tuple[str, float, float]]:
        """Contiguous runs of one coarse region from the tip upwards.

        Returns
        -------
        list of (label, y_bottom, y_top)
            One entry per run, in um from the tip, ordered from deep to superficial.
        """
        order = np.argsort(self.depths, kind="stable")
        return [(label, lo, hi) for label, lo, hi, _ in contiguous_runs(self.labels[order], self.depths[order])]

    def region_order(self) -> list[str]:
        """Coarse regions met from the tip upwards (consecutive duplicates merged)."""
        return [label for label, _, _ in self.region_runs()]


def contiguous_runs(labels: np.ndarray, depths: np.ndarray) -> list[tuple[str, float, float, np.ndarray]]:
    """Split depth-sorted channels into runs of equal labels.

    Parameters
    ----------
    labels : np.ndarray
        Labels of channels sorted by depth.
    depths : np.ndarray
        Their depths, ascending.

    Returns
    -------
    list of (label, y_bottom, y_top, positions)
        ``positions`` are the indices (into ``labels``) of the run's channels.
    """
    if labels.size == 0:
        return []
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    ends = np.r_[starts[1:], labels.size]
    return [
        (str(labels[s]), float(depths[s]), float(depths[e - 1]), np.arange(s, e))
        for s, e in zip(starts, ends, strict=True)
    ]


def np1_positions(num_channels: int = NP1_NUM_CHANNELS) -> np.ndarray:
    """Contact positions of a Neuropixels-1.0 channel map (as in IBL's ``lateral_um``/``axial_um``).

    Parameters
    ----------
    num_channels : int
        Number of contacts from the tip.

    Returns
    -------
    np.ndarray
        Shape (num_channels, 2), in um: x in {43, 11, 59, 27}, y from 20 um in 20 um rows.
    """
    index = np.arange(num_channels)
    x = np.array([43.0, 11.0, 59.0, 27.0])[index % 4]
    y = 20.0 * (index // 2 + 1)
    return np.column_stack([x, y])


# Built-in layouts, segments listed from the surface (top of the probe) down:
# (coarse region, fine Allen acronym, thickness in um). The last segment extends to the tip.
_BUILTIN_SEGMENTS: dict[str, list[tuple[str, str, float]]] = {
    "cortex_hippocampus_thalamus": [
        ("void", "void", 280),
        ("Isocortex", "VISa1", 100),
        ("Isocortex", "VISa2/3", 220),
        ("Isocortex", "VISa4", 120),
        ("Isocortex", "VISa5", 220),
        ("Isocortex", "VISa6a", 200),
        ("WM", "alv", 160),
        ("HPF", "CA1so", 100),
        ("HPF", "CA1sp", 50),
        ("HPF", "CA1sr", 200),
        ("HPF", "CA1slm", 100),
        ("HPF", "DG-mo", 140),
        ("HPF", "DG-sg", 60),
        ("HPF", "DG-po", 180),
        ("HPF", "DG-sg", 60),
        ("HPF", "DG-mo", 100),
        ("WM", "fi", 100),
        ("TH", "LP", 550),
        ("TH", "PO", 500),
        ("TH", "VPM", 0),
    ],
    "cortex_striatum": [
        ("void", "void", 200),
        ("Isocortex", "MOs2/3", 450),
        ("Isocortex", "MOs5", 450),
        ("Isocortex", "MOs6a", 350),
        ("WM", "ccb", 220),
        ("CNU", "CP", 1500),
        ("CTXsp", "BLA", 0),
    ],
    "cortex_hippocampus_midbrain": [
        ("void", "void", 300),
        ("Isocortex", "VISp2/3", 350),
        ("Isocortex", "VISp5", 300),
        ("Isocortex", "VISp6a", 250),
        ("WM", "ccs", 120),
        ("HPF", "CA1so", 90),
        ("HPF", "CA1sp", 50),
        ("HPF", "CA1sr", 180),
        ("HPF", "CA1slm", 90),
        ("HPF", "DG-mo", 120),
        ("HPF", "DG-sg", 60),
        ("HPF", "DG-po", 150),
        ("MB", "SCm", 600),
        ("MB", "PAG", 0),
    ],
    "frontal_olfactory_hypothalamus": [
        ("void", "void", 250),
        ("Isocortex", "ORBl2/3", 350),
        ("Isocortex", "ORBl5", 400),
        ("OLF", "AON", 800),
        ("CNU", "ACB", 700),
        ("HY", "LHA", 0),
    ],
    "cerebellum_hindbrain": [
        ("void", "void", 250),
        ("CB", "CUL4, 5", 900),
        ("WM", "arb", 200),
        ("CB", "SIM", 500),
        ("HB", "MV", 700),
        ("HB", "PRP", 0),
    ],
}

#: Name of the layout used when none is given.
DEFAULT_LAYOUT = "cortex_hippocampus_thalamus"


def _layout_from_segments(name: str, segments: list[tuple[str, str, float]]) -> RegionLayout:
    positions = np1_positions()
    distance_from_top = positions[:, 1].max() + 20.0 - positions[:, 1]
    tops = np.cumsum([0.0] + [thickness for _, _, thickness in segments[:-1]])
    segment_index = np.searchsorted(tops, distance_from_top, side="right") - 1
    coarse = np.array([segments[i][0] for i in segment_index])
    fine = np.array([segments[i][1] for i in segment_index])
    return RegionLayout(name=name, labels=coarse, positions=positions, fine_labels=fine)


def builtin_layouts() -> dict[str, RegionLayout]:
    """Built-in 384-channel region layouts of typical mouse Neuropixels insertions.

    Returns
    -------
    dict of str to RegionLayout
        Keyed by name; ``"cortex_hippocampus_thalamus"`` is the default layout.
    """
    return {name: _layout_from_segments(name, segments) for name, segments in _BUILTIN_SEGMENTS.items()}
