"""Physiological LFP of every channel: latent regional sources, laminar rhythms and local activity.

The field at a channel is the sum of
- latent sources placed along each region of the probe, each carrying the region's aperiodic
  1/f background and rhythms; they reach channels through volume conduction (broad spatial kernel
  below 15 Hz, narrow kernel above), which correlates neighbours and blurs boundaries;
- laminar components with explicit depth profiles: hippocampal theta with its phase reversal across
  the CA1 pyramidal layer, sharp-wave ripples centred on the pyramidal layer, and the cortical
  slow-wave polarity reversal between superficial and deep layers;
- local, channel-independent activity: aperiodic residue and multi-unit high-frequency power.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from neurodsp.sim import sim_cycle

from .layouts import RegionLayout, contiguous_runs
from .profiles import SubjectVariation
from .signatures import REGION_SIGNATURES, Rhythm
from .spectra import (
    aperiodic_shape,
    bump_shape,
    burst_envelope,
    highpass_shape,
    lowpass_shape,
    normalise_rms,
    random_phases,
    rfft_frequencies,
    synthesize,
)

#: Frequency splitting the broadly (volume-conducted) and narrowly spreading parts of the field.
SPLIT_HZ = 15.0
#: Length constant of the far-field volume conduction, um.
FAR_FIELD_UM = 1000.0
#: Amplitudes (uV) of the laminar components for the average subject.
THETA_UV, RIPPLE_UV, SHARP_WAVE_UV, DELTA_UV = 90.0, 45.0, 120.0, 30.0


@dataclass(frozen=True)
class SiteMap:
    """Where the channels are: the session layout and the depth of each channel in the reference layout.

    Parameters
    ----------
    layout : RegionLayout
        Session layout (positions in um, per-channel coarse/fine labels, shank ids).
    reference_depths : np.ndarray
        Depth of each channel in ``reference``'s coordinates (after the subject's warp).
    reference : RegionLayout
        The full-resolution layout the session was drawn from.
    """

    layout: RegionLayout
    reference_depths: np.ndarray
    reference: RegionLayout

    @property
    def shank_ids(self) -> np.ndarray:
        """Shank of every channel."""
        if self.layout.shank_ids is None:
            return np.zeros(self.layout.num_channels, dtype=int)
        return self.layout.shank_ids


def _source_sites(sites: SiteMap) -> list[tuple[str, float, float]]:
    """Latent sources (region, x, y): spaced by the region's source spacing along each region run."""
    sources = []
    layout = sites.layout
    for shank in np.unique(sites.shank_ids):
        on_shank = np.flatnonzero(sites.shank_ids == shank)
        order = on_shank[np.argsort(layout.depths[on_shank], kind="stable")]
        x_centre = float(layout.positions[order, 0].mean())
        for region, y_lo, y_hi, _ in contiguous_runs(layout.labels[order], layout.depths[order]):
            signature = REGION_SIGNATURES[region]
            if signature.aperiodic_uv == 0:
                continue
            count = max(1, round((y_hi - y_lo) / signature.source_spacing_um) + 1)
            sources += [(region, x_centre, y) for y in np.linspace(y_lo, y_hi, count)]
    return sources


def _source_weights(sites: SiteMap, sources: list[tuple[str, float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Broad (low-frequency) and narrow (high-frequency) channel x source volume-conduction weights."""
    positions = np.array([(x, y) for _, x, y in sources]).reshape(-1, 2)
    distance = np.linalg.norm(sites.layout.positions[:, None, :] - positions[None, :, :], axis=-1)
    spacing = np.array([REGION_SIGNATURES[r].source_spacing_um for r, _, _ in sources])
    narrow_sd = 0.6 * spacing
    broad_sd = 1.5 * spacing
    narrow = np.exp(-0.5 * (distance / narrow_sd) ** 2) / np.sqrt(np.sqrt(np.pi) * narrow_sd / spacing)
    broad = np.exp(-0.5 * (distance / broad_sd) ** 2) / np.sqrt(np.sqrt(np.pi) * broad_sd / spacing)
    broad = broad + 0.1 * np.exp(-distance / FAR_FIELD_UM)
    return broad, narrow


def _rhythm_spectra(
    freqs: np.ndarray, rhythms: list[Rhythm], gains: np.ndarray, subject: SubjectVariation, num_samples: int
) -> np.ndarray:
    centres = np.array([r.frequency * subject.frequency_scale.get(r.name, 1.0) for r in rhythms])
    widths = np.array([r.bandwidth for r in rhythms])
    rms = np.array([r.amplitude_uv * subject.rhythm_gain.get(r.name, 1.0) for r in rhythms]) * gains
    return normalise_rms(bump_shape(freqs, centres[:, None], widths[:, None]), rms[:, None], num_samples)


def latent_field(
    sites: SiteMap, subject: SubjectVariation, sampling_frequency: float, num_samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Field of the latent regional sources at every channel.

    Parameters
    ----------
    sites : SiteMap
        Channel positions and labels.
    subject : SubjectVariation
        Subject whose region gains, exponents and rhythm parameters apply.
    sampling_frequency : float
        Hz.
    num_samples : int
        Length of the output.
    rng : np.random.Generator
        Randomness source.

    Returns
    -------
    np.ndarray
        Shape (num_channels, num_samples), uV.
    """
    sources = _source_sites(sites)
    num_channels = sites.layout.num_channels
    if not sources:
        return np.zeros((num_channels, num_samples))
    freqs = rfft_frequencies(num_samples, sampling_frequency)
    regions = [r for r, _, _ in sources]
    gains = np.array([subject.region_gain.get(r, 1.0) for r in regions])
    exponents = np.array([REGION_SIGNATURES[r].exponent + subject.exponent_shift.get(r, 0.0) for r in regions])
    rms = np.array([REGION_SIGNATURES[r].aperiodic_uv * (1 - REGION_SIGNATURES[r].local_fraction) for r in regions])
    spectra = normalise_rms(aperiodic_shape(freqs, exponents[:, None]), rms * gains, num_samples)
    coefficients = random_phases(rng, len(sources), freqs.size)
    low_pass = lowpass_shape(freqs, SPLIT_HZ, order=2)
    high_pass = np.sqrt(1.0 - low_pass**2)
    low = synthesize(coefficients, spectra * low_pass, num_samples)
    high = synthesize(coefficients, spectra * high_pass, num_samples)
    for region in sorted(set(regions)):
        rows = np.flatnonzero(np.array(regions) == region)
        for rhythm in REGION_SIGNATURES[region].rhythms:
            waves = _bursty_rhythm(rhythm, rows, gains, subject, freqs, sampling_frequency, num_samples, rng)
            target = low if rhythm.frequency < SPLIT_HZ else high
            target[rows] += waves
    broad, narrow = _source_weights(sites, sources)
    return broad @ low + narrow @ high


def _bursty_rhythm(
    rhythm: Rhythm,
    rows: np.ndarray,
    gains: np.ndarray,
    subject: SubjectVariation,
    freqs: np.ndarray,
    sampling_frequency: float,
    num_samples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Waveforms of one rhythm on the sources ``rows`` (one shared waveform when the rhythm is shared)."""
    count = 1 if rhythm.shared else rows.size
    spectra = _rhythm_spectra(freqs, [rhythm] * count, np.ones(count), subject, num_samples)
    carrier = synthesize(random_phases(rng, count, freqs.size), spectra, num_samples)
    cycles_s = 3.0 / rhythm.frequency
    envelope = burst_envelope(rng, count, num_samples, sampling_frequency, rhythm.duty, max(0.15, 3 * cycles_s))
    waves = carrier * envelope
    jitter = np.exp(rng.normal(0.0, 0.2, size=rows.size))
    return np.broadcast_to(waves, (rows.size, num_samples)) * (gains[rows] * jitter)[:, None]


def local_field(
    sites: SiteMap, subject: SubjectVariation, sampling_frequency: float, num_samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Channel-independent activity: aperiodic residue and multi-unit high-frequency power.

    Parameters and Returns as :func:`latent_field`.
    """
    labels = sites.layout.labels
    freqs = rfft_frequencies(num_samples, sampling_frequency)
    signatures = [REGION_SIGNATURES[r] for r in labels]
    gains = np.array([subject.region_gain.get(r, 1.0) for r in labels])
    exponents = np.array(
        [s.exponent + subject.exponent_shift.get(r, 0.0) for s, r in zip(signatures, labels, strict=True)]
    )
    aperiodic_rms = np.array([s.aperiodic_uv * s.local_fraction for s in signatures]) * gains
    mua_rms = np.array([s.mua_uv for s in signatures]) * gains * _mua_layer_boost(sites.layout.fine_or_coarse)
    aperiodic = normalise_rms(aperiodic_shape(freqs, exponents[:, None]), aperiodic_rms, num_samples)
    mua = normalise_rms(np.broadcast_to(highpass_shape(freqs, 150.0, order=3), aperiodic.shape), mua_rms, num_samples)
    return synthesize(random_phases(rng, labels.size, freqs.size), np.hypot(aperiodic, mua), num_samples)


def _mua_layer_boost(fine_labels: np.ndarray) -> np.ndarray:
    """More multi-unit power in cell-body layers (pyramidal, granule, cortical layer 5)."""
    dense = np.char.endswith(fine_labels.astype(str), "sp") | np.char.endswith(fine_labels.astype(str), "sg")
    dense |= np.char.endswith(fine_labels.astype(str), "5")
    return np.where(dense, 1.8, 1.0)


def _profile_with_spread(
    depths: np.ndarray,
    runs: list[tuple[float, float]],
    inside: Callable[[np.ndarray, int], np.ndarray],
    spread_um: float,
) -> np.ndarray:
    """Depth profile given inside each run, decaying exponentially (volume conduction) outside them."""
    if not runs:
        return np.zeros_like(depths)
    distance = np.full(depths.shape, np.inf)
    profile = np.zeros_like(depths)
    for index, (lo, hi) in enumerate(runs):
        nearest = np.clip(depths, lo, hi)
        gap = np.abs(depths - nearest)
        closer = gap < distance
        value = inside(nearest, index) * np.exp(-gap / spread_um)
        profile = np.where(closer, value, profile)
        distance = np.where(closer, gap, distance)
    return profile


def _reference_runs(reference: RegionLayout, region: str) -> list[tuple[float, float]]:
    return [(lo, hi) for label, lo, hi in reference.region_runs() if label == region]


def pyramidal_layer_depths(reference: RegionLayout) -> list[float | None]:
    """Depth of the CA1 pyramidal layer in each hippocampal run of ``reference`` (None without CA1).

    Uses the ``CA1sp`` fine label when present; with plain ``CA1`` (Allen CCF annotation, as in IBL),
    the layer is placed 100 um below the top of CA1 (the probe enters from the cortical side).
    """
    order = np.argsort(reference.depths, kind="stable")
    depths, fine = reference.depths[order], reference.fine_or_coarse[order].astype(str)
    layers = []
    for lo, hi in _reference_runs(reference, "HPF"):
        in_run = (depths >= lo) & (depths <= hi)
        pyramidal = in_run & (fine == "CA1sp")
        ca1 = in_run & np.char.startswith(fine, "CA1")
        if pyramidal.any():
            layers.append(float(depths[pyramidal].mean()))
        elif ca1.any():
            top, bottom = depths[ca1].max(), depths[ca1].min()
            layers.append(float(top - min(100.0, 0.3 * (top - bottom))))
        else:
            layers.append(None)
    return layers


def theta_profile(reference_depths: np.ndarray, reference: RegionLayout) -> np.ndarray:
    """Theta amplitude and sign along depth: +0.35 above the CA1 pyramidal layer, -1 below it.

    Parameters
    ----------
    reference_depths : np.ndarray
        Channel depths in the reference layout's coordinates.
    reference : RegionLayout
        Layout with the hippocampal runs and fine labels.

    Returns
    -------
    np.ndarray
        Signed weight of the hippocampal theta generator at each channel.
    """
    layers = pyramidal_layer_depths(reference)

    def inside(depth: np.ndarray, run: int) -> np.ndarray:
        if layers[run] is None:
            return -np.ones_like(depth)
        offset = depth - layers[run]
        return np.tanh(offset / 25.0) * np.where(offset > 0, 0.35, 1.0)

    return _profile_with_spread(reference_depths, _reference_runs(reference, "HPF"), inside, 250.0)


def _ripple_profiles(reference_depths: np.ndarray, reference: RegionLayout) -> tuple[np.ndarray, np.ndarray]:
    """Ripple (pyramidal layer) and sharp-wave (stratum radiatum sink) depth profiles."""
    ripple = np.zeros_like(reference_depths)
    sharp_wave = np.zeros_like(reference_depths)
    for layer in pyramidal_layer_depths(reference):
        if layer is None:
            continue
        offset = reference_depths - layer
        ripple += np.exp(-0.5 * (offset / 35.0) ** 2)
        sharp_wave += -np.exp(-0.5 * ((offset + 150.0) / 80.0) ** 2) + 0.3 * np.exp(
            -0.5 * ((offset - 60.0) / 40.0) ** 2
        )
    return ripple, sharp_wave


def _cortical_polarity(reference_depths: np.ndarray, reference: RegionLayout) -> np.ndarray:
    """Slow-wave polarity: positive in superficial cortex, reversed in deep layers (layer 5/6)."""
    runs = _reference_runs(reference, "Isocortex")

    def inside(depth: np.ndarray, run: int) -> np.ndarray:
        lo, hi = runs[run]
        fraction = (depth - lo) / max(hi - lo, 1.0)
        return np.tanh((fraction - 0.45) / 0.1)

    return _profile_with_spread(reference_depths, runs, inside, 200.0)


def _theta_waveform(
    subject: SubjectVariation, sampling_frequency: float, num_samples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Asymmetric (saw-tooth-like) theta with cycle-to-cycle frequency jitter, and the locomotion state."""
    duration = num_samples / sampling_frequency
    centre = 7.5 * subject.frequency_scale.get("theta", 1.0)
    num_cycles = int(np.ceil(duration * centre * 1.3)) + 2
    lengths = np.round(sampling_frequency / (centre * np.exp(rng.normal(0.0, 0.06, size=num_cycles)))).astype(int)
    rdsym = np.clip(rng.normal(0.35, 0.05, size=num_cycles), 0.15, 0.5)
    cycles = [
        sim_cycle(n / sampling_frequency, sampling_frequency, "asine", rdsym=r)[:n]
        for n, r in zip(lengths, rdsym, strict=True)
    ]
    wave = np.concatenate(cycles)[:num_samples]
    wave = wave / max(wave.std(), 1e-12)
    state = burst_envelope(rng, 1, num_samples, sampling_frequency, 0.5, timescale_s=4.0)[0]
    return wave * (0.25 + 0.75 * state), state


def _ripple_waveforms(
    subject: SubjectVariation, state: np.ndarray, sampling_frequency: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Ripple oscillations and sharp waves, occurring mostly when theta (locomotion) is low."""
    num_samples = state.size
    duration = num_samples / sampling_frequency
    rate = subject.ripple_rate_hz * 2.0 * (1.0 - state)
    candidates = rng.uniform(0.0, duration, size=rng.poisson(subject.ripple_rate_hz * 2.0 * duration + 1))
    keep = rng.uniform(size=candidates.size) < rate[(candidates * sampling_frequency).astype(int)] / (
        subject.ripple_rate_hz * 2.0
    )
    times = np.arange(num_samples) / sampling_frequency
    ripple = np.zeros(num_samples)
    sharp_wave = np.zeros(num_samples)
    centre = 175.0 * subject.frequency_scale.get("ripple", 1.0)
    for onset in candidates[keep]:
        window = slice(max(0, int((onset - 0.15) * sampling_frequency)), int((onset + 0.15) * sampling_frequency))
        t = times[window] - onset
        length = rng.uniform(0.02, 0.05)
        frequency = min(centre * rng.uniform(0.93, 1.07), 0.45 * sampling_frequency)
        amplitude = np.exp(rng.normal(0.0, 0.3))
        ripple[window] += (
            amplitude * np.exp(-0.5 * (t / length) ** 2) * np.sin(2 * np.pi * frequency * t + rng.uniform(0, 6.3))
        )
        sharp_wave[window] += amplitude * np.exp(-0.5 * (t / 0.025) ** 2)
    return ripple, sharp_wave


def laminar_field(
    sites: SiteMap, subject: SubjectVariation, sampling_frequency: float, num_samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Components with laminar depth profiles: theta, sharp-wave ripples, cortical slow waves.

    Parameters and Returns as :func:`latent_field`.
    """
    depths, reference = sites.reference_depths, sites.reference
    gain = subject.rhythm_gain
    theta, state = _theta_waveform(subject, sampling_frequency, num_samples, rng)
    ripple, sharp_wave = _ripple_waveforms(subject, state, sampling_frequency, rng)
    ripple_depth, sharp_wave_depth = _ripple_profiles(depths, reference)
    freqs = rfft_frequencies(num_samples, sampling_frequency)
    delta_spectrum = normalise_rms(
        bump_shape(freqs, 2.0 * subject.frequency_scale.get("delta", 1.0), 1.0), 1.0, num_samples
    )
    delta = synthesize(random_phases(rng, 1, freqs.size), delta_spectrum, num_samples)[0]
    hpf_gain = subject.region_gain.get("HPF", 1.0)
    field = np.outer(theta_profile(depths, reference), THETA_UV * gain.get("theta", 1.0) * hpf_gain * theta)
    field += np.outer(ripple_depth, RIPPLE_UV * gain.get("ripple", 1.0) * hpf_gain * ripple)
    field += np.outer(sharp_wave_depth, SHARP_WAVE_UV * gain.get("ripple", 1.0) * hpf_gain * sharp_wave)
    field += np.outer(
        _cortical_polarity(depths, reference),
        DELTA_UV * gain.get("delta", 1.0) * subject.region_gain.get("Isocortex", 1.0) * delta,
    )
    return field
