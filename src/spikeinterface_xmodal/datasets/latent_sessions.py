"""Multi-session recordings driven by shared latent dynamics: spikes, LFP and behaviour of a reaching task.

Every session replays the same centre-out reaching task (trials with a preparatory period and a movement to
one of ``n_conditions`` targets). Eight latent dimensions drive everything:

- 0, 1: a slow rotation during the movement (one cycle per reach), phase set by the target;
- 2, 3: a faster rotation (2.5 cycles per reach), phase set by the target;
- 4, 5: preparatory activity (cosine and sine of the target angle), ramping up before the movement;
- 6, 7: slow activity unrelated to the task (a smooth random process).

Behaviour (2-D hand velocity) is a fixed read-out of the two rotations plus a little noise. Spikes are
Bernoulli-in-1-ms-bin draws from log-linear rates of all eight latents (each session its own units and
tuning); the LFP mixes only dimensions 0, 1, 4, 5, 6 and 7 (never the fast rotation), low-pass filtered,
under 1/f noise, line noise and a common-reference signal. So an instantaneous linear read-out of the LFP
can reach only the slow rotation's share of behaviour; ``docs/datasets.md`` gives the figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfiltfilt

from .spectra import aperiodic_shape, bump_shape, normalise_rms, random_phases, rfft_frequencies, synthesize

N_LATENTS = 8
# gain of each latent in the LFP mixing: the fast rotation is faint, the task-unrelated activity strong
LFP_LATENT_GAINS = (1.0, 1.0, 0.3, 0.3, 1.0, 1.0, 2.0, 2.0)
BEHAVIOUR_LATENTS = (0, 1, 2, 3)
SPIKE_SAMPLING_FREQUENCY = 30_000.0
_SPIKE_BIN_S = 0.001
_TASK_SEED = 20251212  # the task (targets, read-out) is shared by every session, whatever the seed


@dataclass(frozen=True)
class TrialTiming:
    """Durations of one trial's parts, in seconds: inter-trial interval, preparation, movement."""

    iti_s: float = 0.4
    preparation_s: float = 0.3
    movement_s: float = 0.8

    @property
    def duration_s(self) -> float:
        """Whole trial."""
        return self.iti_s + self.preparation_s + self.movement_s


@dataclass
class LatentSession:
    """One generated session (or one read from NWB, where ``latents`` is None).

    Attributes
    ----------
    session_id : str
        Name of the session.
    sorting : spikeinterface.core.BaseSorting
        The session's own units at 30 kHz.
    lfp : spikeinterface.core.BaseRecording
        The session's own LFP channels (float32, uV).
    behaviour : np.ndarray
        Hand velocity, shape (n, 2).
    behaviour_times : np.ndarray
        Times of ``behaviour`` rows in seconds, shape (n,).
    trials : dict of str to np.ndarray
        ``start_time``, ``stop_time``, ``movement_onset`` (s) and ``condition`` (target index) per trial.
    latents : np.ndarray or None
        The true latents at ``behaviour_times``, shape (n, 8).
    """

    session_id: str
    sorting: object
    lfp: object
    behaviour: np.ndarray
    behaviour_times: np.ndarray
    trials: dict[str, np.ndarray]
    latents: np.ndarray | None = None


def _task(n_conditions: int) -> dict[str, np.ndarray]:
    """What every session shares: target angles, rotation phases and the behaviour read-out."""
    rng = np.random.default_rng(_TASK_SEED)
    angles = 2 * np.pi * np.arange(n_conditions) / n_conditions
    readout = np.zeros((N_LATENTS, 2))
    readout[list(BEHAVIOUR_LATENTS)] = rng.normal(0.0, 1.0, (len(BEHAVIOUR_LATENTS), 2))
    return {"angles": angles, "phase_fast": rng.uniform(0, 2 * np.pi, n_conditions), "readout": readout}


def _trial_table(rng: np.random.Generator, n_trials: int, n_conditions: int, timing: TrialTiming) -> dict:
    jitter = rng.uniform(0.0, 0.2, n_trials)  # trials of slightly different lengths
    durations = timing.duration_s + jitter
    starts = np.concatenate([[0.0], np.cumsum(durations)[:-1]])
    return {
        "start_time": starts,
        "stop_time": starts + durations,
        "movement_onset": starts + timing.iti_s + jitter + timing.preparation_s,
        "condition": rng.integers(0, n_conditions, n_trials),
    }


def _smooth_noise(rng: np.random.Generator, n_signals: int, times: np.ndarray, timescale_s: float) -> np.ndarray:
    """Smooth unit-variance Gaussian processes at ``times`` (a regular grid), shape (len(times), n_signals)."""
    fs = 1.0 / (times[1] - times[0])
    freqs = rfft_frequencies(times.size, fs)
    spectra = normalise_rms(bump_shape(freqs, 0.0, 1.0 / (2 * np.pi * timescale_s)), 1.0, times.size)
    return synthesize(random_phases(rng, n_signals, freqs.size), spectra, times.size).T


def _latents(times: np.ndarray, trials: dict, task: dict, timing: TrialTiming, speed: float, slow: np.ndarray):
    """The eight latents at ``times`` (a regular grid), given the trials and the session's speed factor."""
    z = np.zeros((times.size, N_LATENTS))
    movement = timing.movement_s / speed
    for onset, condition in zip(trials["movement_onset"], trials["condition"], strict=True):
        phase = (times - onset) / movement
        moving = (phase >= 0) & (phase <= 1)
        envelope = np.sin(np.pi * phase[moving]) ** 2
        angle = task["angles"][condition]
        z[moving, 0] = envelope * np.cos(2 * np.pi * phase[moving] + angle)
        z[moving, 1] = envelope * np.sin(2 * np.pi * phase[moving] + angle)
        fast = 2 * np.pi * 2.5 * phase[moving] + task["phase_fast"][condition]
        z[moving, 2], z[moving, 3] = envelope * np.cos(fast), envelope * np.sin(fast)
        ramp = np.clip(1 + (times - onset) / timing.preparation_s, 0, 1) * np.clip(1 - phase, 0, 1)
        near = ramp > 0
        z[near, 4] += ramp[near] * np.cos(angle)
        z[near, 5] += ramp[near] * np.sin(angle)
    z[:, 6:] = 0.7 * slow
    return z


def _sorting(rng: np.random.Generator, z_ms: np.ndarray, n_units: int, drift: float):
    """Units with log-linear tuning to all latents, spikes drawn per 1 ms bin, as a NumpySorting at 30 kHz."""
    from spikeinterface.core import NumpySorting

    tuning = rng.normal(0.0, 0.9, (N_LATENTS, n_units))
    baseline = np.log(rng.uniform(4.0, 20.0, n_units))
    ramp = np.linspace(-0.5, 0.5, z_ms.shape[0])[:, None] * rng.normal(0.0, drift, n_units)  # slow within-session drift
    rates = np.exp(np.clip(baseline + z_ms @ tuning + ramp, None, np.log(200.0)))
    spikes = rng.random(rates.shape) < -np.expm1(-rates * _SPIKE_BIN_S)
    bins, units = np.nonzero(spikes)
    per_bin = int(SPIKE_SAMPLING_FREQUENCY * _SPIKE_BIN_S)
    samples = bins * per_bin + rng.integers(0, per_bin, bins.size)
    order = np.argsort(samples, kind="stable")
    unit_ids = [f"u{i}" for i in range(n_units)]
    return NumpySorting.from_samples_and_labels(
        [samples[order]], [np.asarray(unit_ids)[units[order]]], SPIKE_SAMPLING_FREQUENCY, unit_ids=unit_ids
    )


def _lfp(rng: np.random.Generator, z: np.ndarray, fs: float, n_channels: int, line_hz: float, lfp_gain: float):
    """Low-pass mix of the latents + 1/f noise + line noise + a common reference, in uV (float32)."""
    from spikeinterface.core import NumpyRecording

    n = z.shape[0]
    mixing = rng.normal(0.0, 1.0, (N_LATENTS, n_channels)) * np.asarray(LFP_LATENT_GAINS)[:, None] * lfp_gain
    signal = sosfiltfilt(butter(4, 20.0, fs=fs, output="sos"), z @ mixing, axis=0)
    freqs = rfft_frequencies(n, fs)
    spectra = normalise_rms(aperiodic_shape(freqs, 2.0, knee_hz=2.0), 1.0, n)
    aperiodic = synthesize(random_phases(rng, n_channels + 1, freqs.size), spectra, n).T
    shared = aperiodic[:, :1] * rng.uniform(20.0, 40.0, n_channels)  # spatially correlated part
    private = aperiodic[:, 1:] * rng.uniform(10.0, 20.0, n_channels)
    times = np.arange(n) / fs
    line = np.sin(2 * np.pi * line_hz * times + rng.uniform(0, 2 * np.pi))[:, None] * rng.uniform(5.0, 30.0, n_channels)
    reference = 15.0 * _smooth_noise(rng, 1, times, 0.05)
    traces = (signal + shared + private + line + reference).astype("float32")
    recording = NumpyRecording([traces], sampling_frequency=fs, channel_ids=[f"LFP{i}" for i in range(n_channels)])
    recording.set_channel_gains(1.0)
    recording.set_channel_offsets(0.0)
    return recording


def generate_latent_session(
    session_index: int = 0,
    n_trials: int = 40,
    n_units: int | None = None,
    n_channels: int | None = None,
    n_conditions: int = 8,
    lfp_sampling_frequency: float = 1000.0,
    behaviour_sampling_frequency: float = 100.0,
    timing: TrialTiming | None = None,
    drift: float = 0.1,
    lfp_gain: float = 25.0,
    line_frequency: float = 60.0,
    behaviour_noise: float = 0.05,
    seed: int = 0,
) -> LatentSession:
    """Generate one session of the shared reaching task with its own neurons and LFP channels.

    Parameters
    ----------
    session_index : int, default: 0
        Which session of the seeded series (with ``seed``, it sets every random draw of the session).
    n_trials : int, default: 40
        Trials in the session (each about 1.5-1.7 s).
    n_units, n_channels : int or None, default: None
        Units and LFP channels; None draws 30-60 units and 16-32 channels.
    n_conditions : int, default: 8
        Reach targets, evenly spaced on a circle.
    lfp_sampling_frequency : float, default: 1000.0
        LFP rate (Hz); the spikes are at 30 kHz.
    behaviour_sampling_frequency : float, default: 100.0
        Rate of the hand velocity (Hz).
    timing : TrialTiming or None, default: None
        Durations of a trial's parts; None uses ``TrialTiming()``.
    drift : float, default: 0.1
        Session-to-session drift: spread of the movement speed factor across sessions, and of each unit's
        slow firing-rate ramp within a session.
    lfp_gain : float, default: 25.0
        uV per latent unit in the LFP mixing (the noise is fixed at about 25-45 uV rms).
    line_frequency : float, default: 60.0
        Line noise frequency (Hz); must be below half the LFP rate.
    behaviour_noise : float, default: 0.05
        Standard deviation of white noise added to the velocity (the velocity peaks near 1).
    seed : int, default: 0
        Seed of the series.

    Returns
    -------
    LatentSession
        Sorting, LFP recording, behaviour with its times, trials and the true latents.

    Examples
    --------
    >>> session = generate_latent_session(session_index=2, n_trials=20, seed=0)
    >>> session.sorting.get_num_units(), session.lfp.get_num_channels(), session.behaviour.shape
    """
    timing = TrialTiming() if timing is None else timing
    if n_trials < 2 or n_conditions < 1:
        raise ValueError(f"need n_trials >= 2 and n_conditions >= 1, got {n_trials} and {n_conditions}")
    if not 2 * line_frequency < lfp_sampling_frequency or lfp_sampling_frequency <= 50.0:
        raise ValueError(
            f"lfp_sampling_frequency {lfp_sampling_frequency} Hz must exceed 50 Hz and twice the line frequency "
            f"({line_frequency} Hz)"
        )
    rng = np.random.default_rng([seed, session_index])
    n_units = int(rng.integers(30, 61)) if n_units is None else n_units
    n_channels = int(rng.integers(16, 33)) if n_channels is None else n_channels
    task = _task(n_conditions)
    trials = _trial_table(rng, n_trials, n_conditions, timing)
    duration = float(trials["stop_time"][-1])
    speed = float(np.exp(rng.normal(0.0, drift)))
    ms_times = np.arange(int(duration / _SPIKE_BIN_S)) * _SPIKE_BIN_S
    slow = _smooth_noise(rng, 2, ms_times, 1.0)
    z_ms = _latents(ms_times, trials, task, timing, speed, slow)
    sorting = _sorting(rng, z_ms, n_units, drift)
    lfp_times = np.arange(int(duration * lfp_sampling_frequency)) / lfp_sampling_frequency
    z_lfp = np.column_stack([np.interp(lfp_times, ms_times, column) for column in z_ms.T])
    lfp = _lfp(rng, z_lfp, lfp_sampling_frequency, n_channels, line_frequency, lfp_gain)
    behaviour_times = np.arange(int(duration * behaviour_sampling_frequency)) / behaviour_sampling_frequency
    latents = np.column_stack([np.interp(behaviour_times, ms_times, column) for column in z_ms.T])
    behaviour = latents @ task["readout"] + rng.normal(0.0, behaviour_noise, (behaviour_times.size, 2))
    return LatentSession(
        session_id=f"latent_session_{seed}_{session_index}",
        sorting=sorting,
        lfp=lfp,
        behaviour=behaviour,
        behaviour_times=behaviour_times,
        trials=trials,
        latents=latents,
    )


def generate_latent_sessions(n_sessions: int = 4, seed: int = 0, **kwargs) -> list[LatentSession]:
    """Generate ``n_sessions`` sessions of the same task (sessions ``0 .. n_sessions - 1`` of the series).

    Parameters
    ----------
    n_sessions : int, default: 4
        Number of sessions.
    seed : int, default: 0
        Seed of the series: session ``i`` is the same whatever ``n_sessions`` is.
    **kwargs
        Passed to :func:`generate_latent_session`.

    Returns
    -------
    list of LatentSession
    """
    if n_sessions < 1:
        raise ValueError(f"n_sessions must be at least 1, got {n_sessions}")
    return [generate_latent_session(session_index=i, seed=seed, **kwargs) for i in range(n_sessions)]
