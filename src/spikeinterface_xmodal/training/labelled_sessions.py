"""Labelled recordings turned into per-channel tables, tokenized once and reused by every fit and evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from spikeinterface.core import BaseRecording
from tqdm.auto import tqdm

from ..region_models import channel_features, lfp_at_rate, recording_probe_order
from ..tokenizers import SpectralTokenizer, SpectralTokens, compute_spectral_tokens


@dataclass
class LabelledSession:
    """One recording's tokens, channel positions, true regions and probe order.

    Attributes
    ----------
    session_id : str
    tokens : SpectralTokens
    channel_locations : np.ndarray
    labels : np.ndarray
        True region (str) per channel; "" where the channel has none (it is left out of fitting and scoring).
    orders : list of np.ndarray
        Channel indices per shank, tip upwards.
    sampling_frequency : float
        LFP rate of the tokenized recording.
    tokenizer : SpectralTokenizer
        Settings the tokens were made with.
    group : str
        Free label for grouped evaluation (e.g. the lab).
    """

    session_id: str
    tokens: SpectralTokens
    channel_locations: np.ndarray
    labels: np.ndarray
    orders: list[np.ndarray]
    sampling_frequency: float
    tokenizer: SpectralTokenizer
    group: str = ""

    def features(self, feature_set: str) -> np.ndarray:
        """Per-channel features of this session for ``feature_set``."""
        return channel_features(self.tokens, self.channel_locations, feature_set)[0]


UNLABELLED = ""
# channel property values that mean "no region": None, NaN, empty, and their string forms
_MISSING_LABEL_TEXT = {"", "nan", "none", "null"}


def _label_text(value) -> str:
    if value is None or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return UNLABELLED
    text = str(value).strip()
    return UNLABELLED if text.lower() in _MISSING_LABEL_TEXT else text


def channel_labels(recording: BaseRecording, label_property: str = "brain_area") -> np.ndarray:
    """The true region of each channel, from a channel property; "" where a channel has none.

    None, NaN, empty strings and their string forms ("nan", "None") mean the channel is unlabelled.
    A clear error when the property is absent or labels no channel at all.
    """
    labels = recording.get_property(label_property)
    if labels is None:
        raise ValueError(
            f"The recording has no {label_property!r} channel property: training needs the true region of each "
            f"channel (set it with recording.set_property({label_property!r}, regions)). "
            f"Properties found: {recording.get_property_keys()}"
        )
    labels = np.array([_label_text(value) for value in labels], dtype=object).astype(str)
    if np.all(labels == UNLABELLED):
        raise ValueError(f"The {label_property!r} channel property labels no channel (all None, NaN or empty)")
    return labels


def prepare_labelled_sessions(
    recordings: list[BaseRecording],
    tokenizer: SpectralTokenizer,
    sampling_frequency: float,
    label_property: str = "brain_area",
    n_windows: int | None = 20,
    seed: int = 0,
    session_ids: list[str] | None = None,
    groups: list[str] | None = None,
    **job_kwargs,
) -> list[LabelledSession]:
    """Tokenize labelled recordings once.

    Parameters
    ----------
    recordings : list of BaseRecording
        Recordings with channel locations and a ``label_property`` channel property; faster ones are
        downsampled to ``sampling_frequency``.
    tokenizer : SpectralTokenizer
        Tokenizer settings.
    sampling_frequency : float
        LFP rate to work at.
    label_property : str, default: "brain_area"
        Channel property holding the true region.
    n_windows : int or None, default: 20
        Windows per recording.
    seed : int, default: 0
        Seed of the window draw.
    session_ids, groups : list of str or None
        Names and evaluation groups; default to the recordings' ``session_id`` / ``lab_id`` annotations.
    **job_kwargs
        SpikeInterface job kwargs for tokenization; ``progress_bar`` shows progress over recordings.

    Returns
    -------
    list of LabelledSession
    """
    if len(recordings) == 0:
        raise ValueError("No recordings given")
    show_progress = bool(job_kwargs.get("progress_bar", False))
    # one bar over sessions; the per-session chunk bars would interleave with it
    job_kwargs["progress_bar"] = False
    sessions = []
    for index, recording in enumerate(tqdm(recordings, desc="tokenizing sessions", disable=not show_progress)):
        labels = channel_labels(recording, label_property)
        lfp = lfp_at_rate(recording, sampling_frequency, tokenizer.max_frequency)
        tokens = compute_spectral_tokens(lfp, tokenizer, n_windows=n_windows, seed=seed, **job_kwargs)
        session_id = session_ids[index] if session_ids else recording.get_annotation("session_id")
        group = groups[index] if groups else recording.get_annotation("lab_id")
        sessions.append(
            LabelledSession(
                session_id=str(session_id if session_id is not None else f"session{index}"),
                tokens=tokens,
                channel_locations=lfp.get_channel_locations(),
                labels=labels,
                orders=recording_probe_order(lfp),
                sampling_frequency=lfp.sampling_frequency,
                tokenizer=tokenizer,
                group=str(group or ""),
            )
        )
    return sessions
