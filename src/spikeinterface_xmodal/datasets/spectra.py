"""Seeded Gaussian signals with prescribed amplitude spectra (the FFT engine of the LFP generator).

neurodsp's stochastic simulators draw from NumPy's global random state, so the stochastic parts are
synthesized here from an explicit ``np.random.Generator``; neurodsp supplies deterministic cycle shapes.
"""

from __future__ import annotations

import numpy as np


def rfft_frequencies(num_samples: int, sampling_frequency: float) -> np.ndarray:
    """Frequencies of the real FFT of a signal of ``num_samples`` samples."""
    return np.fft.rfftfreq(num_samples, d=1.0 / sampling_frequency)


def aperiodic_shape(freqs: np.ndarray, exponent: np.ndarray | float, knee_hz: float = 1.0) -> np.ndarray:
    """Amplitude spectrum of power ``1 / (1 + (f / knee)^exponent)`` (flat below the knee, 0 at DC).

    ``exponent`` may be an array of shape (n, 1) to give n spectra.
    """
    shape = 1.0 / np.sqrt(1.0 + (freqs / knee_hz) ** np.asarray(exponent, dtype=float))
    return np.where(freqs > 0, shape, 0.0)


def bump_shape(freqs: np.ndarray, centre_hz: np.ndarray | float, width_hz: np.ndarray | float) -> np.ndarray:
    """Gaussian spectral bump (a band-limited rhythm); array arguments of shape (n, 1) give n spectra."""
    return np.exp(-0.5 * ((freqs - np.asarray(centre_hz)) / np.asarray(width_hz)) ** 2)


def highpass_shape(freqs: np.ndarray, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Butterworth high-pass magnitude response."""
    ratio = np.divide(freqs, cutoff_hz)
    return ratio**order / np.sqrt(1.0 + ratio ** (2 * order))


def lowpass_shape(freqs: np.ndarray, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Butterworth low-pass magnitude response."""
    return 1.0 / np.sqrt(1.0 + (np.divide(freqs, cutoff_hz)) ** (2 * order))


def normalise_rms(spectra: np.ndarray, rms: np.ndarray | float, num_samples: int) -> np.ndarray:
    """Scale amplitude spectra so that :func:`synthesize` gives signals of expected rms ``rms``.

    Parameters
    ----------
    spectra : np.ndarray
        Amplitude spectra, shape (n, num_freqs) or (num_freqs,).
    rms : float or np.ndarray
        Target rms of each signal (shape (n, 1) for per-signal values).
    num_samples : int
        Length of the signals.

    Returns
    -------
    np.ndarray
        Scaled spectra.
    """
    spectra = np.atleast_2d(spectra)
    power = 4.0 * np.sum(spectra**2, axis=-1, keepdims=True) / num_samples**2
    return spectra * np.asarray(rms, dtype=float).reshape(-1, 1) / np.sqrt(np.maximum(power, 1e-30))


def random_phases(rng: np.random.Generator, num_signals: int, num_freqs: int) -> np.ndarray:
    """Complex Gaussian spectral coefficients, shape (num_signals, num_freqs)."""
    return rng.standard_normal((num_signals, num_freqs)) + 1j * rng.standard_normal((num_signals, num_freqs))


def synthesize(coefficients: np.ndarray, spectra: np.ndarray, num_samples: int) -> np.ndarray:
    """Time signals from random coefficients shaped by amplitude spectra (rows are signals)."""
    return np.fft.irfft(coefficients * spectra, n=num_samples, axis=-1)


def burst_envelope(
    rng: np.random.Generator,
    num_signals: int,
    num_samples: int,
    sampling_frequency: float,
    duty: np.ndarray | float,
    timescale_s: float = 0.5,
) -> np.ndarray:
    """Smooth on/off envelopes in [0, 1], on for about a fraction ``duty`` of the time.

    Parameters
    ----------
    rng : np.random.Generator
        Randomness source.
    num_signals, num_samples : int
        Output shape.
    sampling_frequency : float
        Hz.
    duty : float or np.ndarray
        Fraction of time on (per signal with shape (n, 1)); 1 gives a constant envelope of 1.
    timescale_s : float
        Typical duration of a burst.

    Returns
    -------
    np.ndarray
        Envelopes, shape (num_signals, num_samples).
    """
    freqs = rfft_frequencies(num_samples, sampling_frequency)
    spectra = normalise_rms(bump_shape(freqs, 0.0, 1.0 / (2 * np.pi * timescale_s)), 1.0, num_samples)
    slow = synthesize(random_phases(rng, num_signals, freqs.size), spectra, num_samples)
    duty = np.broadcast_to(np.asarray(duty, dtype=float).reshape(-1, 1), (num_signals, 1))
    threshold = np.array([np.quantile(row, 1.0 - min(d, 1.0)) for row, d in zip(slow, duty[:, 0], strict=True)])
    threshold = threshold.reshape(-1, 1)
    envelope = 1.0 / (1.0 + np.exp(-(slow - threshold) / 0.25))
    return np.where(duty >= 1.0, 1.0, envelope)
