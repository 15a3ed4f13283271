"""The Lfp2Vec region model kind: a fine-tuned wav2vec 2.0 encoder per window, pooled per channel, smoothed.

Kind ``"lfp2vec_region"``: ``model.safetensors`` (the ``Lfp2VecClassifier`` weights) + ``card.json`` (classes, the
encoder config, the probe smoother, calibration and novelty state) + ``novelty_prototypes.npy`` (training channels'
embeddings, for the out-of-distribution score). Torch and transformers load when a model is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from spikeinterface.core import BaseRecording

from ..model_folder import read_model_card, save_model_folder
from ..model_kinds import register_model_kind
from ..preprocessing import sample_windows
from ..preprocessing.windows import read_windows
from .base import RegionModelKind, check_region_card, lfp_at_rate
from .calibration import TemperatureCalibration
from .estimate import ChannelRegionEstimate, finish_estimate
from .novelty import FeatureNovelty
from .probe_hmm import ProbeHMM, recording_probe_order

if TYPE_CHECKING:
    from ..models.lfp2vec import Lfp2VecClassifier, Lfp2VecConfig

LFP2VEC_REGION_KIND = "lfp2vec_region"
WEIGHTS_FILENAME = "model.safetensors"
# windows per forward pass at prediction: bounds the memory of the encoder's activations. Batches of 16 to 128
# windows ran within 10% of each other with the small config on 2 loaded CPU cores (16 the fastest, twice)
PREDICT_BATCH_WINDOWS = 16


def lfp_at_model_rate(recording: BaseRecording, sampling_frequency: float) -> BaseRecording:
    """The recording at exactly a waveform model's rate: faster ones band-limited and downsampled
    (``extract_lfp``), slower ones upsampled with SpikeInterface's ``resample`` (lazy either way)."""
    if np.isclose(recording.sampling_frequency, sampling_frequency, rtol=1e-6):
        lfp_at_rate(recording, sampling_frequency, 0.0)  # the same checks (a recording, with channel locations)
        return recording
    if recording.sampling_frequency > sampling_frequency:
        return lfp_at_rate(recording, sampling_frequency, 0.0)
    from spikeinterface.preprocessing import resample

    return resample(lfp_at_rate(recording, recording.sampling_frequency, 0.0), resample_rate=sampling_frequency)


def draw_windows(recording: BaseRecording, window_s: float, n_windows: int | None, seed: int) -> np.ndarray:
    """``sample_windows``, refusing a recording too short for ``n_windows`` windows (None takes them all)."""
    windows = sample_windows(recording, window_s, n_windows, seed)
    if n_windows is not None and windows.size < n_windows:
        raise ValueError(
            f"The recording ({recording.get_total_duration():.1f} s) holds {windows.size} non-overlapping windows of "
            f"{window_s} s, fewer than the n_windows={n_windows} asked for: ask for at most {windows.size} "
            "(or None for all of them), or use a longer recording."
        )
    return windows


class WindowPredictor:
    """``read_windows`` batch function: a classifier's per-window class probabilities and embeddings per channel.

    Every window of every channel of a chunk goes through the network in batches of ``batch_windows``
    (channels and windows mixed), under ``torch.inference_mode``.

    Parameters
    ----------
    classifier : Lfp2VecClassifier
        In eval mode.
    depths_um : np.ndarray
        Depth along the probe of each channel of the recording (read when the classifier takes depth).
    batch_windows : int
        Windows per forward pass.
    """

    def __init__(
        self, classifier: Lfp2VecClassifier, depths_um: np.ndarray, batch_windows: int = PREDICT_BATCH_WINDOWS
    ):
        self.classifier = classifier
        self.depths_um = np.asarray(depths_um, dtype="float32")
        self.batch_windows = batch_windows

    def __call__(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        import torch

        from ..models.lfp2vec import FLAT_STD

        n_windows, n_samples, n_channels = batch.shape
        waveforms = torch.from_numpy(batch.transpose(0, 2, 1).reshape(-1, n_samples))  # channel-major: no copy
        depths = torch.from_numpy(np.tile(self.depths_um, n_windows))
        probabilities, embeddings = [], []
        with torch.inference_mode():
            for start in range(0, waveforms.shape[0], self.batch_windows):
                chosen = slice(start, start + self.batch_windows)
                logits, embedding = self.classifier.logits_and_embeddings(waveforms[chosen], depths[chosen])
                probabilities.append(torch.softmax(logits, dim=-1).numpy())
                embeddings.append(embedding.numpy())
            flat = (waveforms.std(dim=1) <= FLAT_STD).numpy()
        return dict(
            probabilities=np.concatenate(probabilities).reshape(n_windows, n_channels, -1),
            embeddings=np.concatenate(embeddings).reshape(n_windows, n_channels, -1),
            flat=flat.reshape(n_windows, n_channels),
        )


@register_model_kind
class Lfp2VecRegionModel(RegionModelKind):
    """The Lfp2Vec region model as stored in a model folder (kind ``"lfp2vec_region"``).

    Each channel's windows go through the fine-tuned encoder one by one; the channel's probabilities are the
    mean of its windows' (channels flat in most windows get uniform probabilities, so that smoothing fills them
    from their neighbours); then the shared steps of ``finish_estimate`` (probe HMM, calibration, and the
    out-of-distribution score of the channel's embedding against the training channels'). The estimate carries
    each channel's embedding (the encoder's output averaged over frames and windows).

    Parameters
    ----------
    classifier : Lfp2VecClassifier
        The fine-tuned network.
    classes : list of str
        Region of each output, in order.
    hmm : ProbeHMM or None
        Smoother along the probe, fitted on the training layouts.
    calibration : TemperatureCalibration or None
        Temperatures fitted on the validation sessions.
    novelty : FeatureNovelty or None
        Out-of-distribution score of channel embeddings against the training channels' (fills ``ood_score``).
    card : dict or None
        Provenance: training data, metrics, settings.
    """

    kind = LFP2VEC_REGION_KIND
    makes_embeddings = True

    def __init__(
        self,
        classifier: Lfp2VecClassifier,
        classes: list[str],
        hmm: ProbeHMM | None = None,
        calibration: TemperatureCalibration | None = None,
        novelty: FeatureNovelty | None = None,
        card: dict | None = None,
    ):
        if len(classes) != classifier.num_classes:
            raise ValueError(f"{len(classes)} classes for a classifier with {classifier.num_classes} outputs")
        self.classifier = classifier.eval()
        self._classes = [str(c) for c in classes]
        self.hmm = hmm
        self.calibration = calibration
        self.novelty = novelty
        self.card = dict(card or {})
        config = classifier.config
        self.card.update(sampling_frequency=float(config.sampling_frequency), window_s=float(config.window_s))

    @property
    def classes(self) -> list[str]:
        """Region labels, in the column order of the probabilities."""
        return list(self._classes)

    @property
    def config(self) -> Lfp2VecConfig:
        """The encoder's settings."""
        return self.classifier.config

    def window_outputs(
        self, recording: BaseRecording, n_windows: int | None = 20, seed: int = 0, **job_kwargs
    ) -> tuple[BaseRecording, dict[str, np.ndarray]]:
        """The recording at the model's rate and per-window outputs (``probabilities``, ``embeddings``, ``flat``).

        Each output has shape (n_windows, n_channels, ...); windows are read in chunks (``read_windows``), so
        memory holds one chunk, not the recording.
        """
        lfp = lfp_at_model_rate(recording, self.sampling_frequency)
        windows = draw_windows(lfp, self.window_s, n_windows, seed)
        job_kwargs.setdefault("progress_bar", False)
        predictor = WindowPredictor(self.classifier, lfp.get_channel_locations()[:, 1])
        outputs = read_windows(lfp, windows, self.window_s, predictor, "lfp2vec", **job_kwargs)
        return lfp, outputs

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
            LFP, or a recording at another rate (resampled to the model's), with channel locations.
        n_windows : int or None, default: 20
            Windows per channel; the recording must hold that many (None uses every window).
        seed : int, default: 0
            Seed of the window draw.
        smoothing : bool, default: True
            Apply the HMM along the probe (ignored when the model has none).
        **job_kwargs
            SpikeInterface job kwargs for reading windows (``n_jobs``, ``chunk_duration``, ``progress_bar``).
        """
        lfp, outputs = self.window_outputs(recording, n_windows, seed, **job_kwargs)
        return self.estimate_from_outputs(lfp, outputs, smoothing)

    def estimate_from_outputs(
        self, lfp: BaseRecording, outputs: dict[str, np.ndarray], smoothing: bool = True
    ) -> ChannelRegionEstimate:
        """The estimate from ``window_outputs``: what ``predict`` does after the network (run it once, e.g. to
        compare with and without smoothing)."""
        raw, flat = pool_windows(outputs["probabilities"], outputs["flat"])
        embeddings = outputs["embeddings"].mean(axis=0)
        return finish_estimate(
            lfp.channel_ids,
            self.classes,
            raw,
            recording_probe_order(lfp),
            smoothing=smoothing,
            hmm=self.hmm,
            calibration=self.calibration,
            ood_score=None if self.novelty is None else self.novelty.score(embeddings),
            flat=flat,
            embeddings=embeddings,
        )

    def embed(self, recording: BaseRecording, n_windows: int | None = 20, seed: int = 0, **job_kwargs) -> np.ndarray:
        """Per-channel embeddings (n_channels, hidden_size): the encoder's output averaged over frames and windows."""
        return self.window_outputs(recording, n_windows, seed, **job_kwargs)[1]["embeddings"].mean(axis=0)

    def save(self, folder: str | Path, overwrite: bool = False) -> Path:
        """Write the model folder (``model.safetensors`` + ``card.json``)."""
        from safetensors.torch import save_model

        card = dict(self.card)
        card.update(
            kind=LFP2VEC_REGION_KIND,
            classes=self.classes,
            lfp2vec=self.config.to_dict(),
            smoothing=None if self.hmm is None else self.hmm.to_dict(),
            calibration=None if self.calibration is None else self.calibration.to_dict(),
            novelty=None if self.novelty is None else self.novelty.state(),
        )

        def write_weights(tmp: Path) -> None:
            save_model(self.classifier, str(tmp / WEIGHTS_FILENAME))
            if self.novelty is not None:
                self.novelty.save_prototypes(tmp)

        return save_model_folder(folder, card, write_weights, overwrite=overwrite)

    @classmethod
    def load(cls, folder: str | Path) -> Lfp2VecRegionModel:
        """Load a model folder written by ``save``; a ValueError names the folder and what is wrong."""
        from ..models.lfp2vec import Lfp2VecClassifier

        folder = Path(folder)
        card = read_model_card(folder, expected_kind=LFP2VEC_REGION_KIND)
        check_region_card(card, folder)
        if len(card["classes"]) < 2:
            raise ValueError(f"The model card of {folder} has fewer than 2 'classes': {card['classes']}")
        config = read_config(card, folder)
        readers = dict(
            smoothing=ProbeHMM.from_dict,
            calibration=TemperatureCalibration.from_dict,
            novelty=lambda state: FeatureNovelty.load(state, folder),
        )
        parts = {}
        for name, read in readers.items():
            try:
                parts[name] = None if card.get(name) is None else read(card[name])
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"The model card of {folder} has an invalid {name!r}: {error}") from error
        hmm = parts["smoothing"]
        if hmm is not None and hmm.classes_.tolist() != list(card["classes"]):
            raise ValueError(
                f"The model card of {folder} has 'smoothing' classes {hmm.classes_.tolist()} in another order than "
                f"the classifier's {card['classes']}"
            )
        novelty = parts["novelty"]
        if novelty is not None and novelty.prototypes_.shape[1] != config.hidden_size:
            raise ValueError(
                f"The model folder {folder} is corrupt: its novelty prototypes have {novelty.prototypes_.shape[1]} "
                f"dimensions, its encoder's embeddings {config.hidden_size}"
            )
        classifier = Lfp2VecClassifier(config, len(card["classes"]))
        load_weights(classifier, folder)
        return cls(classifier, card["classes"], hmm=hmm, calibration=parts["calibration"], novelty=novelty, card=card)


def pool_windows(probabilities: np.ndarray, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel probabilities (mean over windows) and flat flags (flat in more than half of the windows).

    Flat channels get uniform probabilities: their z-scored input is all zeros and says nothing.
    """
    flat_channels = flat.mean(axis=0) > 0.5
    pooled = probabilities.astype("float64").mean(axis=0)
    pooled[flat_channels] = 1.0 / pooled.shape[1]
    return pooled, flat_channels


def read_config(card: dict, folder: Path) -> Lfp2VecConfig:
    """The card's ``lfp2vec`` encoder config, checked against its ``sampling_frequency`` and ``window_s``."""
    from ..models.lfp2vec import Lfp2VecConfig

    if "lfp2vec" not in card:
        raise ValueError(f"The model card of {folder} lacks 'lfp2vec' (the encoder config)")
    try:
        config = Lfp2VecConfig.from_dict(card["lfp2vec"])
    except (TypeError, ValueError) as error:
        raise ValueError(f"The model card of {folder} has an invalid 'lfp2vec': {error}") from error
    for name in ("sampling_frequency", "window_s"):
        if name in card and not np.isclose(card[name], getattr(config, name)):
            raise ValueError(f"The model card of {folder} has a {name!r} that differs from its 'lfp2vec' config's")
    return config


def load_weights(module, folder: Path) -> None:
    """Fill ``module`` from the folder's ``model.safetensors``; a ValueError when it is missing or does not fit."""
    from safetensors.torch import load_model

    weights = folder / WEIGHTS_FILENAME
    if not weights.is_file():
        raise ValueError(f"The model folder {folder} is corrupt: {WEIGHTS_FILENAME} is missing")
    try:
        load_model(module, str(weights), strict=True)
    except Exception as error:  # safetensors raises its own error types for truncated or foreign files
        raise ValueError(f"The model folder {folder} is corrupt: cannot read {WEIGHTS_FILENAME} ({error})") from error
