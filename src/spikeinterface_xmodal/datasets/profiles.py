"""Lab-to-lab and subject-to-subject variation knobs of the synthetic sessions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .layouts import COARSE_REGIONS

_RHYTHMS = ("delta", "theta", "spindle", "beta", "gamma", "ripple", "fast")


@dataclass(frozen=True)
class LabProfile:
    """Recording setup of a lab: probe geometry, acquisition and noise.

    Parameters
    ----------
    name : str
        Lab identifier (the session's ``lab_id``).
    lfp_sampling_frequency : float
        Sampling rate of the LFP recording, Hz (1250 or 2500 in practice).
    num_columns, x_pitch_um, y_pitch_um, column_y_shift_um : int, float, float, list of float
        Geometry of one shank of the full probe (``probeinterface.generate_multi_columns_probe``):
        columns, their lateral spacing, the vertical spacing within a column, the vertical offset of
        every column (stagger).
    num_shanks, shank_pitch_um : int, float
        Number of shanks and their spacing.
    num_contacts : int
        Contacts of the full probe before subsampling (shared between shanks).
    reference : {"external", "tip"}
        External reference (adds a common-mode signal and more line noise) or tip reference (the field
        at the tip is subtracted from every channel).
    line_frequency : float
        Mains frequency, 50 or 60 Hz.
    line_noise_uv : float
        Amplitude of the mains component, uV.
    noise_uv : float
        Amplifier white noise on the LFP band, uV rms.
    ap_noise_uv : float
        Amplifier noise of the wide-band recording, uV rms.
    ap_common_mode_uv : float
        Rms of a broadband (AP-band) signal shared by every channel in tissue on the wide-band recording
        (reference pick-up and far-field activity: what common referencing removes), uV. Channels outside the
        brain do not see it. 0 leaves it out.
    common_mode_uv : float
        Rms of the common-mode signal picked up by an external reference, uV.
    gain : float
        Calibration factor applied to every trace (real gains differ from nominal).
    highpass_hz, lowpass_hz : float
        Hardware band of the LFP channel (zero-phase Butterworth magnitude).
    dead_fraction, noisy_fraction : float
        Fraction of channels that are dead (flat) or noisy.
    """

    name: str
    lfp_sampling_frequency: float = 2500.0
    num_columns: int = 4
    x_pitch_um: float = 16.0
    y_pitch_um: float = 40.0
    column_y_shift_um: tuple[float, ...] = (0.0, 20.0, 0.0, 20.0)
    num_shanks: int = 1
    shank_pitch_um: float = 250.0
    num_contacts: int = 384
    reference: str = "external"
    line_frequency: float = 60.0
    line_noise_uv: float = 6.0
    noise_uv: float = 5.0
    ap_noise_uv: float = 7.0
    ap_common_mode_uv: float = 0.0
    common_mode_uv: float = 12.0
    gain: float = 1.0
    highpass_hz: float = 0.5
    lowpass_hz: float = 500.0
    dead_fraction: float = 0.01
    noisy_fraction: float = 0.01

    def __post_init__(self) -> None:
        if self.reference not in ("external", "tip"):
            raise ValueError(f"LabProfile {self.name!r}: reference must be 'external' or 'tip', got {self.reference!r}")
        if len(self.column_y_shift_um) != self.num_columns:
            raise ValueError(
                f"LabProfile {self.name!r}: column_y_shift_um needs {self.num_columns} values, "
                f"got {len(self.column_y_shift_um)}"
            )
        if self.num_contacts % (self.num_columns * self.num_shanks):
            raise ValueError(
                f"LabProfile {self.name!r}: num_contacts={self.num_contacts} is not divisible by "
                f"num_columns * num_shanks = {self.num_columns * self.num_shanks}"
            )
        if not 0 < self.lowpass_hz < self.lfp_sampling_frequency / 2:
            raise ValueError(
                f"LabProfile {self.name!r}: lowpass_hz={self.lowpass_hz} must lie below the "
                f"Nyquist frequency {self.lfp_sampling_frequency / 2}"
            )
        if 30000 % self.lfp_sampling_frequency:
            raise ValueError(
                f"LabProfile {self.name!r}: lfp_sampling_frequency must divide 30000 Hz, "
                f"got {self.lfp_sampling_frequency}"
            )
        for name in ("dead_fraction", "noisy_fraction"):
            if not 0 <= getattr(self, name) < 0.5:
                raise ValueError(f"LabProfile {self.name!r}: {name} must be in [0, 0.5)")


#: Named lab presets. ``lab_a``: Neuropixels-1.0-like, 2500 Hz LF band, external reference, 60 Hz mains.
#: ``lab_b``: Neuropixels-2.0-like (2 columns, 15 um rows), LFP decimated to 1250 Hz, tip reference, 50 Hz
#: mains, different gain calibration and noise. ``lab_c``: NP1.0-like geometry recorded wide-band and
#: decimated to a 1000 Hz LFP (hardware band 1-300 Hz), external reference with a strong common mode, 50 Hz
#: mains with more pick-up, lower gain, more dead and noisy channels.
LAB_PRESETS: dict[str, LabProfile] = {
    "lab_a": LabProfile(name="lab_a"),
    "lab_b": LabProfile(
        name="lab_b",
        lfp_sampling_frequency=1250.0,
        num_columns=2,
        x_pitch_um=32.0,
        y_pitch_um=15.0,
        column_y_shift_um=(0.0, 0.0),
        reference="tip",
        line_frequency=50.0,
        line_noise_uv=3.0,
        noise_uv=9.0,
        ap_noise_uv=9.0,
        common_mode_uv=4.0,
        gain=1.25,
        highpass_hz=0.1,
        lowpass_hz=400.0,
    ),
    "lab_c": LabProfile(
        name="lab_c",
        lfp_sampling_frequency=1000.0,
        line_frequency=50.0,
        line_noise_uv=10.0,
        noise_uv=7.0,
        ap_noise_uv=8.0,
        common_mode_uv=20.0,
        gain=0.8,
        highpass_hz=1.0,
        lowpass_hz=300.0,
        dead_fraction=0.03,
        noisy_fraction=0.02,
    ),
}


def get_lab_profile(lab: str | LabProfile) -> LabProfile:
    """Return ``lab`` itself or the preset of that name.

    Raises
    ------
    ValueError
        For an unknown preset name.
    """
    if isinstance(lab, LabProfile):
        return lab
    if lab not in LAB_PRESETS:
        raise ValueError(f"Unknown lab preset {lab!r}; choose one of {sorted(LAB_PRESETS)} or pass a LabProfile")
    return LAB_PRESETS[lab]


@dataclass(frozen=True)
class SubjectVariation:
    """One subject's deviations from the average mouse.

    Draw one with :meth:`random`; the default instance is the average subject (no variation).

    Parameters
    ----------
    subject_id : str
        Subject identifier.
    depth_shift_um : float
        Insertion depth error: every boundary moves by this much along the probe.
    depth_scale : float
        Brain size / shrinkage: distances from the tip are scaled by this factor.
    boundary_knots_um : tuple of float
        Smooth warping of depth (values at knots every 500 um from the tip), so regions change thickness.
    region_gain : dict
        Multiplier of the LFP amplitude of each coarse region.
    exponent_shift : dict
        Added to the aperiodic exponent of each coarse region.
    rhythm_gain : dict
        Multiplier of each rhythm's amplitude (keys: delta, theta, spindle, beta, gamma, ripple, fast).
    frequency_scale : dict
        Multiplier of each rhythm's frequency.
    ripple_rate_hz : float
        Rate of sharp-wave ripples at rest.
    """

    subject_id: str = "average"
    depth_shift_um: float = 0.0
    depth_scale: float = 1.0
    boundary_knots_um: tuple[float, ...] = ()
    region_gain: dict[str, float] = field(default_factory=dict)
    exponent_shift: dict[str, float] = field(default_factory=dict)
    rhythm_gain: dict[str, float] = field(default_factory=dict)
    frequency_scale: dict[str, float] = field(default_factory=dict)
    ripple_rate_hz: float = 0.6

    @classmethod
    def random(
        cls, seed: int | np.random.Generator, subject_id: str = "subject", strength: float = 1.0
    ) -> SubjectVariation:
        """Draw a subject.

        Parameters
        ----------
        seed : int or np.random.Generator
            Randomness source.
        subject_id : str
            Identifier of the drawn subject.
        strength : float
            Scales every spread; 0 gives the average subject, 1 the default spread.

        Returns
        -------
        SubjectVariation
        """
        if strength < 0:
            raise ValueError(f"strength must be >= 0, got {strength}")
        rng = np.random.default_rng(seed)
        s = strength
        return cls(
            subject_id=subject_id,
            depth_shift_um=float(rng.normal(0.0, 80.0 * s)),
            depth_scale=float(np.exp(rng.normal(0.0, 0.06 * s))),
            boundary_knots_um=tuple(rng.normal(0.0, 40.0 * s, size=10).round(1)),
            region_gain={r: float(np.exp(rng.normal(0.0, 0.3 * s))) for r in COARSE_REGIONS},
            exponent_shift={r: float(rng.normal(0.0, 0.2 * s)) for r in COARSE_REGIONS},
            rhythm_gain={r: float(np.exp(rng.normal(0.0, 0.4 * s))) for r in _RHYTHMS},
            frequency_scale={r: float(np.exp(rng.normal(0.0, 0.07 * s))) for r in _RHYTHMS},
            ripple_rate_hz=float(np.exp(rng.normal(np.log(0.6), 0.4 * s))),
        )

    def warp_depth(self, depths: np.ndarray) -> np.ndarray:
        """Map depths of this subject's probe to depths of the reference layout.

        Parameters
        ----------
        depths : np.ndarray
            Distances from the tip, um.

        Returns
        -------
        np.ndarray
            Where in the reference layout each depth falls.
        """
        depths = np.asarray(depths, dtype=float)
        warped = depths * self.depth_scale + self.depth_shift_um
        if self.boundary_knots_um:
            knots = 500.0 * np.arange(len(self.boundary_knots_um))
            warped = warped + np.interp(depths, knots, self.boundary_knots_um)
        return warped
