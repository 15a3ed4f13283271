"""Figures of region predictions along the probe."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch


def region_colors(regions: list[str]) -> dict[str, tuple]:
    """A stable colour per region name, in sorted order (tab10 up to 10 regions, else tab20)."""
    names = sorted(set(regions))
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    return {region: cmap(i % cmap.N) for i, region in enumerate(names)}


def _region_column(ax, depths: np.ndarray, regions: np.ndarray, colors: dict, title: str, pitch: float) -> None:
    for depth, region in zip(depths, regions, strict=True):
        ax.axhspan(depth - pitch / 2, depth + pitch / 2, color=colors[region], linewidth=0)
    ax.set_xticks([])
    ax.set_title(title, fontsize=9)


def plot_region_profile(
    channel_table: pd.DataFrame,
    true_regions: np.ndarray | None = None,
    title: str = "",
    figsize: tuple[float, float] = (9.0, 8.0),
):
    """Plot the LFP power profile, true regions and predicted regions along the probe depth.

    Parameters
    ----------
    channel_table : pandas.DataFrame
        ``analyzer.get_extension("lfp_region").get_data()["channels"]``: columns ``y``,
        ``predicted_region``, ``probability`` and optionally ``log_power_<band>``.
    true_regions : np.ndarray or None, default: None
        True region per channel (same row order), drawn beside the prediction.
    title : str, default: ""
        Figure title.
    figsize : tuple, default: (9, 8)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = channel_table.sort_values("y")
    depths = table["y"].to_numpy(dtype=float)
    pitch = float(np.median(np.diff(np.unique(depths)))) if np.unique(depths).size > 1 else 20.0
    power_columns = [c for c in table.columns if c.startswith("log_power_")]
    predicted = table["predicted_region"].to_numpy(dtype=str)
    order = table.index.to_numpy()
    truth = None if true_regions is None else np.asarray(true_regions, dtype=str)[order]
    colors = region_colors(list(predicted) + ([] if truth is None else list(truth)))

    n_columns = 3 + (truth is not None)
    ratios = [3, 1.2] + ([0.6] if truth is not None else []) + [0.6]
    fig, axes = plt.subplots(1, n_columns, figsize=figsize, sharey=True, gridspec_kw=dict(width_ratios=ratios))
    ax_power, ax_prob, *ax_regions = axes
    for column in power_columns:
        ax_power.plot(table[column], depths, label=column.removeprefix("log_power_"), linewidth=1)
    if power_columns:
        # dead channels sit decades below the rest: keep the axis on the bulk of the probe
        values = table[power_columns].to_numpy(dtype=float)
        low, high = np.nanpercentile(values, [2, 100])
        ax_power.set_xlim(low - 0.5, high + 0.3)
    ax_power.set_xlabel("log10 power (median over windows)")
    ax_power.set_ylabel("depth along probe (um)")
    ax_power.set_title("LFP power profile", fontsize=9)
    if power_columns:
        ax_power.legend(fontsize=7, loc="lower left")
    ax_prob.plot(table["probability"], depths, color="k", linewidth=1)
    ax_prob.set_xlim(0, 1.05)
    ax_prob.set_xlabel("p(predicted)")
    ax_prob.set_title("confidence", fontsize=9)
    if truth is not None:
        _region_column(ax_regions[0], depths, truth, colors, "true", pitch)
    _region_column(ax_regions[-1], depths, predicted, colors, "predicted", pitch)
    handles = [Patch(color=color, label=region) for region, color in colors.items()]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=8, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig
