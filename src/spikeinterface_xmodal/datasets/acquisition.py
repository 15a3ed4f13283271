"""What the lab's hardware does to the physiological field: reference, mains, noise, filters, bad channels."""

from __future__ import annotations

import numpy as np
from spikeinterface.core import BaseRecording
from spikeinterface.generation import NoiseGeneratorRecording
from spikeinterface.preprocessing import whiten

from .profiles import LabProfile
from .spectra import (
    aperiodic_shape,
    highpass_shape,
    lowpass_shape,
    normalise_rms,
    random_phases,
    rfft_frequencies,
    synthesize,
)

#: Channel quality labels (channel property ``channel_quality``).
GOOD, DEAD, NOISY = "good", "dead", "noisy"


def apply_reference(field: np.ndarray, depths: np.ndarray, lab: LabProfile, rng: np.random.Generator) -> np.ndarray:
    """Reference the physiological field as the lab does.

    Parameters
    ----------
    field : np.ndarray
        Physiological potential, shape (num_channels, num_samples), uV.
    depths : np.ndarray
        Channel depths from the tip, um.
    lab : LabProfile
        ``reference="tip"`` subtracts the field at the deepest contact from every channel;
        ``"external"`` adds a common-mode 1/f signal picked up by the distant reference.
    rng : np.random.Generator
        Randomness source.

    Returns
    -------
    np.ndarray
        Referenced field (a new array).
    """
    if lab.reference == "tip":
        return field - field[np.argmin(depths)]
    num_samples = field.shape[1]
    freqs = rfft_frequencies(num_samples, lab.lfp_sampling_frequency)
    spectrum = normalise_rms(aperiodic_shape(freqs, 1.5), lab.common_mode_uv, num_samples)
    return field + synthesize(random_phases(rng, 1, freqs.size), spectrum, num_samples)


def add_line_noise(
    traces: np.ndarray, lab: LabProfile, rng: np.random.Generator, gain: np.ndarray | None = None
) -> None:
    """Add mains interference (fundamental and two harmonics) in place, with per-channel amplitude.

    ``gain`` (one factor per channel, e.g. larger on channels outside the brain) multiplies the amplitude.
    """
    num_channels, num_samples = traces.shape
    times = np.arange(num_samples) / lab.lfp_sampling_frequency
    scale = lab.line_noise_uv * (2.0 if lab.reference == "external" else 1.0)
    amplitude = scale * rng.uniform(0.5, 1.5, size=(num_channels, 1))
    if gain is not None:
        amplitude = amplitude * np.asarray(gain, dtype=float)[:, None]
    for harmonic, weight in ((1, 1.0), (3, 0.3), (5, 0.1)):
        frequency = harmonic * lab.line_frequency
        if frequency < lab.lfp_sampling_frequency / 2:
            phase = rng.uniform(0.0, 2 * np.pi)
            traces += weight * amplitude * np.sin(2 * np.pi * frequency * times + phase)[None, :]


def hardware_filter(traces: np.ndarray, lab: LabProfile) -> np.ndarray:
    """Zero-phase band-pass of the LFP channel (the lab's high-pass and anti-alias low-pass)."""
    freqs = rfft_frequencies(traces.shape[1], lab.lfp_sampling_frequency)
    response = highpass_shape(freqs, lab.highpass_hz, order=1) * lowpass_shape(freqs, lab.lowpass_hz, order=4)
    return np.fft.irfft(np.fft.rfft(traces, axis=1) * response, n=traces.shape[1], axis=1)


def draw_channel_quality(num_channels: int, lab: LabProfile, rng: np.random.Generator) -> np.ndarray:
    """Which channels are good, dead or noisy.

    Returns
    -------
    np.ndarray
        One of :data:`GOOD`, :data:`DEAD`, :data:`NOISY` per channel.
    """
    quality = np.full(num_channels, GOOD, dtype=object)
    draws = rng.uniform(size=num_channels)
    quality[draws < lab.dead_fraction + lab.noisy_fraction] = NOISY
    quality[draws < lab.dead_fraction] = DEAD
    return quality.astype(str)


def acquire(
    field: np.ndarray,
    depths: np.ndarray,
    lab: LabProfile,
    rng: np.random.Generator,
    line_noise_gain: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Turn the physiological field into what the lab records on its LFP channels.

    Parameters
    ----------
    field : np.ndarray
        Physiological potential, shape (num_channels, num_samples), uV, at the lab's LFP rate.
    depths : np.ndarray
        Channel depths from the tip, um.
    lab : LabProfile
        Reference, mains, amplifier noise, hardware band, gain, bad channels.
    rng : np.random.Generator
        Randomness source.
    line_noise_gain : np.ndarray or None
        Per-channel factor on the mains amplitude (channels outside the brain pick up more); None: 1.

    Returns
    -------
    traces : np.ndarray
        float32, shape (num_samples, num_channels), uV.
    quality : np.ndarray
        Channel quality labels.
    """
    traces = apply_reference(field, depths, lab, rng)
    add_line_noise(traces, lab, rng, line_noise_gain)
    traces += rng.normal(0.0, lab.noise_uv, size=traces.shape)
    quality = draw_channel_quality(traces.shape[0], lab, rng)
    dead = quality == DEAD
    traces[dead] = rng.normal(0.0, 0.5, size=(int(dead.sum()), traces.shape[1]))
    noisy = quality == NOISY
    traces[noisy] += rng.normal(0.0, 10.0 * lab.noise_uv, size=(int(noisy.sum()), traces.shape[1]))
    traces = hardware_filter(traces, lab) * lab.gain
    return np.ascontiguousarray(traces.T, dtype=np.float32), quality


def shared_wideband_noise(recording: BaseRecording, weights: np.ndarray, rms_uv: float, seed: int) -> BaseRecording:
    """A lazy recording like ``recording`` whose channels carry one shared white noise, scaled by ``weights``.

    The shared trace is the normalised sum of independent noise channels (SpikeInterface's
    ``NoiseGeneratorRecording``), mixed into every channel by a rank-one matrix applied with ``whiten``'s
    precomputed-matrix mode (``W``: channel ``j`` reads ``weights[j]`` times the shared trace).

    Parameters
    ----------
    recording : BaseRecording
        Supplies channel ids, sampling frequency and duration.
    weights : np.ndarray
        (num_channels,) factor per channel (0: the channel does not see the shared signal).
    rms_uv : float
        Rms of the shared signal on a channel of weight 1, uV.
    seed : int
        Seed of the noise.

    Returns
    -------
    BaseRecording
        float32, same channels, add it to ``recording``.
    """
    num_channels = recording.get_num_channels()
    noise = NoiseGeneratorRecording(
        num_channels=num_channels,
        sampling_frequency=recording.sampling_frequency,
        durations=[recording.get_total_duration()],
        noise_levels=rms_uv,
        dtype="float32",
        seed=seed,
    ).rename_channels(recording.channel_ids)
    mixing = np.tile(np.asarray(weights, dtype="float32") / np.sqrt(num_channels), (num_channels, 1))
    return whiten(noise, W=mixing, M=np.zeros(num_channels, dtype="float32"), dtype="float32")
