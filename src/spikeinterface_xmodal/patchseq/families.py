"""Feature families: which IPFX feature (scalar or feature-vector element) describes which aspect of the cell.

A family is one token of ``FamilyAttentionClassifier`` and one sparse-PCA block of ``GouwensClassifier``. Scalar
IPFX names are assigned by their stem, after removing the protocol or sweep they were measured on (``rheo_`` /
``_rheo``, ``hero_`` / ``_hero``, ``_ramp``, ``_short_square``, ...); feature-vector elements (``<vector>_<i>``)
by their vector's name. Names matching no rule go to the ``"other"`` family.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Family -> stems of scalar IPFX features (after removing protocol affixes).
FAMILY_STEMS: dict[str, tuple[str, ...]] = {
    "subthreshold": ("v_baseline", "sag", "sag_peak_t", "sag_area", "sag_tau", "vm_for_sag", "input_resistance", "tau"),
    "firing_rate": ("rheobase_i", "fi_fit_slope", "avg_rate", "maximal_firing_rate", "stim_amp", "threshold_i"),
    "isi_shape": (
        "adapt", "first_isi", "first_isi_inv", "isi_cv", "latency", "mean_isi", "median_isi", "isi_norm_sq_var",
        "isi_adapt_ratio",
    ),
    "threshold": ("threshold_v", "threshold_v_adapt_ratio"),
    "peak": ("peak_v", "peak_t", "peak_deltav", "peak_v_adapt_ratio"),
    "fast_trough": (
        "trough_v", "trough_t", "fast_trough_v", "fast_trough_t", "slow_trough_v", "slow_trough_t", "adp_v",
        "trough_deltav", "fast_trough_deltav", "trough_slowdeltav", "postap_slope", "ahp_delay_ratio",
        "fast_trough_v_adapt_ratio",
    ),
    "width": ("width", "width_suprathresh", "width_adapt_ratio"),
    "upstroke_downstroke": (
        "upstroke", "downstroke", "upstroke_downstroke_ratio", "upstroke_adapt_ratio", "downstroke_adapt_ratio",
    ),
}  # fmt: skip
#: IPFX feature-vector name (``ipfx.feature_vectors``, columns ``<vector>_<i>``) -> family.
VECTOR_FAMILIES: dict[str, str] = {
    "step_subthresh": "subthreshold",
    "subthresh_norm": "subthreshold",
    "subthresh_depol_norm": "subthreshold",
    "first_ap_v": "first_ap",
    "first_ap_dv": "first_ap",
    "isi_shape": "isi_shape",
    "psth": "psth",
    "inst_freq": "inst_freq",
    "spiking_upstroke_downstroke_ratio": "upstroke_downstroke",
    "spiking_peak_v": "peak",
    "spiking_fast_trough_v": "fast_trough",
    "spiking_threshold_v": "threshold",
    "spiking_width": "width",
}
OTHER_FAMILY = "other"
_STEM_FAMILY = {stem: family for family, stems in FAMILY_STEMS.items() for stem in stems}
_PREFIXES = ("rheo_", "hero_")
_SUFFIXES = ("_rheo", "_hero", "_ramp", "_short_square", "_mean", "_max", "_depol", "_5spike", "_last")
_VECTOR = re.compile(r"^(?P<vector>.+)_(?P<index>\d+)$")


def _stem(name: str) -> str:
    for prefix in _PREFIXES:
        name = name.removeprefix(prefix)
    stripped = None
    while stripped != name:
        stripped = name
        for suffix in _SUFFIXES:
            name = name.removesuffix(suffix)
    return name


def feature_family(name: str) -> str:
    """The family of one feature column.

    Parameters
    ----------
    name : str
        An IPFX scalar name (``rheo_width``, ``width_rheo``, ``sag_depol``...) or a feature-vector element
        (``first_ap_v_12``); chirp features (``*_chirp``) form the ``"chirp"`` family.

    Returns
    -------
    str
        The family, ``"other"`` when no rule matches.

    Examples
    --------
    >>> feature_family("rheo_upstroke_downstroke_ratio"), feature_family("psth_3")
    ('upstroke_downstroke', 'psth')
    """
    if name.endswith("_chirp"):
        return "chirp"
    vector = _VECTOR.match(name)
    if vector is not None and vector["vector"] in VECTOR_FAMILIES:
        return VECTOR_FAMILIES[vector["vector"]]
    return _STEM_FAMILY.get(_stem(name), OTHER_FAMILY)


def group_families(columns: Iterable[str]) -> dict[str, list[str]]:
    """Columns grouped by family, families in a fixed order (``FAMILY_STEMS``, vector-only families, other).

    Parameters
    ----------
    columns : iterable of str
        Feature column names.

    Returns
    -------
    dict of str to list of str
        Family -> its columns in their input order; families without columns are left out.
    """
    order = [*FAMILY_STEMS, "first_ap", "psth", "inst_freq", "chirp", OTHER_FAMILY]
    grouped: dict[str, list[str]] = {family: [] for family in order}
    for column in columns:
        grouped[feature_family(str(column))].append(str(column))
    return {family: names for family, names in grouped.items() if names}


def check_families(families: dict[str, list[str]], columns: Iterable[str]) -> dict[str, list[str]]:
    """Check a user-given family mapping against the feature columns.

    Every column must belong to exactly one family, and every family must hold at least one existing column.

    Raises
    ------
    ValueError
        Naming the unknown, unassigned or repeated columns, or the empty family.
    """
    columns = [str(c) for c in columns]
    listed = [str(c) for names in families.values() for c in names]
    empty = [family for family, names in families.items() if len(names) == 0]
    unknown = sorted(set(listed) - set(columns))
    unassigned = [c for c in columns if c not in set(listed)]
    repeated = sorted({c for c in listed if listed.count(c) > 1})
    for problem, names in (
        ("name columns absent from X", unknown),
        ("leave columns of X without a family", unassigned),
        ("put columns in more than one family", repeated),
        ("are empty", empty),
    ):
        if names:
            raise ValueError(f"The feature families {problem}: {names}")
    return {str(family): [str(c) for c in names] for family, names in families.items()}
