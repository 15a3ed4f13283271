"""Ground-truth units placed in regions and the lazy wide-band recording."""

from __future__ import annotations

import numpy as np
from spikeinterface.core import BaseRecording, BaseSorting, NumpyRecording
from spikeinterface.core.generate import InjectTemplatesRecording, generate_sorting, generate_templates
from spikeinterface.generation import NoiseGeneratorRecording
from spikeinterface.preprocessing import resample

from .layouts import RegionLayout
from .profiles import LabProfile
from .signatures import REGION_SIGNATURES

WIDEBAND_SAMPLING_FREQUENCY = 30000.0


def place_units(
    layout: RegionLayout, num_units: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw units near channels, more in regions with a higher unit density.

    Each unit sits within a third of the local channel spacing of a channel (along depth), so the
    channel nearest to it on its shank carries the unit's region.

    Parameters
    ----------
    layout : RegionLayout
        Session layout.
    num_units : int
        Number of units.
    rng : np.random.Generator
        Randomness source.

    Returns
    -------
    locations : np.ndarray
        Unit positions (x, y, z) in um.
    channels : np.ndarray
        Index of the channel each unit was placed at.
    firing_rates : np.ndarray
        Firing rate of each unit, Hz.
    """
    density = np.array([REGION_SIGNATURES[r].unit_density for r in layout.labels])
    if num_units and density.sum() == 0:
        raise ValueError(f"layout {layout.name!r} has no region with neurons; use num_units=0")
    channels = rng.choice(layout.num_channels, size=num_units, p=density / max(density.sum(), 1e-12))
    spacing = np.median(np.diff(np.unique(layout.depths))) if layout.num_channels > 1 else 20.0
    locations = np.column_stack(
        [
            layout.positions[channels, 0] + rng.uniform(-8.0, 8.0, num_units),
            layout.positions[channels, 1] + rng.uniform(-spacing / 3, spacing / 3, num_units),
            rng.uniform(5.0, 40.0, num_units),
        ]
    )
    median_rates = np.array([REGION_SIGNATURES[r].firing_rate_hz for r in layout.labels[channels]])
    firing_rates = np.clip(median_rates * np.exp(rng.normal(0.0, 0.6, num_units)), 0.3, 60.0)
    return locations, channels, firing_rates


def wideband_recording(
    lfp: NumpyRecording,
    sorting: BaseSorting,
    unit_locations: np.ndarray,
    lab: LabProfile,
    seed: int,
) -> BaseRecording:
    """Lazy 30 kHz recording: upsampled LFP + amplifier noise + spikes of ``sorting``.

    Parameters
    ----------
    lfp : NumpyRecording
        LFP at the lab's rate, probe attached.
    sorting : BaseSorting
        Ground-truth spikes at 30 kHz.
    unit_locations : np.ndarray
        (x, y, z) of every unit, um.
    lab : LabProfile
        Supplies the amplifier noise level.
    seed : int
        Seed of the noise and templates.

    Returns
    -------
    BaseRecording
        Nothing is computed until ``get_traces``.
    """
    upsampled = resample(lfp, WIDEBAND_SAMPLING_FREQUENCY)
    noise = NoiseGeneratorRecording(
        num_channels=lfp.get_num_channels(),
        sampling_frequency=WIDEBAND_SAMPLING_FREQUENCY,
        durations=[upsampled.get_total_duration()],
        noise_levels=lab.ap_noise_uv,
        dtype="float32",
        seed=seed,
    )
    noise = noise.rename_channels(lfp.channel_ids)
    templates = generate_templates(
        lfp.get_channel_locations(),
        unit_locations,
        WIDEBAND_SAMPLING_FREQUENCY,
        ms_before=1.5,
        ms_after=2.5,
        seed=seed,
        unit_params=dict(alpha=(60.0, 350.0)),
    )
    nbefore = int(1.5 * WIDEBAND_SAMPLING_FREQUENCY / 1000.0)
    return InjectTemplatesRecording(sorting, templates * lab.gain, nbefore=nbefore, parent_recording=upsampled + noise)


def ground_truth_sorting(firing_rates: np.ndarray, duration_s: float, seed: int) -> BaseSorting:
    """Poisson spike trains at 30 kHz with the given firing rates."""
    return generate_sorting(
        num_units=firing_rates.size,
        sampling_frequency=WIDEBAND_SAMPLING_FREQUENCY,
        durations=[duration_s],
        firing_rates=firing_rates,
        seed=seed,
    )
