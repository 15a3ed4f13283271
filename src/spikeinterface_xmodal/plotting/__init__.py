"""Figures."""

from .region_profile import plot_region_profile, region_colors

__all__ = ["plot_region_profile", "region_colors"]
