"""Region localization inside SpikeInterface pipelines: channel properties, out-of-brain channels, sorting by region.

``localize_channels`` writes a region model's predictions as channel properties (``brain_area_predicted``,
``brain_area_p_<region>``, ``brain_area_ood_score``, ``brain_area_flat``) that SpikeInterface carries through
preprocessing, slicing, saving, sorting and into a SortingAnalyzer; ``detect_channels_outside_brain`` finds
and removes the channels outside the brain; ``run_sorter_by_region`` sorts each predicted region separately.
"""

from .localize import FLAT_PROPERTY, OOD_PROPERTY, localize_channels, region_property_keys
from .outside_brain import OUTSIDE_REGIONS, detect_channels_outside_brain, outside_probability
from .sorting import check_grouping_property, run_sorter_by_region

__all__ = [
    "FLAT_PROPERTY",
    "OOD_PROPERTY",
    "OUTSIDE_REGIONS",
    "check_grouping_property",
    "detect_channels_outside_brain",
    "localize_channels",
    "outside_probability",
    "region_property_keys",
    "run_sorter_by_region",
]
