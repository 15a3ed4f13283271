"""Synthetic multi-region probe sessions: LFP, wide-band recording and ground-truth units."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from spikeinterface.core import BaseRecording, BaseSorting, NumpyRecording

from .acquisition import acquire, shared_wideband_noise
from .ibl_layouts import IBL_DATA_ENV, load_ibl_layouts
from .layouts import DEFAULT_LAYOUT, RegionLayout, builtin_layouts
from .lfp_sources import SiteMap, laminar_field, latent_field, local_field
from .out_of_brain import OutOfBrain
from .probes import build_probe, shank_indices
from .profiles import LabProfile, SubjectVariation, get_lab_profile
from .signatures import REGION_SIGNATURES
from .spikes import ground_truth_sorting, place_units, wideband_recording

#: Sd of the depth offset between shanks of a multi-shank probe (tilt of region boundaries), um.
SHANK_OFFSET_SD_UM = 60.0


@dataclass(frozen=True)
class RegionSession:
    """One synthetic recording session.

    Attributes
    ----------
    lfp : NumpyRecording
        LFP at the lab's rate, float32 uV, probe attached, channel properties ``brain_area`` (coarse),
        ``brain_area_fine`` and ``channel_quality`` (good / dead / noisy).
    recording : BaseRecording
        Lazy 30 kHz wide-band recording (LFP + noise + spikes), same channels, probe and properties.
    sorting : BaseSorting
        Ground-truth units, unit properties ``brain_area``, ``brain_area_fine``, ``location`` (um).
    session_id, subject_id, lab_id : str
        Identifiers.
    layout : RegionLayout
        The session's channels: positions and ground-truth regions (what ``brain_area`` holds).
    reference_layout : RegionLayout
        Full-resolution layout the session was drawn from (built-in or IBL insertion).
    subject : SubjectVariation
        The subject's parameters.
    lab : LabProfile
        The lab's setup.
    """

    lfp: NumpyRecording
    recording: BaseRecording
    sorting: BaseSorting
    session_id: str
    subject_id: str
    lab_id: str
    layout: RegionLayout
    reference_layout: RegionLayout
    subject: SubjectVariation
    lab: LabProfile


def resolve_layout(layout: RegionLayout | str | None) -> RegionLayout:
    """A RegionLayout from a layout, a built-in name, or None (the default built-in layout)."""
    if isinstance(layout, RegionLayout):
        return layout
    name = DEFAULT_LAYOUT if layout is None else layout
    layouts = builtin_layouts()
    if not isinstance(name, str) or name not in layouts:
        raise ValueError(f"layout must be a RegionLayout, None or one of {sorted(layouts)}; got {layout!r}")
    return layouts[name]


def _session_layout(
    reference: RegionLayout,
    lab: LabProfile,
    subject: SubjectVariation,
    channel_step: int,
    rng: np.random.Generator,
    out_of_brain: OutOfBrain | None = None,
) -> tuple[RegionLayout, np.ndarray, object]:
    probe = build_probe(lab, channel_step)
    shanks = shank_indices(probe)
    if out_of_brain is not None:
        probe = out_of_brain.shift_banks(probe, shanks)
    positions = probe.contact_positions.astype(float)
    shank_offsets = np.r_[0.0, rng.normal(0.0, SHANK_OFFSET_SD_UM, size=lab.num_shanks - 1)]
    reference_depths = subject.warp_depth(positions[:, 1]) + shank_offsets[shanks]
    if out_of_brain is not None:
        reference_depths = reference_depths + out_of_brain.top_um
    labels, fine = reference.lookup(reference_depths)
    layout = RegionLayout(
        name=reference.name,
        labels=labels,
        positions=positions,
        fine_labels=fine,
        shank_ids=shanks if lab.num_shanks > 1 else None,
    )
    if out_of_brain is not None:
        layout = out_of_brain.relabel(layout, out_of_brain.outside(positions[:, 1], reference_depths, reference))
    return layout, reference_depths, probe


def generate_region_session(
    layout: RegionLayout | str | None = None,
    duration_s: float = 30.0,
    lab: str | LabProfile = "lab_a",
    subject: SubjectVariation | None = None,
    seed: int = 0,
    channel_step: int = 4,
    num_units: int | None = None,
    session_id: str | None = None,
    out_of_brain: OutOfBrain | None = None,
) -> RegionSession:
    """Generate a multi-region probe session with region-specific LFP and ground-truth units.

    Parameters
    ----------
    layout : RegionLayout, str or None
        Regions along the probe: a layout (e.g. from :func:`load_ibl_layouts`), a name from
        :func:`builtin_layouts`, or None for ``"cortex_hippocampus_thalamus"``.
    duration_s : float
        Duration, s.
    lab : str or LabProfile
        Lab preset name (``"lab_a"``, ``"lab_b"``, ``"lab_c"``) or profile: sampling rate, geometry, reference, noise.
    subject : SubjectVariation or None
        Subject; None draws one from ``seed`` (subject id ``"subject-<seed>"``).
    seed : int
        Seed of everything random in the session.
    channel_step : int
        Keep every ``channel_step``-th contact of the lab's 384-contact probe (4 gives 96 channels).
    num_units : int or None
        Ground-truth units; None gives 0.4 per channel in regions with neurons.
    session_id : str or None
        Identifier; None gives ``"<lab>-<subject>-<layout>-<seed>"``.
    out_of_brain : OutOfBrain or None
        Probe sections outside the brain (top in saline or air, fluid gaps, shifted banks), labelled
        ``void``; None keeps only the layout's own ``void`` section, synthesized as before.

    Returns
    -------
    RegionSession
        LFP (in memory), lazy wide-band recording, ground-truth sorting, identifiers and layouts.

    Examples
    --------
    >>> session = generate_region_session(duration_s=10.0, seed=1)
    >>> session.lfp.get_property("brain_area")[:3]
    """
    if not duration_s > 0:
        raise ValueError(f"duration_s must be positive, got {duration_s}")
    if num_units is not None and num_units < 0:
        raise ValueError(f"num_units must be >= 0, got {num_units}")
    reference = resolve_layout(layout)
    lab = get_lab_profile(lab)
    streams = np.random.SeedSequence(seed).spawn(5)
    if subject is None:
        subject = SubjectVariation.random(np.random.default_rng(streams[0]), subject_id=f"subject-{seed}")
    rng = np.random.default_rng(streams[1])
    session_layout, reference_depths, probe = _session_layout(reference, lab, subject, channel_step, rng, out_of_brain)
    fs = lab.lfp_sampling_frequency
    num_samples = round(duration_s * fs)
    sites = SiteMap(layout=session_layout, reference_depths=reference_depths, reference=reference)
    lfp_rng = np.random.default_rng(streams[2])
    field = sum(make(sites, subject, fs, num_samples, lfp_rng) for make in (latent_field, laminar_field, local_field))
    line_noise_gain = None
    if out_of_brain is not None:
        shanks = shank_indices(probe)
        field = out_of_brain.medium_field(field, session_layout, shanks)
        line_noise_gain = out_of_brain.line_noise_gain(session_layout, shanks)
    traces, quality = acquire(field, session_layout.depths, lab, lfp_rng, line_noise_gain=line_noise_gain)

    lfp = NumpyRecording([traces], sampling_frequency=fs)
    lfp.set_probe(probe)
    _set_channel_properties(lfp, session_layout, quality)

    spike_rng = np.random.default_rng(streams[3])
    if num_units is None:
        densities = np.array([REGION_SIGNATURES[r].unit_density for r in session_layout.labels])
        num_units = round(0.4 * float(np.sum(densities >= 0.5)))
    locations, channels, rates = place_units(session_layout, num_units, spike_rng)
    spike_seed = int(streams[4].generate_state(1)[0])
    sorting = ground_truth_sorting(rates, num_samples / fs, spike_seed)
    sorting.set_property("brain_area", session_layout.labels[channels])
    sorting.set_property("brain_area_fine", session_layout.fine_or_coarse[channels])
    sorting.set_property("location", locations)
    recording = wideband_recording(lfp, sorting, locations, lab, spike_seed)
    if lab.ap_common_mode_uv > 0:
        in_tissue = (session_layout.labels != "void").astype(float)
        recording = recording + shared_wideband_noise(recording, in_tissue, lab.ap_common_mode_uv, spike_seed + 1)
    recording.set_probe(probe)
    _set_channel_properties(recording, session_layout, quality)

    session_id = session_id or f"{lab.name}-{subject.subject_id}-{reference.name}-{seed}"
    for extractor in (lfp, recording, sorting):
        # training reads these to name sessions and labs in a model's card
        extractor.annotate(session_id=session_id, subject_id=subject.subject_id, lab_id=lab.name)
    return RegionSession(
        lfp=lfp,
        recording=recording,
        sorting=sorting,
        session_id=session_id,
        subject_id=subject.subject_id,
        lab_id=lab.name,
        layout=session_layout,
        reference_layout=reference,
        subject=subject,
        lab=lab,
    )


def _set_channel_properties(recording: BaseRecording, layout: RegionLayout, quality: np.ndarray) -> None:
    recording.set_channel_gains(1.0)
    recording.set_channel_offsets(0.0)
    recording.set_property("brain_area", layout.labels)
    recording.set_property("brain_area_fine", layout.fine_or_coarse)
    recording.set_property("channel_quality", quality)


def default_layout_pool() -> list[RegionLayout]:
    """IBL insertions when ``XMODAL_IBL_DATA`` is set, else the built-in layouts."""
    if os.environ.get(IBL_DATA_ENV):
        return load_ibl_layouts()
    return list(builtin_layouts().values())


def generate_region_sessions(
    n_subjects: int = 4,
    sessions_per_subject: int = 1,
    labs: Sequence[str | LabProfile] = ("lab_a",),
    duration_s: float = 30.0,
    seed: int = 0,
    layouts: Sequence[RegionLayout | str] | None = None,
    channel_step: int = 4,
    subject_strength: float = 1.0,
) -> list[RegionSession]:
    """Generate sessions from several subjects in several labs.

    Every lab gets its own ``n_subjects`` subjects (ids ``"<lab>-s<k>"``); every session draws a layout
    from ``layouts`` (a different insertion per session when the pool allows).

    Parameters
    ----------
    n_subjects : int
        Subjects per lab.
    sessions_per_subject : int
        Sessions per subject.
    labs : sequence of str or LabProfile
        Labs (preset names or profiles).
    duration_s : float
        Duration of each session, s.
    seed : int
        Seed of everything.
    layouts : sequence of RegionLayout or str, or None
        Pool of layouts; None uses the IBL insertions when ``XMODAL_IBL_DATA`` is set, else the built-ins.
    channel_step : int
        See :func:`generate_region_session`.
    subject_strength : float
        Spread of subject-to-subject variation (0 = identical subjects).

    Returns
    -------
    list of RegionSession
        Ordered by lab, subject, session.
    """
    if n_subjects < 1 or sessions_per_subject < 1 or not labs:
        raise ValueError("n_subjects and sessions_per_subject must be >= 1 and labs non-empty")
    pool = [resolve_layout(layout) for layout in layouts] if layouts is not None else default_layout_pool()
    rng = np.random.default_rng(seed)
    total = len(labs) * n_subjects * sessions_per_subject
    picks = rng.permutation(np.resize(rng.permutation(len(pool)), total))
    sessions = []
    for lab in labs:
        profile = get_lab_profile(lab)
        for k in range(n_subjects):
            subject = SubjectVariation.random(rng, subject_id=f"{profile.name}-s{k}", strength=subject_strength)
            for _ in range(sessions_per_subject):
                session_seed = int(rng.integers(2**31))
                sessions.append(
                    generate_region_session(
                        layout=pool[picks[len(sessions)]],
                        duration_s=duration_s,
                        lab=profile,
                        subject=subject,
                        seed=session_seed,
                        channel_step=channel_step,
                        session_id=f"{subject.subject_id}-{session_seed}",
                    )
                )
    return sessions
