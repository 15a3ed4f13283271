"""SortingAnalyzer extensions; importing this package registers them with SpikeInterface."""

from .latents import ComputeLfpLatents, ComputeSpikeLatents, compute_lfp_latents, compute_spike_latents
from .lfp_region import ComputeLfpRegion, compute_lfp_region

__all__ = [
    "ComputeLfpLatents",
    "ComputeLfpRegion",
    "ComputeSpikeLatents",
    "compute_lfp_latents",
    "compute_lfp_region",
    "compute_spike_latents",
]
