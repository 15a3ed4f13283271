"""A peer, side by side: LFP-LOC (``lfploc`` 0.0.4, Perna et al.) against our ``lfp_region`` baseline.

LFP-LOC localises probe channels without labels: relative band power per channel (Welch PSD of 1-300 Hz
band-passed LFP; delta, theta, alpha, beta, gamma, ripple), outlier removal and a moving average along the
probe, PCA, then hierarchical clustering (4-12 clusters chosen by silhouette and cluster-size balance). It
returns cluster ids, not region names. ``lfp_region`` is trained on labelled sessions and returns region
names. Both are scored on the same generated sessions (``spikeinterface_xmodal.datasets``, the sessions
of ``region_baselines.py``) with two label-free measures of the segmentation along the probe:

- boundaries: for each shank, channels ordered by depth; a boundary lies midway between two consecutive
  channels whose labels (true regions, predicted regions, or cluster ids) differ.
- boundary error (um): for every true boundary the distance to the nearest predicted boundary on the same
  shank (true -> predicted: how well real boundaries are found), and for every predicted boundary the
  distance to the nearest true one (predicted -> true: how many predicted boundaries are spurious). A
  shank without any boundary on the other side scores the shank's span. Both directions and the counts
  of boundaries are reported because predicting boundaries everywhere would win the first direction.
  Also the fraction of boundaries within 100 um of one on the other side (recall / precision).
- ARI: ``sklearn.metrics.adjusted_rand_score`` between true regions and predicted labels (cluster ids for
  LFP-LOC, region names for lfp_region) over all channels.

Splits hold out whole sessions: within a lab, leave-one-session-out (each session is another subject);
across labs, train on every session of one lab and test on every session of the other. LFP-LOC is
unsupervised and trains on nothing, so its figures on a test session are the same in both settings.
A data-free reference (the probe's channel span cut into ``--reference-segments`` equal parts) gives
the scale of the boundary errors.

LFP-LOC is run with its own defaults (``Lfploc(recording).run()``: PCA, hierarchical clustering,
z-score threshold 2.5, outlier window 20 channels, smoothing window 8 channels, no CAR) on the whole
session (``end_time`` = the session's duration; equal to its 30 s default with the default duration).
``brainglobe-atlasapi``, which lfploc imports at module level but uses only to place the probe on an atlas
(never called here: no ap/ml/dv), is replaced by a stub when it is not installed (see docs/peer_lfploc.md).

Rerun:  python benchmarks/peer_lfploc.py [--subjects 6] [--ibl-data ../shared/data/ibl | --no-ibl]
        [--full-density-subjects 4]   (the committed JSON: --subjects 10 --full-density-subjects 4)
Writes: benchmarks/results/peer_lfploc.json
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
import time
import types
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, balanced_accuracy_score
from threadpoolctl import threadpool_limits

from machine_info import machine_info
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.datasets import builtin_layouts, generate_region_sessions, load_ibl_layouts
from spikeinterface_xmodal.training import fit_region_baseline

REPO = Path(__file__).resolve().parents[1]
DEFAULT_IBL_DATA = REPO.parent / "shared" / "data" / "ibl"
TOLERANCE_UM = 100.0
#: LFP-LOC's run() arguments: its defaults, spelled out (end_time is set to the session's duration).
LFPLOC_PARAMS = dict(
    feature_extraction_method="PCA",
    clustering_method="hierarchical",
    start_time=0.0,
    do_car=False,
    z_score_threshold=2.5,
    window_size_outlier_removal=20,
    window_size_smoothening=8,
)
METHODS = ("lfp_region", "lfploc", "equal_segments")


# --------------------------------------------------------------------------------------------------- LFP-LOC


def import_lfploc():
    """LFP-LOC's ``Lfploc`` class, and whether ``brainglobe_atlasapi`` had to be stubbed to import it.

    lfploc imports ``brainglobe_atlasapi.BrainGlobeAtlas`` at module level; it is used only by the atlas
    placement (``place_probe_on_atlas``, run when ap/ml/dv are given), never by the clustering. Installing
    brainglobe-atlasapi here would upgrade botocore past the version awscli pins, so when it is absent a
    stub whose ``BrainGlobeAtlas`` raises is put in its place for this process only.
    """
    stubbed = False
    try:
        import brainglobe_atlasapi  # noqa: F401
    except ImportError:
        stub = types.ModuleType("brainglobe_atlasapi")

        class BrainGlobeAtlas:
            def __init__(self, *args, **kwargs):
                raise RuntimeError("brainglobe-atlasapi is not installed (stub from benchmarks/peer_lfploc.py)")

        stub.BrainGlobeAtlas = BrainGlobeAtlas
        sys.modules["brainglobe_atlasapi"] = stub
        stubbed = True
    try:
        from lfploc import Lfploc
    except ImportError as error:
        raise SystemExit(f"lfploc is not installed: pip install --no-deps lfploc==0.0.4 ({error})") from error
    return Lfploc, stubbed


def run_lfploc(lfploc_class, recording, duration_s: float) -> np.ndarray:
    """Cluster id per channel (recording order) from LFP-LOC's own ``run``."""
    depths = recording.get_channel_locations()[:, 1]
    shanks = _shank_ids(recording)
    for shank in np.unique(shanks):
        # LFP-LOC smooths along the channel index: channels must be ordered by shank, then depth
        assert np.all(np.diff(depths[shanks == shank]) >= 0), "channels are not ordered by depth"
    return np.asarray(lfploc_class(recording).run(end_time=duration_s, **LFPLOC_PARAMS))


# ---------------------------------------------------------------------------------------------------- metrics


def _shank_ids(recording) -> np.ndarray:
    probe = recording.get_probe()
    if probe.shank_ids is None or np.all(probe.shank_ids == ""):
        return np.zeros(recording.get_num_channels(), dtype=int)
    return np.unique(probe.shank_ids, return_inverse=True)[1]


def boundaries(depths: np.ndarray, labels: np.ndarray, shanks: np.ndarray) -> dict[int, np.ndarray]:
    """Per shank: depths (um) midway between consecutive channels (ordered by depth) whose labels differ."""
    result = {}
    labels = np.asarray(labels).astype(str)
    for shank in np.unique(shanks):
        index = np.flatnonzero(shanks == shank)
        order = index[np.argsort(depths[index], kind="stable")]
        d, lab = depths[order], labels[order]
        change = lab[1:] != lab[:-1]
        result[int(shank)] = (d[1:][change] + d[:-1][change]) / 2.0
    return result


def nearest_distances(source: dict, target: dict, spans: dict) -> np.ndarray:
    """For each boundary in ``source``, distance to the nearest ``target`` boundary of its shank (span if none)."""
    distances = []
    for shank, points in source.items():
        others = target.get(shank, np.empty(0))
        for point in points:
            distances.append(np.min(np.abs(others - point)) if others.size else spans[shank])
    return np.asarray(distances, dtype=float)


def segmentation_scores(depths, shanks, true_labels, predicted) -> dict:
    """Boundary errors both ways, boundary counts, hits within TOLERANCE_UM, and ARI of one session."""
    spans = {int(s): float(np.ptp(depths[shanks == s])) for s in np.unique(shanks)}
    true_b = boundaries(depths, true_labels, shanks)
    pred_b = boundaries(depths, predicted, shanks)
    true_labels, predicted = np.asarray(true_labels).astype(str), np.asarray(predicted).astype(str)
    true_to_pred = nearest_distances(true_b, pred_b, spans)
    pred_to_true = nearest_distances(pred_b, true_b, spans)

    def median(values):
        return round(float(np.median(values)), 1) if values.size else None

    return dict(
        boundary_error_true_to_pred_um=median(true_to_pred),
        boundary_error_pred_to_true_um=median(pred_to_true),
        n_true_boundaries=int(true_to_pred.size),
        n_pred_boundaries=int(pred_to_true.size),
        boundary_recall_100um=round(float(np.mean(true_to_pred <= TOLERANCE_UM)), 3) if true_to_pred.size else None,
        boundary_precision_100um=round(float(np.mean(pred_to_true <= TOLERANCE_UM)), 3) if pred_to_true.size else None,
        ari=round(float(adjusted_rand_score(true_labels, predicted)), 4),
        n_predicted_labels=len(np.unique(predicted)),
        n_true_labels=len(np.unique(true_labels)),
    )


def equal_segments(depths: np.ndarray, shanks: np.ndarray, n_segments: int) -> np.ndarray:
    """Data-free reference: each shank's depth span cut into ``n_segments`` equal parts."""
    segments = np.zeros(depths.size, dtype=int)
    for shank in np.unique(shanks):
        mask = shanks == shank
        d = depths[mask]
        edges = np.linspace(d.min(), d.max(), n_segments + 1)[1:-1]
        segments[mask] = np.searchsorted(edges, d, side="right")
    return segments


def summarise(rows: list[dict]) -> dict:
    """Median, mean and n over sessions of every numeric per-session figure (sessions with None left out)."""
    keys = [k for k, v in rows[0].items() if isinstance(v, int | float) and not isinstance(v, bool)]
    keys += [k for k in rows[0] if rows[0][k] is None and any(isinstance(r[k], int | float) for r in rows)]
    summary = {}
    for key in keys:
        values = np.array([r[key] for r in rows if r.get(key) is not None], dtype=float)
        if values.size:
            summary[key] = dict(
                median=round(float(np.median(values)), 4), mean=round(float(np.mean(values)), 4), n=int(values.size)
            )
    return summary


#: Per-session figures compared session by session, and whether lower is better.
PAIRED_METRICS = {
    "boundary_error_true_to_pred_um": True,
    "boundary_error_pred_to_true_um": True,
    "boundary_recall_100um": False,
    "boundary_precision_100um": False,
    "ari": False,
}


def paired_comparison(ours: list[dict], theirs: list[dict]) -> dict:
    """Per metric: on how many of the same held-out sessions lfp_region is better, worse, or tied."""
    result = {}
    for key, lower_is_better in PAIRED_METRICS.items():
        counts = dict(lfp_region_better=0, lfploc_better=0, tied=0)
        for a, b in zip(ours, theirs, strict=True):
            assert a["session_id"] == b["session_id"]
            if a[key] is None or b[key] is None:
                continue
            difference = (b[key] - a[key]) if lower_is_better else (a[key] - b[key])
            counts["lfp_region_better" if difference > 0 else "lfploc_better" if difference < 0 else "tied"] += 1
        result[key] = counts
    return result


# ------------------------------------------------------------------------------------------------- benchmark


def _session_scores(session, predicted) -> dict:
    lfp = session.lfp
    depths = lfp.get_channel_locations()[:, 1].astype(float)
    true_labels = np.asarray(lfp.get_property("brain_area")).astype(str)
    row = dict(session_id=session.session_id, lab=session.lab_id, layout=session.reference_layout.name)
    row["n_channels"] = int(lfp.get_num_channels())
    row.update(segmentation_scores(depths, _shank_ids(lfp), true_labels, predicted))
    return row


def _fit(train_sessions, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # cross_validate=False: leave-one-session-out inside the training set only fits the calibration
        # temperatures, which never change the most probable region (the labels scored here)
        return fit_region_baseline(
            [s.lfp for s in train_sessions],
            folder=None,
            label_property="brain_area",
            n_windows=args.n_windows,
            seed=args.seed,
            cross_validate=False,
            n_jobs=args.n_jobs,
            chunk_duration="30s",
            progress_bar=False,
        )


def _predict(model, session, args) -> tuple[np.ndarray, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # novelty warnings: recorded below as a fraction instead
        estimate = model.predict(
            session.lfp, n_windows=args.n_windows, seed=args.seed, n_jobs=args.n_jobs, progress_bar=False
        )
        labels = np.asarray(estimate.labels).astype(str)
        true_labels = np.asarray(session.lfp.get_property("brain_area")).astype(str)
        # a region the session does not cross may be predicted: sklearn warns, the score counts it as wrong
        extra = dict(balanced_accuracy=round(float(balanced_accuracy_score(true_labels, labels)), 4))
    if estimate.ood_score is not None:
        extra["fraction_unfamiliar_channels"] = round(float(np.mean(np.asarray(estimate.ood_score) > 1.0)), 3)
    return labels, extra


def run_layout_set(
    name: str, layouts: list, lfploc_class, args, subjects: int | None = None, channel_step: int | None = None
) -> dict:
    """Generate one lab-by-subject set of sessions, then score all methods within and across labs."""
    started = time.perf_counter()
    subjects = subjects or args.subjects
    channel_step = channel_step or args.channel_step
    print(f"[{name}] generating {subjects} sessions per lab ({len(layouts)} layouts) ...", flush=True)
    sessions = generate_region_sessions(
        n_subjects=subjects,
        labs=tuple(args.labs),
        duration_s=args.duration,
        seed=args.seed,
        layouts=layouts,
        channel_step=channel_step,
    )
    by_lab = {lab: [s for s in sessions if s.lab_id == lab] for lab in args.labs}

    # unsupervised methods: once per session (their result does not depend on the training split)
    unsupervised = {}
    lfploc_seconds = []
    for session in sessions:
        t0 = time.perf_counter()
        clusters = run_lfploc(lfploc_class, session.lfp, args.duration)
        lfploc_seconds.append(time.perf_counter() - t0)
        lfp = session.lfp
        depths = lfp.get_channel_locations()[:, 1].astype(float)
        reference = equal_segments(depths, _shank_ids(lfp), args.reference_segments)
        unsupervised[session.session_id] = dict(
            lfploc=_session_scores(session, clusters), equal_segments=_session_scores(session, reference)
        )
    print(f"[{name}] LFP-LOC: {np.mean(lfploc_seconds):.2f} s per session", flush=True)

    def block(test_sessions, predictions) -> dict:
        out = {}
        for method in METHODS:
            if method == "lfp_region":
                rows = predictions
            else:
                rows = [unsupervised[s.session_id][method] for s in test_sessions]
            out[method] = dict(summary=summarise(rows), per_session=rows)
        out["lfp_region_vs_lfploc"] = paired_comparison(out["lfp_region"]["per_session"], out["lfploc"]["per_session"])
        return out

    within, across = {}, {}
    for lab, lab_sessions in by_lab.items():
        rows = []
        for index, test in enumerate(lab_sessions):
            model = _fit([s for i, s in enumerate(lab_sessions) if i != index], args)
            labels, extra = _predict(model, test, args)
            rows.append({**_session_scores(test, labels), **extra})
        within[lab] = block(lab_sessions, rows)
        print(f"[{name}] within {lab}: done ({time.perf_counter() - started:.0f} s)", flush=True)
    for train_lab in args.labs:
        model = _fit(by_lab[train_lab], args)
        for test_lab in args.labs:
            if test_lab == train_lab:
                continue
            rows = []
            for test in by_lab[test_lab]:
                labels, extra = _predict(model, test, args)
                rows.append({**_session_scores(test, labels), **extra})
            across[f"{train_lab}->{test_lab}"] = block(by_lab[test_lab], rows)
            print(f"[{name}] {train_lab}->{test_lab}: done ({time.perf_counter() - started:.0f} s)", flush=True)
    return dict(
        layouts=name,
        subjects_per_lab=subjects,
        channel_step=channel_step,
        n_channels=sorted({int(s.lfp.get_num_channels()) for s in sessions}),
        n_layouts=len(layouts),
        regions=sorted({str(r) for s in sessions for r in s.lfp.get_property("brain_area")}),
        within_lab_leave_one_session_out=within,
        cross_lab=across,
        lfploc_seconds_per_session=round(float(np.mean(lfploc_seconds)), 3),
        runtime_s=round(time.perf_counter() - started, 1),
    )


def run(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    # one OpenMP / BLAS thread by default: on a shared 2-core machine gradient boosting is ~4x faster than
    # with oversubscribed threads; the results do not depend on it
    with threadpool_limits(limits=args.threads):
        return _run(args, started)


def _run(args: argparse.Namespace, started: float) -> dict:
    lfploc_class, stubbed = import_lfploc()
    results = {"builtin": run_layout_set("builtin", list(builtin_layouts().values()), lfploc_class, args)}
    if args.full_density_subjects:
        # LFP-LOC counts its windows (outlier removal 20, smoothing 8, smallest cluster 10) in channels, as
        # on a full probe; with every 4th channel they span 4x the distance. This checks that handicap.
        results["builtin_full_density"] = run_layout_set(
            "builtin_full_density",
            list(builtin_layouts().values()),
            lfploc_class,
            args,
            subjects=args.full_density_subjects,
            channel_step=1,
        )
    if args.no_ibl:
        results["ibl"] = dict(skipped="--no-ibl given")
    else:
        try:
            ibl_layouts = load_ibl_layouts(args.ibl_data)
        except FileNotFoundError as error:
            message = f"IBL layouts not found at {args.ibl_data} ({error}); IBL part skipped"
            print(message, flush=True)
            results["ibl"] = dict(skipped=message)
        else:
            results["ibl"] = run_layout_set("ibl", ibl_layouts, lfploc_class, args)
    return dict(
        benchmark="peer_lfploc",
        package_version=__version__,
        lfploc=dict(
            version=importlib.metadata.version("lfploc"),
            call="Lfploc(recording).run(end_time=<session duration>, **params)",
            params=LFPLOC_PARAMS,
            installed_with="pip install --no-deps lfploc==0.0.4",
            brainglobe_atlasapi_stubbed=stubbed,
        ),
        lfp_region=dict(
            call="fit_region_baseline(train_lfps, folder=None, cross_validate=False, n_windows, seed) -> "
            ".predict(test_lfp, n_windows, seed)",
            defaults="feature_set='lfp+depth', classifier='hgb', HMM smoothing along the probe",
        ),
        settings=dict(
            subjects_per_lab=args.subjects,
            labs=args.labs,
            duration_s=args.duration,
            channel_step=args.channel_step,
            n_windows=args.n_windows,
            seed=args.seed,
            reference_segments=args.reference_segments,
            full_density_subjects=args.full_density_subjects,
            boundary_tolerance_um=TOLERANCE_UM,
            ibl_data=str(args.ibl_data),
            threads=args.threads,
        ),
        metric_definitions=dict(
            boundary="per shank, channels ordered by depth; midway between consecutive channels whose labels differ",
            boundary_error_true_to_pred_um="per session: median over true boundaries of the distance to the "
            "nearest predicted boundary on the same shank (the shank's span when it has none)",
            boundary_error_pred_to_true_um="per session: median over predicted boundaries of the distance to "
            "the nearest true boundary (the shank's span when it has none)",
            boundary_recall_100um="fraction of true boundaries with a predicted boundary within 100 um",
            boundary_precision_100um="fraction of predicted boundaries with a true boundary within 100 um",
            ari="adjusted_rand_score(true region, predicted label or cluster id) over the session's channels",
            summary="median, mean and n over held-out sessions of the per-session figures",
            equal_segments="data-free reference: the channel span cut into reference_segments equal parts",
        ),
        results=results,
        machine=machine_info(),
        runtime_s=round(time.perf_counter() - started, 1),
    )


def _print_table(results: dict) -> None:
    keys = ("boundary_error_true_to_pred_um", "boundary_error_pred_to_true_um", "n_pred_boundaries", "ari")
    print(f"\n{'layouts / setting / method':<56}{'true->pred':>12}{'pred->true':>12}{'n pred (true)':>15}{'ARI':>8}")
    for layout_set, result in results["results"].items():
        if "skipped" in result:
            print(f"{layout_set}: skipped ({result['skipped']})")
            continue
        settings = [(f"within {k}", v) for k, v in result["within_lab_leave_one_session_out"].items()]
        settings += list(result["cross_lab"].items())
        for setting, methods in settings:
            for method in METHODS:
                s = methods[method]["summary"]
                cells = [s.get(k, {}).get("median", float("nan")) for k in keys]
                n_true = s["n_true_boundaries"]["median"]
                print(
                    f"{layout_set + ' / ' + setting + ' / ' + method:<56}{cells[0]:>12.0f}{cells[1]:>12.0f}"
                    f"{cells[2]:>9.0f} ({n_true:.0f}){cells[3]:>8.3f}"
                )
    print("(medians over held-out sessions; boundary errors in um)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=6, help="subjects (one session each) per lab")
    parser.add_argument("--labs", nargs="+", default=["lab_a", "lab_b"])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per session")
    parser.add_argument("--channel-step", type=int, default=4, help="keep every k-th of 384 channels")
    parser.add_argument("--n-windows", type=int, default=20, help="windows per channel for lfp_region")
    parser.add_argument(
        "--full-density-subjects",
        type=int,
        default=0,
        help="also run built-in layouts with all 384 channels, this many subjects per lab (0 = skip)",
    )
    parser.add_argument("--reference-segments", type=int, default=5, help="segments of the data-free reference")
    parser.add_argument("--ibl-data", type=Path, default=DEFAULT_IBL_DATA, help="folder of ibl_insertions_channels.pqt")
    parser.add_argument("--no-ibl", action="store_true", help="skip the IBL layouts")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="OpenMP / BLAS threads (threadpoolctl)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "peer_lfploc.json"))
    args = parser.parse_args()
    results = run(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    _print_table(results)
    print(f"\nWritten {args.out} in {results['runtime_s']:.0f} s")


if __name__ == "__main__":
    main()
