"""IPFX features of Patch-seq cells from their current-clamp sweeps, one row per cell.

Built on ipfx's array-level extractors (``ipfx.feature_extractor``, ``ipfx.stimulus_protocol_analysis``,
``ipfx.feature_vectors``) fed with sweeps read by ``patchseq.sweeps`` (pynwb directly, not ipfx's NWB layer), so
it runs under pynwb 3.1.2 and 4 alike. ipfx is imported on first use (``pip install spikeinterface-xmodal[patchseq]``).

Scalar columns carry the names (and units: mV, pA, MOhm, s, Hz) of the mouse VISp table
(``mouse_visp_gouwens2020_ephys_features.csv``, extracted from DANDI 000020 with the same ipfx calls: 1 kHz spike
filter, 0.05 s baseline, subthreshold sweeps above -100 pA). Its time columns (``rheo_peak_t``...) count from a
point 0.5 s before the long-square onset, as in that table. Feature-vector columns are ``<vector>_<i>`` (the
families of ``patchseq.families.VECTOR_FAMILIES``). A protocol that is missing, or whose sweeps all fail QC, or an
ipfx step that fails, leaves its columns NaN and says why in ``nan_reason``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .sweeps import CellSweeps, Sweep, read_sweeps

#: Scalar features, named as in the mouse VISp table.
LONG_SQUARE_FEATURES = (
    "v_baseline", "rheobase_i", "fi_fit_slope", "sag", "vm_for_sag", "input_resistance", "tau",
    "hero_adapt", "hero_avg_rate", "hero_first_isi", "hero_isi_cv", "hero_latency", "hero_mean_isi",
    "hero_median_isi", "hero_stim_amp",
    "rheo_threshold_v", "rheo_trough_v", "rheo_fast_trough_v", "rheo_slow_trough_v", "rheo_adp_v", "rheo_width",
    "rheo_upstroke_downstroke_ratio", "rheo_peak_t", "rheo_fast_trough_t", "rheo_trough_t", "rheo_slow_trough_t",
    "rheo_peak_v", "maximal_firing_rate",
)  # fmt: skip
#: Feature vectors (``ipfx.feature_vectors``), written as columns ``<vector>_<i>``.
VECTOR_FEATURES = (
    "step_subthresh", "subthresh_norm", "subthresh_depol_norm", "isi_shape", "first_ap_v", "first_ap_dv", "psth",
    "inst_freq", "spiking_upstroke_downstroke_ratio", "spiking_peak_v", "spiking_fast_trough_v",
    "spiking_threshold_v", "spiking_width",
)  # fmt: skip
REASON_COLUMN = "nan_reason"
ID_COLUMNS = ("filename", "cell_id")

MIN_SAMPLING_RATE = 10_000.0  # Hz: below this, action potentials are not resolved
TIME_ORIGIN_S = 0.5  # the mouse table's time columns count from 0.5 s before the long-square onset
AP_SAMPLING_RATE = 50_000.0  # first-AP waveforms are given on this grid whatever the recording's rate
AP_WINDOW_S = 0.003
_CELL_KEYS = ("v_baseline", "rheobase_i", "fi_fit_slope", "sag", "vm_for_sag", "input_resistance", "tau")
_HERO_KEYS = ("adapt", "avg_rate", "first_isi", "isi_cv", "latency", "mean_isi", "median_isi", "stim_amp")
_RHEO_SPIKE_KEYS = (
    "threshold_v", "trough_v", "fast_trough_v", "slow_trough_v", "adp_v", "width", "upstroke_downstroke_ratio",
    "peak_t", "fast_trough_t", "trough_t", "slow_trough_t",
)  # fmt: skip
_TIME_KEYS = ("peak_t", "fast_trough_t", "trough_t", "slow_trough_t")
# sweep QC: a sweep fails when its values are not finite, its baseline is outside this range, or the
# sample-to-sample noise of its baseline exceeds the limit
BASELINE_RANGE_MV = (-100.0, -30.0)
MAX_BASELINE_NOISE_MV = 1.0


@contextmanager
def _quiet():
    """Silence ipfx's logging and numpy's warnings on empty slices (NaN results are reported in nan_reason)."""
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _stimulus_epoch(sweep: Sweep) -> tuple[float, float] | None:
    """Start and end (s) of the non-zero stimulus; None when the sweep injects nothing."""
    active = np.flatnonzero(np.abs(sweep.current_pa) > 1e-3)
    if active.size == 0:
        return None
    return active[0] / sweep.sampling_rate, (active[-1] + 1) / sweep.sampling_rate


def recorded_part(sweep: Sweep) -> Sweep:
    """The sweep without the NaN samples that follow the end of its recording (MIES pads sweeps that stop early)."""
    finite = np.isfinite(sweep.voltage_mv)
    if finite[-1]:
        return sweep
    stop = int(np.flatnonzero(finite)[-1]) + 1 if finite.any() else 0
    return replace(sweep, voltage_mv=sweep.voltage_mv[:stop], current_pa=sweep.current_pa[:stop])


def sweep_qc(sweep: Sweep) -> str | None:
    """Why a sweep fails QC, or None when it passes.

    A sweep fails when its recording ends before its stimulus does, it holds NaN or Inf before its recording ends
    (trailing NaN padding is ignored, see ``recorded_part``), it injects no current, its pre-stimulus baseline is
    outside ``BASELINE_RANGE_MV``, or the sample-to-sample noise of that baseline exceeds
    ``MAX_BASELINE_NOISE_MV``.
    """
    epoch = _stimulus_epoch(sweep) if np.all(np.isfinite(sweep.current_pa)) else None
    if epoch is None:
        return "no stimulus" if np.all(np.isfinite(sweep.current_pa)) else "non-finite stimulus"
    recorded = recorded_part(sweep)
    if recorded.voltage_mv.size < round(epoch[1] * sweep.sampling_rate):
        return "the recording ends before the stimulus"
    if not np.all(np.isfinite(recorded.voltage_mv)):
        return "non-finite values"
    baseline = recorded.voltage_mv[: max(int(epoch[0] * sweep.sampling_rate), 2)]
    level = float(np.mean(baseline))
    if not BASELINE_RANGE_MV[0] <= level <= BASELINE_RANGE_MV[1]:
        return f"baseline {level:.1f} mV outside {BASELINE_RANGE_MV}"
    noise = float(np.std(np.diff(baseline)) / np.sqrt(2))
    if noise > MAX_BASELINE_NOISE_MV:
        return f"baseline noise {noise:.2f} mV"
    return None


def _check_rate(cell: CellSweeps) -> None:
    for sweep in cell.sweeps:
        if sweep.protocol is not None and sweep.sampling_rate < MIN_SAMPLING_RATE:
            raise ValueError(
                f"{cell.path}: sweep {sweep.sweep_number} ({sweep.stimulus_name}) is sampled at "
                f"{sweep.sampling_rate:g} Hz; IPFX features need at least {MIN_SAMPLING_RATE:g} Hz to resolve spikes"
            )


def _passing(cell: CellSweeps, protocol: str, reasons: list[str]) -> list[Sweep]:
    """The protocol's sweeps that pass QC; a reason is recorded when none is left."""
    sweeps = cell.protocol(protocol)
    if not sweeps:
        reasons.append(f"{protocol}: no sweeps")
        return []
    failures = {sweep.sweep_number: sweep_qc(sweep) for sweep in sweeps}
    passed = [recorded_part(sweep) for sweep in sweeps if failures[sweep.sweep_number] is None]
    if not passed:
        first = next(iter(failures.items()))
        reasons.append(f"{protocol}: all {len(sweeps)} sweeps failed QC (e.g. sweep {first[0]}: {first[1]})")
    return passed


def _sweep_set(sweeps: list[Sweep]):
    from ipfx.sweep import Sweep as IpfxSweep
    from ipfx.sweep import SweepSet

    return SweepSet(
        [
            IpfxSweep(
                s.time_s, s.voltage_mv, s.current_pa, "CurrentClamp", s.sampling_rate, sweep_number=s.sweep_number
            )
            for s in sweeps
        ]
    )


def _filter_khz(filter_khz: float | None, sweeps: list[Sweep]) -> float | None:
    """The spike filter (kHz), or None (no filter) where the recording's Nyquist frequency is below it."""
    nyquist_khz = min(s.sampling_rate for s in sweeps) / 2000.0
    return filter_khz if filter_khz is not None and filter_khz < nyquist_khz else None


def _extractors(start: float, end: float, filter_khz: float | None, baseline_interval: float, **spike_kwargs):
    from ipfx.feature_extractor import SpikeFeatureExtractor, SpikeTrainFeatureExtractor

    spikes = SpikeFeatureExtractor(start=start, end=end, filter=filter_khz, **spike_kwargs)
    train = SpikeTrainFeatureExtractor(start=start, end=end, baseline_interval=baseline_interval)
    return spikes, train


def _long_square(sweeps: list[Sweep], filter_khz, baseline_interval, reasons: list[str]):
    """(ipfx features, sweep set, start, end) of the long squares, or None with a reason."""
    import ipfx.stimulus_protocol_analysis as spa

    start, end = _stimulus_epoch(sweeps[0])
    same_epoch = [s for s in sweeps if np.allclose(_stimulus_epoch(s), (start, end), atol=2e-3)]
    sweep_set = _sweep_set(same_epoch)
    spikes, train = _extractors(start, end, _filter_khz(filter_khz, same_epoch), baseline_interval)
    analysis = spa.LongSquareAnalysis(
        spikes, train, subthresh_min_amp=-100.0, require_subthreshold=False, require_suprathreshold=False
    )
    try:
        features = analysis.analyze(sweep_set)
    except Exception as error:  # ipfx raises FeatureError, ValueError, IndexError... on unusual cells
        reasons.append(f"long_square: ipfx failed ({type(error).__name__}: {error})")
        return None
    return features, sweep_set, start, end


def _scalars(features: dict, start: float, reasons: list[str]) -> dict[str, float]:
    row = {name: features.get(name, np.nan) for name in _CELL_KEYS}
    if "rheobase_sweep" not in features:
        reasons.append("long_square: no spiking sweep (rheobase, hero sweep and spike features are NaN)")
        return row
    if "input_resistance" not in features:
        reasons.append("long_square: no subthreshold sweep between -100 and 0 pA (input resistance, tau NaN)")
    hero = features["hero_sweep"]
    row.update({f"hero_{key}": hero.get(key, np.nan) for key in _HERO_KEYS})
    rheobase = features["rheobase_sweep"]
    first_spike = features["spikes_set"][rheobase.name].iloc[0]
    shift = TIME_ORIGIN_S - start
    for key in _RHEO_SPIKE_KEYS:
        value = first_spike.get(key, np.nan)
        row[f"rheo_{key}"] = value + shift if key in _TIME_KEYS else value
    row["rheo_peak_v"] = rheobase["peak_deflect"][0]
    row["maximal_firing_rate"] = float(features["spiking_sweeps"]["avg_rate"].max())
    return row


def _protocol_features(sweeps: list[Sweep], protocol: str, filter_khz, baseline_interval, reasons):
    """ipfx features and sweep set of the short squares or ramps, or None with a reason."""
    import ipfx.stimulus_protocol_analysis as spa

    start, end = _stimulus_epoch(sweeps[0])
    sweep_set = _sweep_set(sweeps)
    filter_khz = _filter_khz(filter_khz, sweeps)
    try:
        if protocol == "short_square":
            from ipfx.spike_features import estimate_adjusted_detection_parameters

            dv_cutoff, thresh_frac = estimate_adjusted_detection_parameters(
                sweep_set.v, sweep_set.t, start, start + 0.001
            )
            spikes, train = _extractors(
                start, end + 0.05, filter_khz, baseline_interval, dv_cutoff=dv_cutoff,
                thresh_frac=max(thresh_frac, 0.1), reject_at_stim_start_interval=0.0002,
            )  # fmt: skip
            return spa.ShortSquareAnalysis(spikes, train).analyze(sweep_set), sweep_set
        spikes, train = _extractors(start, None, filter_khz, baseline_interval)
        return spa.RampAnalysis(spikes, train).analyze(sweep_set), sweep_set
    except Exception as error:  # e.g. FeatureError "No spiking short square sweeps"
        reasons.append(f"{protocol}: ipfx failed ({type(error).__name__}: {error})")
        return None


def _first_ap(sweep_set, spikes_set, indexes, skip_clipped: bool) -> tuple[np.ndarray, np.ndarray]:
    """Mean first-AP waveform and its derivative on the ``AP_SAMPLING_RATE`` grid."""
    import ipfx.feature_vectors as fv

    waveform, _ = fv.first_ap_vectors(
        [sweep_set.sweeps[i] for i in indexes],
        [spikes_set[i] for i in indexes],
        target_sampling_rate=AP_SAMPLING_RATE,
        window_length=AP_WINDOW_S,
        skip_clipped=skip_clipped,
    )
    n_points = int(AP_SAMPLING_RATE * AP_WINDOW_S)
    if waveform.size != n_points:  # a rate that is not a multiple of AP_SAMPLING_RATE: interpolate
        waveform = np.interp(np.linspace(0, 1, n_points), np.linspace(0, 1, waveform.size), waveform)
    return waveform, np.diff(waveform)


def _vectors(long, short, ramp, reasons: list[str]) -> dict[str, np.ndarray]:
    """The feature vectors that can be computed; each failure adds a reason."""
    import ipfx.feature_vectors as fv

    vectors: dict[str, np.ndarray] = {}
    features, sweep_set, start, end = long

    def attempt(names: tuple[str, ...], compute) -> None:
        try:
            values = compute()
        except Exception as error:
            reasons.append(f"{'/'.join(names)}: ipfx failed ({type(error).__name__}: {error})")
            return
        vectors.update(zip(names, values, strict=True))

    def subthreshold():
        hyperpolarising, deflections = fv.identify_subthreshold_hyperpol_with_amplitudes(features, sweep_set)
        depolarising, depol_deflections = fv.identify_subthreshold_depol_with_amplitudes(features, sweep_set)
        return (
            fv.step_subthreshold(hyperpolarising, [-90, -70, -50, -30, -10], start, end, amp_tolerance=5),
            fv.subthresh_norm(hyperpolarising, deflections, start, end),
            fv.subthresh_depol_norm(depolarising, depol_deflections, np.round(start, 3), np.round(end, 3)),
        )

    attempt(("step_subthresh", "subthresh_norm", "subthresh_depol_norm"), subthreshold)
    if "rheobase_sweep" not in features:
        return vectors

    def isi_shape():
        sweep, spike_info = fv.identify_sweep_for_isi_shape(sweep_set, features, end - start)
        return (fv.isi_shape(sweep, spike_info, end),)

    def first_ap():
        parts = [_first_ap(sweep_set, features["spikes_set"], [features["rheobase_sweep"].name], False)]
        for protocol, analysed, key in (("short_square", short, "common_amp_sweeps"), ("ramp", ramp, "spiking_sweeps")):
            if analysed is None:
                reasons.append(f"first_ap_v/first_ap_dv: no {protocol} spikes (its part is NaN)")
                n_points = int(AP_SAMPLING_RATE * AP_WINDOW_S)
                parts.insert(len(parts) if protocol == "ramp" else 0, (np.full(n_points, np.nan),) * 2)
                continue
            result, protocol_set = analysed
            part = _first_ap(protocol_set, result["spikes_set"], list(result[key].index), True)
            parts.insert(len(parts) if protocol == "ramp" else 0, part)
        return np.hstack([p[0] for p in parts]), np.hstack([p[1] for p in parts])

    def spiking():
        info = fv.identify_suprathreshold_spike_info(features, np.arange(0, 120, 20), shift=10)
        names = ("upstroke_downstroke_ratio", "peak_v", "fast_trough_v", "threshold_v", "width")
        return (
            fv.psth_vector(info, start, end),
            fv.inst_freq_vector(info, start, end),
            *(fv.spike_feature_vector(name, info, start, end) for name in names),
        )

    attempt(("isi_shape",), isi_shape)
    attempt(("first_ap_v", "first_ap_dv"), first_ap)
    attempt(("psth", "inst_freq", *(f"spiking_{n}" for n in ("upstroke_downstroke_ratio", "peak_v",
             "fast_trough_v", "threshold_v", "width"))), spiking)  # fmt: skip
    return vectors


def cell_features(cell: CellSweeps, filter_khz: float | None = 1.0, baseline_interval: float = 0.05) -> dict:
    """IPFX scalar features, feature vectors and the reasons for NaNs of one cell.

    Parameters
    ----------
    cell : CellSweeps
        From ``read_sweeps``.
    filter_khz : float or None, default: 1.0
        Bessel filter of the spike detector (kHz), as used for the mouse VISp table; None for no filter. It is
        dropped for recordings whose Nyquist frequency is below it.
    baseline_interval : float, default: 0.05
        Seconds before the stimulus used as the baseline.

    Returns
    -------
    dict
        ``filename``, ``cell_id``, every name of ``LONG_SQUARE_FEATURES`` (NaN where not computed), the
        computed vectors as ``<vector>_<i>`` keys, and ``nan_reason`` ("" when nothing is missing).

    Raises
    ------
    ValueError
        A sweep of a known protocol is sampled below ``MIN_SAMPLING_RATE``.
    """
    _check_rate(cell)
    reasons: list[str] = []
    row: dict = {"filename": cell.path.name, "cell_id": cell.cell_id}
    row.update(dict.fromkeys(LONG_SQUARE_FEATURES, np.nan))
    with _quiet():
        passed = {protocol: _passing(cell, protocol, reasons) for protocol in ("long_square", "short_square", "ramp")}
        long = (
            _long_square(passed["long_square"], filter_khz, baseline_interval, reasons)
            if passed["long_square"]
            else None
        )
        if long is None:
            reasons.append("feature vectors: no usable long squares")
        else:
            row.update(_scalars(long[0], long[2], reasons))
            others = {
                protocol: _protocol_features(passed[protocol], protocol, filter_khz, baseline_interval, reasons)
                if passed[protocol]
                else None
                for protocol in ("short_square", "ramp")
            }
            for name, vector in _vectors(long, others["short_square"], others["ramp"], reasons).items():
                row.update({f"{name}_{i}": float(value) for i, value in enumerate(np.ravel(vector))})
    row[REASON_COLUMN] = "; ".join(reasons)
    return row


def extract_features(
    nwb_paths: str | Path | Iterable[str | Path],
    filter_khz: float | None = 1.0,
    baseline_interval: float = 0.05,
) -> pd.DataFrame:
    """IPFX features of every cell in icephys NWB files, one row per cell.

    Parameters
    ----------
    nwb_paths : path or iterable of paths
        NWB files with current-clamp sweeps (see ``patchseq.sweeps.read_sweeps`` for the layouts read).
    filter_khz, baseline_interval
        See ``cell_features``.

    Returns
    -------
    pandas.DataFrame
        Columns ``filename``, ``cell_id``, the mouse-table scalar features (``LONG_SQUARE_FEATURES``), the
        feature-vector elements ``<vector>_<i>`` (NaN where a cell lacks them) and ``nan_reason``; rows in file
        order, then electrode order.

    Raises
    ------
    ValueError
        A file has no current-clamp sweeps, or is sampled below ``MIN_SAMPLING_RATE`` (the message names it).

    Examples
    --------
    >>> features = extract_features(["cell_a.nwb", "cell_b.nwb"])
    >>> features[["cell_id", "rheobase_i", "rheo_width", "nan_reason"]]
    """
    paths = [nwb_paths] if isinstance(nwb_paths, (str, Path)) else list(nwb_paths)
    if not paths:
        raise ValueError("extract_features needs at least one NWB file")
    rows = [cell_features(cell, filter_khz, baseline_interval) for path in paths for cell in read_sweeps(path)]
    frame = pd.DataFrame(rows)
    ordered = [*ID_COLUMNS, *LONG_SQUARE_FEATURES]
    vectors = [c for c in frame.columns if c not in ordered and c != REASON_COLUMN]
    return frame[[*ordered, *vectors, REASON_COLUMN]]
