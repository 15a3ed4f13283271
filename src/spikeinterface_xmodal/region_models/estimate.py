"""The per-channel region estimate every region model kind returns, and the steps they all share to make it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .calibration import TemperatureCalibration
from .probe_hmm import ProbeHMM


@dataclass
class ChannelRegionEstimate:
    """Region estimate for each channel of a recording.

    Attributes
    ----------
    channel_ids : np.ndarray
    classes : list of str
    probabilities : np.ndarray
        (n_channels, n_classes): smoothed along the probe when ``smoothed``, calibrated when ``calibrated``,
        and pulled towards uniform on channels whose ``ood_score`` exceeds 1.
    raw_probabilities : np.ndarray
        (n_channels, n_classes), the per-channel classifier's output before any of those steps.
    labels : np.ndarray
        Predicted region per channel: the most probable one (given the whole shank when smoothed).
    smoothed : bool
    calibrated : bool
    ood_score : np.ndarray or None
        (n_channels,) distance of each channel's input from the training data, in units of the distance
        that 95% of channels of unseen training sessions stay within: above 1 means unlike (nearly) all of them.
        None when the model kind has no such score.
    flat : np.ndarray or None
        (n_channels,) True where a channel's LFP was flat (dead, disconnected or all zero) in most windows;
        its prediction rests on its position only. None when the kind does not check.
    band_power : np.ndarray or None
        (n_channels, n_features) median log10 band power and RMS over windows; None when the kind has none.
    feature_names : list of str
        Names of the ``band_power`` columns.
    embeddings : np.ndarray or None
        (n_channels, n_dims) the kind's per-channel representation of the LFP (e.g. a waveform encoder's
        output averaged over windows), for linear probes and plots; None when the kind has none.
    """

    channel_ids: np.ndarray
    classes: list[str]
    probabilities: np.ndarray
    raw_probabilities: np.ndarray
    labels: np.ndarray
    smoothed: bool
    calibrated: bool = False
    ood_score: np.ndarray | None = None
    flat: np.ndarray | None = None
    band_power: np.ndarray | None = None
    feature_names: list[str] = field(default_factory=list)
    embeddings: np.ndarray | None = None


def shrink_out_of_distribution(probabilities: np.ndarray, ood_score: np.ndarray) -> np.ndarray:
    """Pull the probabilities of out-of-distribution channels towards uniform.

    A channel whose ``ood_score`` s exceeds 1 keeps a weight 1 / s**2 on the model's probabilities and gives
    the rest to the uniform distribution: the model has seen nothing like it, so its confidence is not
    evidence. Channels within the training range (s <= 1) are unchanged.

    Parameters
    ----------
    probabilities : np.ndarray
        (n_channels, n_classes).
    ood_score : np.ndarray
        (n_channels,) as in ``ChannelRegionEstimate.ood_score``.

    Returns
    -------
    np.ndarray
        The adjusted probabilities, rows summing to 1.
    """
    weight = 1.0 / np.maximum(np.asarray(ood_score, dtype="float64"), 1.0) ** 2
    n_classes = probabilities.shape[1]
    return weight[:, None] * probabilities + (1.0 - weight[:, None]) / n_classes


class OutOfDistributionWarning(UserWarning):
    """The recording looks unlike anything the region model was trained on."""


def warn_when_unfamiliar(ood_score: np.ndarray) -> None:
    """Warn when most channels score above 1 (unlike 95% of channels of held-out training sessions)."""
    unfamiliar = np.asarray(ood_score) > 1.0
    if unfamiliar.mean() > 0.5:
        warnings.warn(
            f"{unfamiliar.sum()} of {unfamiliar.size} channels look unlike the region model's training data "
            f"(median out-of-distribution score {np.median(ood_score):.1f}; 1 = the 95th percentile of channels "
            "of unseen training sessions). Is this LFP (not an AP-band or noise stream), from a species, probe and "
            "reference the model was trained on? Their probabilities were pulled towards uniform.",
            OutOfDistributionWarning,
            stacklevel=3,
        )


def finish_estimate(
    channel_ids: np.ndarray,
    classes: list[str],
    raw_probabilities: np.ndarray,
    orders: list[np.ndarray],
    smoothing: bool = True,
    hmm: ProbeHMM | None = None,
    calibration: TemperatureCalibration | None = None,
    ood_score: np.ndarray | None = None,
    **details,
) -> ChannelRegionEstimate:
    """Turn a kind's per-channel probabilities into the final estimate: smooth, calibrate, discount the unfamiliar.

    Parameters
    ----------
    channel_ids : np.ndarray
        Channel ids, one per row.
    classes : list of str
        Column order of the probabilities.
    raw_probabilities : np.ndarray
        (n_channels, n_classes) from the kind's per-channel classifier.
    orders : list of np.ndarray
        Channel indices per shank, tip upwards (``recording_probe_order``).
    smoothing : bool, default: True
        Smooth along the probe with ``hmm`` (ignored when it is None).
    hmm : ProbeHMM or None
        The model's smoother.
    calibration : TemperatureCalibration or None
        The model's calibration (fitted on held-out sessions of its training data).
    ood_score : np.ndarray or None
        Per-channel out-of-distribution score; channels above 1 are pulled towards uniform.
    **details
        Other ``ChannelRegionEstimate`` fields (``flat``, ``band_power``, ``feature_names``, ``embeddings``).

    Returns
    -------
    ChannelRegionEstimate
    """
    if ood_score is not None:
        warn_when_unfamiliar(ood_score)
    smoothed = bool(smoothing and hmm is not None)
    probabilities = hmm.smooth(raw_probabilities, orders)[0] if smoothed else raw_probabilities
    if calibration is not None:
        probabilities = calibration.apply(probabilities, smoothed=smoothed)
    if ood_score is not None:
        probabilities = shrink_out_of_distribution(probabilities, ood_score)
    return ChannelRegionEstimate(
        channel_ids=np.asarray(channel_ids),
        classes=list(classes),
        probabilities=probabilities,
        raw_probabilities=raw_probabilities,
        labels=np.asarray(classes)[probabilities.argmax(axis=1)],
        smoothed=smoothed,
        calibrated=calibration is not None,
        ood_score=ood_score,
        **details,
    )
