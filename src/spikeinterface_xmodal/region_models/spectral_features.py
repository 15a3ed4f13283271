"""Per-channel feature vectors for region classification, from spectral tokens and channel positions."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from ..tokenizers import SpectralTokens

FEATURE_SETS = ("position", "band_power", "band_power+depth", "lfp+depth")
DEFAULT_FEATURE_SET = "lfp+depth"
APERIODIC_RANGES_HZ = ((2.0, 40.0), (40.0, 200.0))


def _band_power_features(tokens: SpectralTokens) -> tuple[np.ndarray, list[str]]:
    """Gain-robust summaries of the band tokens over windows.

    - ``rel_<band>``: log band power minus log total band power (spectral shape, invariant to gain);
    - ``centred_<band|rms>``: median log power minus the probe's median over channels (removes a
      session-wide gain or reference offset);
    - ``spread_<band>``: standard deviation over windows (burstiness: ripples, spindles).
    """
    band_names = [name for name in tokens.feature_names if name != "rms"]
    log_power = tokens.band_tokens  # (n_windows, n_channels, n_features)
    median = np.median(log_power, axis=0)
    bands = median[:, : len(band_names)]
    total = logsumexp(bands * np.log(10.0), axis=1, keepdims=True) / np.log(10.0)
    relative = bands - total
    centred = median - np.median(median, axis=0, keepdims=True)
    spread = log_power[:, :, : len(band_names)].std(axis=0)
    features = np.column_stack([relative, centred, spread])
    names = (
        [f"rel_{b}" for b in band_names]
        + [f"centred_{f}" for f in tokens.feature_names]
        + [f"spread_{b}" for b in band_names]
    )
    return features, names


def _aperiodic_and_spatial_features(tokens: SpectralTokens) -> tuple[np.ndarray, list[str]]:
    """1/f slopes of the median log-PSD in two ranges, and the median neighbour correlation."""
    log_psd = np.median(tokens.log_psd, axis=0)  # (n_channels, n_bins)
    log_f = np.log10(tokens.psd_frequencies)
    columns, names = [], []
    for lo, hi in APERIODIC_RANGES_HZ:
        in_range = (tokens.psd_frequencies >= lo) & (tokens.psd_frequencies <= hi)
        slope = np.polyfit(log_f[in_range], log_psd[:, in_range].T, deg=1)[0]
        columns.append(slope)
        names.append(f"slope_{lo:g}_{hi:g}hz")
    columns.append(np.median(tokens.neighbour_correlation, axis=0))
    names.append("neighbour_correlation")
    return np.column_stack(columns), names


def channel_features(
    tokens: SpectralTokens | None,
    channel_locations: np.ndarray,
    feature_set: str = "lfp+depth",
) -> tuple[np.ndarray, list[str]]:
    """Build one feature row per channel.

    Parameters
    ----------
    tokens : SpectralTokens or None
        Tokens of the recording (not needed for ``"position"``).
    channel_locations : np.ndarray
        Shape (n_channels, 2 or 3) in um; column 1 is the depth along the probe.
    feature_set : {"position", "band_power", "band_power+depth", "lfp+depth"}, default: "lfp+depth"
        Electrode position only; band power only; band power and depth; or every LFP feature (band
        power, 1/f slopes, neighbour correlation) and depth.

    Returns
    -------
    features : np.ndarray
        Shape (n_channels, n_features).
    names : list of str
        Feature names.
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"feature_set must be one of {FEATURE_SETS}, got {feature_set!r}")
    channel_locations = np.asarray(channel_locations, dtype="float64")
    position = channel_locations[:, :2]
    if feature_set == "position":
        return position, ["x_um", "depth_um"]
    if tokens is None:
        raise ValueError(f"feature_set {feature_set!r} needs spectral tokens")
    if tokens.band_tokens.shape[1] != channel_locations.shape[0]:
        raise ValueError(
            f"{tokens.band_tokens.shape[1]} token channels but {channel_locations.shape[0]} channel locations"
        )
    features, names = _band_power_features(tokens)
    if feature_set == "lfp+depth":
        extra, extra_names = _aperiodic_and_spatial_features(tokens)
        features, names = np.column_stack([features, extra]), names + extra_names
    if feature_set in ("band_power+depth", "lfp+depth"):
        features = np.column_stack([features, position[:, 1]])
        names = [*names, "depth_um"]
    return features, names
