"""The spectral baseline region model: spectral tokens (+ depth) -> scikit-learn classifier -> HMM along the probe."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from spikeinterface.core import BaseRecording
from threadpoolctl import threadpool_limits

from ..model_folder import read_model_card, save_model_folder
from ..model_kinds import register_model_kind
from ..tokenizers import SpectralTokenizer, SpectralTokens, compute_spectral_tokens
from .base import RegionModelKind, check_region_card, lfp_at_rate
from .calibration import TemperatureCalibration
from .estimate import ChannelRegionEstimate, finish_estimate
from .novelty import FeatureNovelty
from .probe_hmm import ProbeHMM, recording_probe_order
from .spectral_features import FEATURE_SETS, channel_features

REGION_MODEL_KIND = "lfp_region_baseline"
WEIGHTS_FILENAME = "classifier.skops"
CLASSIFIERS = ("hgb", "logreg")
DEFAULT_CLASSIFIER = "hgb"
# Types a region-baseline weight file may contain beyond skops' defaults; anything else is refused on load.
TRUSTED_WEIGHT_TYPES = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]


def make_region_estimator(classifier: str = DEFAULT_CLASSIFIER, seed: int = 0) -> Pipeline:
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


def flat_channels(tokens: SpectralTokens | None) -> np.ndarray | None:
    """Channels that were flat in more than half of their windows (None without tokens)."""
    return None if tokens is None else tokens.flat.mean(axis=0) > 0.5


@register_model_kind
class RegionModel(RegionModelKind):
    """The spectral baseline region model, as stored in a model folder (kind ``"lfp_region_baseline"``).

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
    calibration : TemperatureCalibration or None
        Temperatures fitted on held-out sessions, or None.
    novelty : FeatureNovelty or None
        Out-of-distribution score against the training channels, or None.
    card : dict
        Provenance: training data summary, metrics, settings.
    """

    kind = REGION_MODEL_KIND

    def __init__(
        self,
        estimator: Pipeline,
        tokenizer: SpectralTokenizer,
        sampling_frequency: float,
        feature_set: str,
        hmm: ProbeHMM | None = None,
        calibration: TemperatureCalibration | None = None,
        novelty: FeatureNovelty | None = None,
        card: dict | None = None,
    ):
        self.estimator = estimator
        self.tokenizer = tokenizer
        self.feature_set = feature_set
        self.hmm = hmm
        self.calibration = calibration
        self.novelty = novelty
        self.card = dict(card or {})
        self.card.update(sampling_frequency=float(sampling_frequency), window_s=float(tokenizer.window_s))

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
        lfp = lfp_at_rate(recording, self.sampling_frequency, self.tokenizer.max_frequency)
        tokens = None
        if self.feature_set != "position":
            tokens = compute_spectral_tokens(lfp, self.tokenizer, n_windows=n_windows, seed=seed, **job_kwargs)
        features, _ = channel_features(tokens, lfp.get_channel_locations(), self.feature_set)
        return self.estimate_from_features(
            features,
            recording_probe_order(lfp),
            smoothing,
            channel_ids=recording.channel_ids,
            flat=flat_channels(tokens),
            band_power=None if tokens is None else np.median(tokens.band_tokens, axis=0),
            feature_names=[] if tokens is None else tokens.feature_names,
        )

    def estimate_from_features(
        self,
        features: np.ndarray,
        orders: list[np.ndarray],
        smoothing: bool = True,
        channel_ids: np.ndarray | None = None,
        **details,
    ) -> ChannelRegionEstimate:
        """The estimate from precomputed per-channel features: what ``predict`` does after tokenizing.

        Parameters
        ----------
        features : np.ndarray
            (n_channels, n_features) from ``channel_features`` with the model's feature set.
        orders : list of np.ndarray
            Channel indices per shank, tip upwards.
        smoothing : bool, default: True
            Apply the HMM along the probe (ignored when the model has none).
        channel_ids : np.ndarray or None
            Ids of the rows; None numbers them.
        **details
            Other ``ChannelRegionEstimate`` fields.
        """
        return finish_estimate(
            np.arange(features.shape[0]) if channel_ids is None else channel_ids,
            self.classes,
            self.predict_raw(features),
            orders,
            smoothing=smoothing,
            hmm=self.hmm,
            calibration=self.calibration,
            ood_score=self.novelty_score(features),
            **details,
        )

    def predict_raw(self, features: np.ndarray) -> np.ndarray:
        """Per-channel class probabilities of precomputed features, before smoothing and calibration."""
        # a few hundred rows: one thread is ~100x faster than OpenMP's default on a loaded machine
        with threadpool_limits(limits=1):
            return self.estimator.predict_proba(features)

    def novelty_score(self, features: np.ndarray) -> np.ndarray | None:
        """Per-channel out-of-distribution score of precomputed features (None without a novelty model)."""
        if self.novelty is None:
            return None
        return self.novelty.score(self.estimator[:-1].transform(features))

    def save(self, folder: str | Path, overwrite: bool = False) -> Path:
        """Write the model folder (``classifier.skops`` + ``card.json``)."""
        import skops.io as skops_io  # slow to import (it scans every scikit-learn type): only when needed

        card = dict(self.card)
        card.update(
            kind=REGION_MODEL_KIND,
            classes=self.classes,
            tokenizer=self.tokenizer.to_dict(),
            feature_set=self.feature_set,
            smoothing=None if self.hmm is None else self.hmm.to_dict(),
            calibration=None if self.calibration is None else self.calibration.to_dict(),
            novelty=None if self.novelty is None else self.novelty.state(),
        )

        def write_weights(tmp: Path) -> None:
            skops_io.dump(self.estimator, tmp / WEIGHTS_FILENAME)
            if self.novelty is not None:
                self.novelty.save_prototypes(tmp)

        return save_model_folder(folder, card, write_weights, overwrite=overwrite)

    @classmethod
    def load(cls, folder: str | Path) -> RegionModel:
        """Load a model folder written by ``save``; a ValueError names the folder and what is wrong."""
        folder = Path(folder)
        card = read_model_card(folder, expected_kind=REGION_MODEL_KIND)
        check_region_card(card, folder)
        parts = _card_parts(card, folder)
        estimator = _load_estimator(folder)
        if [str(c) for c in estimator.classes_] != list(card["classes"]):
            raise ValueError(f"The model folder {folder} is corrupt: card classes differ from the classifier's")
        novelty = parts["novelty"]
        if novelty is not None and novelty.prototypes_.shape[1] != estimator.n_features_in_:
            raise ValueError(
                f"The model folder {folder} is corrupt: its novelty prototypes have {novelty.prototypes_.shape[1]} "
                f"features, its classifier {estimator.n_features_in_}"
            )
        hmm = parts["smoothing"]
        if hmm is not None and hmm.classes_.tolist() != list(card["classes"]):
            raise ValueError(
                f"The model card of {folder} has 'smoothing' classes {hmm.classes_.tolist()} in another order than "
                f"the classifier's {card['classes']}"
            )
        return cls(
            estimator=estimator,
            tokenizer=parts["tokenizer"],
            sampling_frequency=card["sampling_frequency"],
            feature_set=card["feature_set"],
            hmm=hmm,
            calibration=parts["calibration"],
            novelty=novelty,
            card=card,
        )


def _card_parts(card: dict, folder: Path) -> dict:
    """The card's tokenizer, smoother, calibration and novelty states, each checked; errors name the field."""
    if card.get("feature_set") not in FEATURE_SETS:
        raise ValueError(f"The model card of {folder} has an invalid 'feature_set': {card.get('feature_set')!r}")
    if "tokenizer" not in card:
        raise ValueError(f"The model card of {folder} lacks 'tokenizer'")
    readers = dict(
        tokenizer=SpectralTokenizer.from_dict,
        smoothing=ProbeHMM.from_dict,
        calibration=TemperatureCalibration.from_dict,
        novelty=lambda state: FeatureNovelty.load(state, folder),
    )
    parts = {}
    for name, read in readers.items():
        state = card.get(name)
        try:
            parts[name] = None if state is None else read(state)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"The model card of {folder} has an invalid {name!r}: {error}") from error
    if abs(parts["tokenizer"].window_s - card["window_s"]) > 1e-9:
        raise ValueError(f"The model card of {folder} has a 'window_s' that differs from its tokenizer's")
    return parts


def _load_estimator(folder: Path) -> Pipeline:
    """The classifier of a model folder, refusing any type outside skops' defaults and the allow-list."""
    import skops.io as skops_io  # slow to import: only when needed

    weights = folder / WEIGHTS_FILENAME
    if not weights.is_file():
        raise ValueError(f"The model folder {folder} is corrupt: {WEIGHTS_FILENAME} is missing")
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        # one pass: skops refuses any type beyond its defaults and ours before building anything
        return skops_io.load(weights, trusted=TRUSTED_WEIGHT_TYPES)
    except UntrustedTypesFoundException as error:
        raise ValueError(f"{weights} contains types that are not trusted: {error}") from error
    except Exception as error:
        raise ValueError(f"The model folder {folder} is corrupt: cannot read {WEIGHTS_FILENAME} ({error})") from error
