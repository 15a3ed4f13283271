"""Region-localization baselines on generated sessions, scored on held-out sessions and across labs.

Variants (the reference points every region model is compared with):
(a) electrode position only, (b) band power only, (c) band power + depth, (d) (c) + HMM smoothing along
the probe; then the default model: every LFP feature (band power, 1/f slopes, neighbour correlation) +
depth, with and without smoothing. Within each lab: leave-one-session-out (every session is a different
subject). Across labs: train on every session of one lab, test on every session of the other
(different sampling rate, pitch, noise, reference, gain, line frequency).

Rerun:  python benchmarks/region_baselines.py [--subjects 10] [--ibl-data ../shared/data/ibl]
Writes: benchmarks/results/region_baselines.json (committed: gradient boosting, the default; the
``*_logreg.json`` results are the same run with ``--classifier logreg``, ``*_ibl*`` with ``--ibl-data``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from machine_info import machine_info
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.datasets import builtin_layouts, generate_region_sessions, load_ibl_layouts
from spikeinterface_xmodal.region_models import expected_calibration_error
from spikeinterface_xmodal.region_models.calibration import CALIBRATION_OBJECTIVES, DEFAULT_CALIBRATION_OBJECTIVE
from spikeinterface_xmodal.region_models.estimate import shrink_out_of_distribution
from spikeinterface_xmodal.tokenizers import SpectralTokenizer
from spikeinterface_xmodal.training import (
    evaluate_on_sessions,
    fit_calibration,
    fit_on_sessions,
    held_out_uncalibrated,
    prepare_labelled_sessions,
)

VARIANTS = {
    # gradient boosting for position: a linear model cannot map depth to non-monotonic region sequences
    "position_only": dict(feature_set="position", smoothing=False, classifier="hgb"),
    "band_power_only": dict(feature_set="band_power", smoothing=False),
    "band_power+depth": dict(feature_set="band_power+depth", smoothing=False),
    "band_power+depth+hmm": dict(feature_set="band_power+depth", smoothing=True),
    "lfp+depth": dict(feature_set="lfp+depth", smoothing=False),
    "lfp+depth+hmm": dict(feature_set="lfp+depth", smoothing=True),
}


def _with_classifier(variant: dict, args: argparse.Namespace) -> dict:
    return {"classifier": args.classifier, **variant}


def _summary(scores: dict) -> dict:
    # within a lab: the mean over held-out sessions of their balanced accuracy; across labs: pooled channels
    summary = dict(
        balanced_accuracy=round(scores.get("mean_session_balanced_accuracy", scores["balanced_accuracy"]), 4),
        macro_f1=round(scores["macro_f1"], 4),
        ece_uncalibrated=round(scores["ece"], 4),
    )
    if "std_session_balanced_accuracy" in scores:
        summary["balanced_accuracy_std"] = round(scores["std_session_balanced_accuracy"], 4)
        summary["per_session_balanced_accuracy"] = [
            round(v, 4) for v in scores["per_session_balanced_accuracy"].values()
        ]
    if "per_region" in scores:
        summary["recall_per_region"] = {r: round(v["recall"], 3) for r, v in scores["per_region"].items()}
    return summary


DEFAULT_VARIANT = "lfp+depth+hmm"  # what fit_region_baseline trains by default


def _pooled_ece(true: list[np.ndarray], probabilities: list[np.ndarray], classes: list[str]) -> float:
    return expected_calibration_error(np.concatenate(true), np.concatenate(probabilities), classes)


def _calibration(by_lab: dict, held_out_sets: dict, args: argparse.Namespace) -> dict:
    """ECE of the default model before and after calibration, never on a session the calibration was fitted on.

    Within a lab: each session's held-out prediction is calibrated with temperatures fitted on the other
    sessions' held-out predictions (cross-fitting), then discounted by its novelty score as ``lfp_region`` does.
    Across labs: the model of one lab, calibrated on that lab's leave-one-session-out predictions, on the
    other lab's sessions. ``ece_calibrated`` uses the default objective; ``ece_calibrated_by_objective`` each
    one. Also: the median novelty score of held-out channels (1 = the 95th percentile).
    """
    results = {}
    for lab, held_out in held_out_sets.items():
        true, before = [], []
        after = {objective: [] for objective in CALIBRATION_OBJECTIVES}
        classes = sorted({c for p in held_out.smoothed for c in p.classes})
        for index, prediction in enumerate(held_out.smoothed):
            others = [i for i in range(len(held_out.smoothed)) if i != index]
            columns = [classes.index(c) for c in prediction.classes]
            uncalibrated = np.zeros((prediction.probabilities.shape[0], len(classes)))
            uncalibrated[:, columns] = prediction.probabilities
            ood = held_out.ood_scores[prediction.session_id]
            true.append(prediction.true_labels)
            before.append(shrink_out_of_distribution(uncalibrated, ood))
            for objective, calibrated in after.items():
                temperatures = fit_calibration(
                    [held_out.raw[i] for i in others], [held_out.smoothed[i] for i in others], objective
                )
                calibrated.append(shrink_out_of_distribution(temperatures.apply(uncalibrated, smoothed=True), ood))
        by_objective = {objective: round(_pooled_ece(true, p, classes), 4) for objective, p in after.items()}
        results[f"within {lab}"] = dict(
            ece_uncalibrated=round(_pooled_ece(true, before, classes), 4),
            ece_calibrated=by_objective[DEFAULT_CALIBRATION_OBJECTIVE],
            ece_calibrated_by_objective=by_objective,
            median_ood_score=round(float(np.median(np.concatenate(list(held_out.ood_scores.values())))), 3),
        )
    for train_lab, held_out in held_out_sets.items():
        model = fit_on_sessions(by_lab[train_lab], seed=args.seed, **_with_classifier(VARIANTS[DEFAULT_VARIANT], args))
        for test_lab in by_lab:
            if test_lab == train_lab:
                continue
            uncalibrated = evaluate_on_sessions(model, by_lab[test_lab])
            by_objective = {}
            for objective in CALIBRATION_OBJECTIVES:
                model.calibration = fit_calibration(held_out.raw, held_out.smoothed, objective)
                by_objective[objective] = round(evaluate_on_sessions(model, by_lab[test_lab])["ece"], 4)
            ood = np.concatenate([model.novelty_score(s.features(model.feature_set)) for s in by_lab[test_lab]])
            results[f"{train_lab}->{test_lab}"] = dict(
                ece_uncalibrated=round(uncalibrated["ece"], 4),
                ece_calibrated=by_objective[DEFAULT_CALIBRATION_OBJECTIVE],
                ece_calibrated_by_objective=by_objective,
                median_ood_score=round(float(np.median(ood)), 3),
            )
            model.calibration = None
    return results


def tokenized_sessions(args: argparse.Namespace, labs: list[str], layouts: list) -> list:
    """Generate ``args.subjects`` sessions per lab over ``layouts`` and tokenize each once (grouped by lab)."""
    generated = generate_region_sessions(
        n_subjects=args.subjects,
        labs=tuple(labs),
        duration_s=args.duration,
        seed=args.seed,
        layouts=layouts,
        channel_step=args.channel_step,
    )
    return prepare_labelled_sessions(
        [g.lfp for g in generated],
        SpectralTokenizer(),
        sampling_frequency=max(g.lfp.sampling_frequency for g in generated),
        n_windows=args.n_windows,
        seed=args.seed,
        session_ids=[g.session_id for g in generated],
        groups=[g.lab_id for g in generated],
        progress_bar=True,
        n_jobs=args.n_jobs,
        chunk_duration="30s",
    )


def run(args: argparse.Namespace) -> dict:
    """Generate, tokenize once, and score every variant within and across labs."""
    started = time.perf_counter()
    layouts = load_ibl_layouts(args.ibl_data) if args.ibl_data else list(builtin_layouts().values())
    if args.max_layouts:
        layouts = layouts[: args.max_layouts]
    sessions = tokenized_sessions(args, args.labs, layouts)
    by_lab = {lab: [s for s in sessions if s.group == lab] for lab in args.labs}
    within, across, held_out_sets = {}, {}, {}
    for lab, lab_sessions in by_lab.items():
        within[lab] = {}
        for name, variant in VARIANTS.items():
            held_out = held_out_uncalibrated(lab_sessions, seed=args.seed, **_with_classifier(variant, args))
            within[lab][name] = _summary(held_out.scores)
            if name == DEFAULT_VARIANT:
                held_out_sets[lab] = held_out
    for train_lab in args.labs:
        for test_lab in args.labs:
            if train_lab == test_lab:
                continue
            across[f"{train_lab}->{test_lab}"] = {
                name: _summary(
                    evaluate_on_sessions(
                        fit_on_sessions(by_lab[train_lab], seed=args.seed, **_with_classifier(variant, args)),
                        by_lab[test_lab],
                        smoothing=variant["smoothing"],
                    )
                )
                for name, variant in VARIANTS.items()
            }
    calibration = _calibration(by_lab, held_out_sets, args)
    return dict(
        benchmark="region_baselines",
        package_version=__version__,
        settings=dict(
            subjects_per_lab=args.subjects,
            labs=args.labs,
            duration_s=args.duration,
            channel_step=args.channel_step,
            n_windows=args.n_windows,
            classifier=args.classifier,
            layouts="ibl" if args.ibl_data else "builtin",
            n_layouts=len(layouts),
            seed=args.seed,
            regions=sorted({str(r) for s in sessions for r in s.labels}),
        ),
        within_lab_leave_one_session_out=within,
        cross_lab=across,
        calibration=calibration,
        machine=machine_info(),
        runtime_s=round(time.perf_counter() - started, 1),
    )


def _print_table(results: dict) -> None:
    print(f"\n{'setting':<34}" + "".join(f"{name:>22}" for name in VARIANTS))
    rows = [(f"LOSO {lab}", v) for lab, v in results["within_lab_leave_one_session_out"].items()]
    rows += [(f"cross-lab {pair}", v) for pair, v in results["cross_lab"].items()]
    for label, variants in rows:
        cells = "".join(
            f"{variants[name]['balanced_accuracy']:>12.3f} / {variants[name]['macro_f1']:.3f}" for name in VARIANTS
        )
        print(f"{label:<34}{cells}")
    print("(balanced accuracy / macro-F1)")
    print(f"\nCalibration of {DEFAULT_VARIANT} (expected calibration error before -> after; median novelty score)")
    for setting, values in results["calibration"].items():
        print(
            f"{setting:<34}{values['ece_uncalibrated']:>8.3f} -> {values['ece_calibrated']:.3f}"
            f"   ood {values['median_ood_score']:.2f}   by objective {values['ece_calibrated_by_objective']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=10, help="subjects (one session each) per lab")
    parser.add_argument("--labs", nargs="+", default=["lab_a", "lab_b"])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per session")
    parser.add_argument("--channel-step", type=int, default=4, help="keep every k-th of 384 channels")
    parser.add_argument("--n-windows", type=int, default=20)
    parser.add_argument("--classifier", default="hgb", choices=["hgb", "logreg"])
    parser.add_argument("--ibl-data", help="folder with ibl_insertions_channels.pqt: draw real layouts")
    parser.add_argument("--max-layouts", type=int, default=0, help="use only the first N layouts (0 = all)")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "region_baselines.json"))
    args = parser.parse_args()
    results = run(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    _print_table(results)
    print(f"\nWritten {args.out} in {results['runtime_s']:.0f} s")


if __name__ == "__main__":
    main()
