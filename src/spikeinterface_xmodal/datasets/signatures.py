"""Average LFP signature of each coarse region (before subject and lab variation).

Values are rough, literature-informed orders of magnitude for awake head-fixed mouse Neuropixels LFP
(uV, Hz, um); they make regions differ the way real LFP does, not match any single dataset.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rhythm:
    """A band-limited bursty rhythm carried by each latent source of a region.

    Parameters
    ----------
    name : str
        Rhythm name (keys of the subject's ``rhythm_gain`` / ``frequency_scale``).
    frequency : float
        Centre frequency, Hz.
    bandwidth : float
        Spectral width (Gaussian sd), Hz.
    amplitude_uv : float
        Rms amplitude while active, uV.
    duty : float
        Fraction of time the rhythm is on (1 = continuous).
    shared : bool
        True when all sources of a region carry the same waveform (region-wide coherent rhythm).
    """

    name: str
    frequency: float
    bandwidth: float
    amplitude_uv: float
    duty: float = 0.3
    shared: bool = False


@dataclass(frozen=True)
class RegionSignature:
    """LFP and spiking signature of a coarse region.

    Parameters
    ----------
    exponent : float
        Aperiodic exponent of the power spectrum (power ~ 1 / (1 + f^exponent)).
    aperiodic_uv : float
        Rms of the aperiodic field, uV (0 for regions without local generators).
    source_spacing_um : float
        Spacing, and spatial length scale, of the region's latent sources: larger = more coherent.
    local_fraction : float
        Share of the aperiodic rms that is independent per channel.
    mua_uv : float
        Rms of multi-unit high-frequency activity (> 150 Hz), uV.
    unit_density : float
        Relative density of spiking units.
    firing_rate_hz : float
        Median firing rate of units.
    rhythms : tuple of Rhythm
        Band-limited rhythms carried by the region's sources.
    """

    exponent: float
    aperiodic_uv: float
    source_spacing_um: float
    local_fraction: float
    mua_uv: float
    unit_density: float
    firing_rate_hz: float
    rhythms: tuple[Rhythm, ...] = ()


_GAMMA = Rhythm("gamma", 55.0, 12.0, 14.0, duty=0.35)
_BETA = Rhythm("beta", 22.0, 4.0, 8.0, duty=0.2)


def _signature(exponent, aperiodic_uv, spacing_um, local, mua_uv, density, rate_hz, *rhythms) -> RegionSignature:
    return RegionSignature(exponent, aperiodic_uv, spacing_um, local, mua_uv, density, rate_hz, rhythms)


#: Signature of every coarse region. Hippocampal theta, sharp-wave ripples and the cortical slow-wave
#: polarity reversal have laminar profiles and are built in :mod:`.lfp_sources` from the fine labels.
REGION_SIGNATURES: dict[str, RegionSignature] = {
    # region:   exponent, aperiodic uV, source spacing um, local fraction, MUA uV, unit density, rate Hz, rhythms
    "void": _signature(2.0, 0.0, 400.0, 0.0, 0.0, 0.0, 0.0),
    "WM": _signature(2.0, 6.0, 400.0, 0.2, 1.0, 0.05, 2.0),
    "Isocortex": _signature(2.0, 70.0, 200.0, 0.25, 8.0, 1.0, 4.0, _GAMMA, _BETA),
    "OLF": _signature(
        1.8, 55.0, 150.0, 0.3, 7.0, 0.8, 5.0, Rhythm("gamma", 65.0, 10.0, 20.0, 0.5), Rhythm("beta", 25.0, 5.0, 12.0)
    ),
    "HPF": _signature(1.8, 45.0, 100.0, 0.3, 7.0, 0.9, 3.0, Rhythm("gamma", 40.0, 8.0, 9.0, 0.4)),
    "CTXsp": _signature(2.0, 50.0, 200.0, 0.3, 6.0, 0.7, 4.0, Rhythm("gamma", 50.0, 12.0, 6.0)),
    "CNU": _signature(2.2, 35.0, 300.0, 0.35, 5.0, 0.6, 2.0, _BETA),
    "TH": _signature(2.2, 50.0, 250.0, 0.25, 10.0, 0.8, 8.0, Rhythm("spindle", 11.0, 1.2, 35.0, 0.12, shared=True)),
    "HY": _signature(2.4, 30.0, 300.0, 0.4, 5.0, 0.5, 5.0),
    "MB": _signature(1.6, 40.0, 200.0, 0.35, 9.0, 0.8, 8.0, Rhythm("gamma", 35.0, 8.0, 6.0)),
    "HB": _signature(1.4, 25.0, 200.0, 0.45, 10.0, 0.7, 10.0),
    "CB": _signature(1.3, 35.0, 150.0, 0.4, 12.0, 1.2, 15.0, Rhythm("fast", 200.0, 25.0, 5.0, 0.5)),
}
