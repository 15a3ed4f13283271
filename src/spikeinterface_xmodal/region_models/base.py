"""The interface every region model kind offers to ``lfp_region``, and the LFP rate handling they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from spikeinterface.core import BaseRecording

from ..model_kinds import load_model
from ..preprocessing import extract_lfp, is_lfp_rate
from .estimate import ChannelRegionEstimate

# card fields every region model folder carries, beyond model_folder.REQUIRED_CARD_KEYS
REGION_CARD_FIELDS = {"sampling_frequency": (int, float), "window_s": (int, float)}


class RegionModelKind(ABC):
    """A trained region model: per-channel region probabilities from a recording's LFP.

    Subclasses set ``kind`` (the card's ``kind``), register with ``model_kinds.register_model_kind`` and
    implement ``classes``, ``predict``, ``save`` and ``load``. Their ``card`` holds at least
    ``sampling_frequency`` (the LFP rate the model works at) and ``window_s`` (its analysis window). A kind
    whose estimates carry per-channel ``embeddings`` sets ``makes_embeddings = True``.
    """

    kind: ClassVar[str]
    makes_embeddings: ClassVar[bool] = False
    card: dict

    @property
    @abstractmethod
    def classes(self) -> list[str]:
        """Region labels, in the column order of the probabilities."""

    @property
    def sampling_frequency(self) -> float:
        """LFP rate (Hz) the model works at."""
        return float(self.card["sampling_frequency"])

    @property
    def window_s(self) -> float:
        """Length (s) of the analysis windows."""
        return float(self.card["window_s"])

    @abstractmethod
    def predict(
        self,
        recording: BaseRecording,
        n_windows: int | None = 20,
        seed: int = 0,
        smoothing: bool = True,
        **job_kwargs,
    ) -> ChannelRegionEstimate:
        """Estimate the region of every channel of ``recording`` (LFP, or faster and then downsampled)."""

    @abstractmethod
    def save(self, folder: str | Path, overwrite: bool = False) -> Path:
        """Write the model folder."""

    @classmethod
    @abstractmethod
    def load(cls, folder: str | Path) -> RegionModelKind:
        """Read a model folder written by ``save``."""


def check_region_card(card: dict, folder: str | Path) -> None:
    """Raise a ValueError naming the folder and the field when a region model card lacks or mistypes a field."""
    for name, types in REGION_CARD_FIELDS.items():
        value = card.get(name)
        if value is None:
            raise ValueError(f"The model card of {folder} lacks {name!r}")
        if isinstance(value, bool) or not isinstance(value, types) or not value > 0:
            raise ValueError(
                f"The model card of {folder} has an invalid {name!r}: {value!r} (expected a positive number)"
            )


def load_region_model(folder: str | Path, digest: str | None = None) -> RegionModelKind:
    """Load a model folder of any registered kind and check that it is a region model.

    Parameters
    ----------
    folder : str or Path
        The model folder.
    digest : str or None, default: None
        The folder's ``model_folder.folder_hash``. When given, the model is kept in memory under
        (resolved path, digest), so that running many sessions in one process loads it once (loading a
        gradient-boosting model with skops takes about a second); a changed folder has another digest
        and is loaded anew. The cached model is shared: do not modify it.
    """
    if digest is not None:
        return _load_region_model_cached(str(Path(folder).resolve()), digest)
    model = load_model(folder)
    if not isinstance(model, RegionModelKind):
        raise ValueError(f"The model in {folder} is a {model.card['kind']!r} model, not a region model")
    return model


@lru_cache(maxsize=4)
def _load_region_model_cached(folder: str, digest: str) -> RegionModelKind:
    return load_region_model(folder)


def lfp_at_rate(recording: BaseRecording, sampling_frequency: float, max_frequency: float) -> BaseRecording:
    """Bring a recording to a model's LFP rate.

    A faster recording is downsampled with ``extract_lfp``; a slower one is used as it is when its Nyquist
    frequency exceeds ``max_frequency`` (the highest frequency the model needs), and refused otherwise.

    Parameters
    ----------
    recording : BaseRecording
        LFP or wide-band recording with channel locations.
    sampling_frequency : float
        The model's LFP rate (Hz).
    max_frequency : float
        Highest frequency (Hz) the model reads.

    Returns
    -------
    BaseRecording
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
    if recording.sampling_frequency / 2 <= max_frequency:
        raise ValueError(
            f"A sampling frequency of {recording.sampling_frequency} Hz cannot resolve the model's frequencies up to "
            f"{max_frequency} Hz: the Nyquist frequency must exceed it (use at least {2 * max_frequency + 1:.0f} Hz, "
            "e.g. a 1250 or 2500 Hz LFP stream)."
        )
    return recording
