"""The baseline region model: spectral tokens (+ depth) -> scikit-learn classifier -> HMM smoothing along the probe."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from spikeinterface.core import BaseRecording

from ..model_folder import read_model_card, save_model_folder
from ..preprocessing import extract_lfp, is_lfp_rate
from ..tokenizers import SpectralTokenizer, compute_spectral_tokens
from .probe_hmm import ProbeHMM, probe_order
from .region_features import channel_features

REGION_MODEL_KIND = "lfp_region_baseline"
WEIGHTS_FILENAME = "classifier.skops"
CLASSIFIERS = ("hgb", "logreg")
# Types a region-baseline weight file may contain beyond skops' defaults; anything else is refused on load.
TRUSTED_WEIGHT_TYPES = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]


def make_region_estimator(classifier: str = "hgb", seed: int = 0) -> Pipeline:
    """The scikit-learn pipeline of the baseline: standardisation then a classifier.

    Parameters
    ----------
    classifier : {"hgb", "logreg"}, default: "hgb"
        Histogram gradient boosting or multinomial logistic regression, both class-balanced. Gradient
        boosting scores better in most held-out-session and cross-lab settings of
        ``benchmarks/region_baselines.py``; logistic regression is much faster and sometimes better with
        few training sessions (docs/region_localization.md).
    seed : int, default: 0
        Random state.
    """
    if classifier == "hgb":
        estimator = HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.1, max_leaf_nodes=15, class_weight="balanced", random_state=seed
        )
    elif classifier == "logreg":
        estimator = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced", random_state=seed)
    else:
        raise ValueError(f"classifier must be one of {CLASSIFIERS}, got {classifier!r}")
    return make_pipeline(StandardScaler(), estimator)


def lfp_for_tokenizer(
    recording: BaseRecording, sampling_frequency: float, tokenizer: SpectralTokenizer
) -> BaseRecording:
    """Bring a recording to a model's LFP rate.

    A faster recording is downsampled with ``extract_lfp``; a slower one is used as it is when its
    Nyquist frequency still covers every band of the tokenizer, and refused with a clear error otherwise.
    """
    if not isinstance(recording, BaseRecording):
        raise TypeError(f"Expected a spikeinterface BaseRecording, got {type(recording).__name__}")
    if not (recording.has_probe() or "location" in recording.get_property_keys()):
        raise ValueError(
            "The recording has no channel locations: region models need each channel's position along the "
            "probe. Attach the probe first (recording.set_probe(probe) with probeinterface)."
        )
    if not is_lfp_rate(recording, sampling_frequency):
        return extract_lfp(recording, lfp_sampling_frequency=sampling_frequency)
    tokenizer.check_sampling_frequency(recording.sampling_frequency)
    return recording


def recording_probe_order(recording: BaseRecording) -> list[np.ndarray]:
    """Channel indices per shank, tip upwards, from the recording's locations and ``group`` property."""
    groups = recording.get_property("group")
    return probe_order(recording.get_channel_locations(), groups)


@dataclass
class ChannelRegionEstimate:
    """Region estimate for each channel of a recording.

    Attributes
    ----------
    channel_ids : np.ndarray
    classes : list of str
    probabilities : np.ndarray
        (n_channels, n_classes), smoothed along the probe when ``smoothed``.
    raw_probabilities : np.ndarray
        (n_channels, n_classes), the classifier's output before smoothing.
    labels : np.ndarray
        Predicted region per channel: the most probable one (given the whole shank when smoothed).
    smoothed : bool
    band_power : np.ndarray or None
        (n_channels, n_features) median log10 band power and RMS over windows; None for position-only models.
    feature_names : list of str
        Names of the ``band_power`` columns.
    """

    channel_ids: np.ndarray
    classes: list[str]
    probabilities: np.ndarray
    raw_probabilities: np.ndarray
    labels: np.ndarray
    smoothed: bool
    band_power: np.ndarray | None = None
    feature_names: list[str] = field(default_factory=list)


class RegionModel:
    """A trained baseline region model, as stored in a model folder.

    Parameters
    ----------
    estimator : sklearn.pipeline.Pipeline
        Fitted classifier on per-channel features.
    tokenizer : SpectralTokenizer
        Tokenizer settings used in training.
    sampling_frequency : float
        LFP rate the model was trained at.
    feature_set : str
        See ``channel_features``.
    hmm : ProbeHMM or None
        Fitted smoother, or None.
    card : dict
        Provenance: training data summary, metrics, settings.
    """

    def __init__(self, estimator, tokenizer, sampling_frequency, feature_set, hmm=None, card=None):
        self.estimator = estimator
        self.tokenizer = tokenizer
        self.sampling_frequency = float(sampling_frequency)
        self.feature_set = feature_set
        self.hmm = hmm
        self.card = dict(card or {})

    @property
    def classes(self) -> list[str]:
        """Region labels, in the column order of the probabilities."""
        return [str(c) for c in self.estimator.classes_]

    def predict(
        self,
        recording: BaseRecording,
        n_windows: int | None = 20,
        seed: int = 0,
        smoothing: bool = True,
        **job_kwargs,
    ) -> ChannelRegionEstimate:
        """Estimate the region of every channel of a recording.

        Parameters
        ----------
        recording : BaseRecording
            LFP recording (or a faster one, downsampled with ``extract_lfp``), with channel locations.
        n_windows : int or None, default: 20
            Windows drawn per channel; None uses every window.
        seed : int, default: 0
            Seed of the window draw.
        smoothing : bool, default: True
            Apply the HMM along the probe (ignored when the model has none).
        **job_kwargs
            SpikeInterface job kwargs for tokenization.
        """
        lfp = lfp_for_tokenizer(recording, self.sampling_frequency, self.tokenizer)
        tokens = None
        if self.feature_set != "position":
            tokens = compute_spectral_tokens(lfp, self.tokenizer, n_windows=n_windows, seed=seed, **job_kwargs)
        features, _ = channel_features(tokens, lfp.get_channel_locations(), self.feature_set)
        probabilities, raw, labels = self.predict_features(features, recording_probe_order(lfp), smoothing)
        return ChannelRegionEstimate(
            channel_ids=np.asarray(recording.channel_ids),
            classes=self.classes,
            probabilities=probabilities,
            raw_probabilities=raw,
            labels=labels,
            smoothed=bool(smoothing and self.hmm is not None),
            band_power=None if tokens is None else np.median(tokens.band_tokens, axis=0),
            feature_names=[] if tokens is None else tokens.feature_names,
        )

    def predict_features(
        self, features: np.ndarray, orders: list[np.ndarray], smoothing: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Classify precomputed per-channel features; returns (probabilities, raw probabilities, labels)."""
        raw = self.estimator.predict_proba(features)
        if smoothing and self.hmm is not None:
            probabilities, labels = self.hmm.smooth(raw, orders)
        else:
            probabilities, labels = raw, np.asarray(self.classes)[raw.argmax(axis=1)]
        return probabilities, raw, labels

    def save(self, folder: str | Path, overwrite: bool = False) -> Path:
        """Write the model folder (``classifier.skops`` + ``card.json``)."""
        import skops.io as skops_io  # slow to import (it scans every scikit-learn type): only when needed

        card = dict(self.card)
        card.update(
            kind=REGION_MODEL_KIND,
            classes=self.classes,
            sampling_frequency=self.sampling_frequency,
            window_s=self.tokenizer.window_s,
            tokenizer=self.tokenizer.to_dict(),
            feature_set=self.feature_set,
            smoothing=None if self.hmm is None else self.hmm.to_dict(),
        )
        return save_model_folder(
            folder, card, lambda tmp: skops_io.dump(self.estimator, tmp / WEIGHTS_FILENAME), overwrite=overwrite
        )

    @classmethod
    def load(cls, folder: str | Path) -> RegionModel:
        """Load a model folder written by ``save``; fails clearly on a missing or corrupt folder."""
        import skops.io as skops_io  # slow to import: only when needed

        folder = Path(folder)
        card = read_model_card(folder, expected_kind=REGION_MODEL_KIND)
        weights = folder / WEIGHTS_FILENAME
        if not weights.is_file():
            raise ValueError(f"The model folder {folder} is corrupt: {WEIGHTS_FILENAME} is missing")
        try:
            untrusted = skops_io.get_untrusted_types(file=weights)
            refused = sorted(set(untrusted) - set(TRUSTED_WEIGHT_TYPES))
            if refused:
                raise ValueError(f"{weights} contains types that are not trusted: {refused}")
            estimator = skops_io.load(weights, trusted=untrusted)
        except ValueError:
            raise
        except Exception as error:
            raise ValueError(
                f"The model folder {folder} is corrupt: cannot read {WEIGHTS_FILENAME} ({error})"
            ) from error
        if [str(c) for c in estimator.classes_] != list(card["classes"]):
            raise ValueError(f"The model folder {folder} is corrupt: card classes differ from the classifier's")
        hmm = None if card.get("smoothing") is None else ProbeHMM.from_dict(card["smoothing"])
        return cls(
            estimator=estimator,
            tokenizer=SpectralTokenizer.from_dict(card["tokenizer"]),
            sampling_frequency=card["sampling_frequency"],
            feature_set=card["feature_set"],
            hmm=hmm,
            card=card,
        )
