"""Region localization in a lab never seen in training: one lab's sessions against several labs' sessions.

Leave one lab out over the three lab presets (``lab_a``, ``lab_b``, ``lab_c``: different sampling rates,
probe geometries, references, mains, gains, noise; see docs/datasets.md). For each held-out lab, the default
model (every LFP feature + depth, HMM smoothing along the probe) is trained as ``fit_region_baseline`` trains
it, calibration included (temperatures fitted on its leave-one-session-out predictions), on

* the sessions of both other labs (``multi_lab``), and
* the sessions of each other lab alone (``single_lab:<lab>``),

and scored on every session of the held-out lab: balanced accuracy and macro-F1 of the pooled channels,
expected calibration error (ECE, 10 bins) before and after calibration, mean confidence and the median
novelty score. Every session is a different subject.

Rerun:  python benchmarks/region_multilab.py [--subjects 6] [--ibl-data ../shared/data/ibl]
Writes: benchmarks/results/region_multilab.json (``--out``)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from machine_info import machine_info
from region_baselines import tokenized_sessions
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.datasets import builtin_layouts, load_ibl_layouts
from spikeinterface_xmodal.training import (
    evaluate_on_sessions,
    fit_calibration,
    fit_on_sessions,
    held_out_uncalibrated,
)
from spikeinterface_xmodal.training.evaluation import predict_held_out
from spikeinterface_xmodal.training.labelled_sessions import LabelledSession
from spikeinterface_xmodal.training.region_baseline import predict_session

LABS = ("lab_a", "lab_b", "lab_c")
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "region_multilab.json"


def calibrated_model(training: list[LabelledSession], seed: int):
    """The default model fitted on ``training``, with temperatures from its leave-one-session-out predictions."""
    held_out = held_out_uncalibrated(training, seed=seed)
    model = fit_on_sessions(training, seed=seed)
    return model, fit_calibration(held_out.raw, held_out.smoothed)


def score(model, calibration, sessions: list[LabelledSession]) -> dict:
    """Scores of one model on the held-out lab's sessions, before and after calibration."""
    model.calibration = None
    uncalibrated = evaluate_on_sessions(model, sessions)
    model.calibration = calibration
    predictions = predict_held_out(model, sessions, lambda m, s: predict_session(m, s))
    calibrated = evaluate_on_sessions(model, sessions)
    novelty = np.concatenate([model.novelty_score(s.features(model.feature_set)) for s in sessions])
    return dict(
        balanced_accuracy=round(calibrated["balanced_accuracy"], 4),
        macro_f1=round(calibrated["macro_f1"], 4),
        ece_uncalibrated=round(uncalibrated["ece"], 4),
        ece_calibrated=round(calibrated["ece"], 4),
        mean_confidence=round(float(np.mean(np.concatenate([p.probabilities.max(axis=1) for p in predictions]))), 4),
        median_ood_score=round(float(np.median(novelty)), 3),
        temperature_raw=round(calibration.temperature_raw, 3),
        temperature_smoothed=round(calibration.temperature_smoothed, 3),
    )


def run(args: argparse.Namespace) -> dict:
    """Generate and tokenize every lab's sessions once, then score each held-out lab."""
    started = time.perf_counter()
    layouts = load_ibl_layouts(args.ibl_data) if args.ibl_data else list(builtin_layouts().values())
    sessions = tokenized_sessions(args, list(LABS), layouts)
    by_lab = {lab: [s for s in sessions if s.group == lab] for lab in LABS}
    single_lab = {lab: calibrated_model(by_lab[lab], args.seed) for lab in LABS}
    results = {}
    for held_out_lab in LABS:
        others = [lab for lab in LABS if lab != held_out_lab]
        multi_lab = calibrated_model([s for lab in others for s in by_lab[lab]], args.seed)
        results[held_out_lab] = {"multi_lab": score(*multi_lab, by_lab[held_out_lab])}
        for lab in others:
            results[held_out_lab][f"single_lab:{lab}"] = score(*single_lab[lab], by_lab[held_out_lab])
        print(held_out_lab, json.dumps(results[held_out_lab]), flush=True)
    return dict(
        benchmark="region_multilab",
        package_version=__version__,
        settings=dict(
            subjects_per_lab=args.subjects,
            labs=list(LABS),
            duration_s=args.duration,
            channel_step=args.channel_step,
            n_windows=args.n_windows,
            layouts="ibl" if args.ibl_data else "builtin",
            n_layouts=len(layouts),
            seed=args.seed,
        ),
        held_out_lab=results,
        machine=machine_info(),
        runtime_s=round(time.perf_counter() - started, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=6, help="sessions (subjects) per lab")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per session")
    parser.add_argument("--channel-step", type=int, default=4, help="keep every n-th of the 384 contacts")
    parser.add_argument("--n-windows", type=int, default=20, help="windows per session")
    parser.add_argument("--ibl-data", default=None, help="draw layouts from the IBL insertions in this folder")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()
    results = run(args)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(f"Written {args.out} in {results['runtime_s']:.0f} s")


if __name__ == "__main__":
    main()
