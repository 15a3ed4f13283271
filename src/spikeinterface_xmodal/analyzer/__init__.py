"""SortingAnalyzer extensions; importing this package registers them with SpikeInterface."""

from .lfp_region import ComputeLfpRegion, compute_lfp_region

__all__ = ["ComputeLfpRegion", "compute_lfp_region"]
