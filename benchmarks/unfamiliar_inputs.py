"""Confidence and novelty of the default region model on inputs unlike its training data.

A model is trained (``fit_region_baseline``, defaults, with calibration) on generated sessions of one lab;
then ``predict`` runs on (a) held-out sessions of the same lab, (b) held-out sessions of the other lab,
(c) white noise on the same probe, (d) the held-out sessions' AP band (300-6000 Hz of the 30 kHz
wide-band recording) passed as if it were LFP. For each: balanced accuracy where there is a truth, mean
confidence (probability of the predicted region), median novelty score, and whether
``OutOfDistributionWarning`` was raised.

Rerun (about 2 minutes on 2 cores)::

    python benchmarks/unfamiliar_inputs.py [--subjects 6]

Writes ``benchmarks/results/unfamiliar_inputs.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from spikeinterface.core import NumpyRecording
from spikeinterface.preprocessing import bandpass_filter

from machine_info import machine_info
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.datasets import generate_region_sessions
from spikeinterface_xmodal.region_models import OutOfDistributionWarning
from spikeinterface_xmodal.training import fit_region_baseline, score_regions


def _white_noise(like, seed: int) -> NumpyRecording:
    rng = np.random.default_rng(seed)
    traces = rng.standard_normal((like.get_num_samples(), like.get_num_channels())).astype("float32")
    noise = NumpyRecording(
        [traces * np.std(like.get_traces(end_frame=10000))], like.sampling_frequency, channel_ids=like.channel_ids
    )
    noise.set_probe(like.get_probe(), in_place=True)
    return noise


def _summary(model, recordings, truths, n_windows: int) -> dict:
    confidence, ood, warned, accuracy = [], [], [], []
    for recording, truth in zip(recordings, truths, strict=True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimate = model.predict(recording, n_windows=n_windows, progress_bar=False)
        confidence.append(float(estimate.probabilities.max(axis=1).mean()))
        ood.append(float(np.median(estimate.ood_score)))
        warned.append(any(issubclass(w.category, OutOfDistributionWarning) for w in caught))
        if truth is not None:
            accuracy.append(score_regions(truth, estimate.labels)["balanced_accuracy"])
    return dict(
        n_sessions=len(recordings),
        balanced_accuracy=round(float(np.mean(accuracy)), 3) if accuracy else None,
        mean_confidence=round(float(np.mean(confidence)), 3),
        median_ood_score=round(float(np.median(ood)), 2),
        sessions_warned=int(np.sum(warned)),
    )


def run(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    kwargs = dict(n_subjects=args.subjects + args.held_out, duration_s=args.duration, channel_step=args.channel_step)
    lab_a = generate_region_sessions(labs=("lab_a",), seed=args.seed, **kwargs)
    lab_b = generate_region_sessions(labs=("lab_b",), seed=args.seed + 1, **kwargs)[: args.held_out]
    train, held_out = lab_a[: args.subjects], lab_a[args.subjects :]
    model = fit_region_baseline([s.lfp for s in train], n_windows=args.n_windows, seed=args.seed)
    truth = [s.lfp.get_property("brain_area") for s in held_out]
    inputs = {
        "held-out sessions, same lab": ([s.lfp for s in held_out], truth),
        "held-out sessions, other lab": ([s.lfp for s in lab_b], [s.lfp.get_property("brain_area") for s in lab_b]),
        "white noise, same probe": ([_white_noise(s.lfp, i) for i, s in enumerate(held_out)], [None] * len(held_out)),
        "AP band passed as LFP": (
            [bandpass_filter(s.recording, freq_min=300.0, freq_max=6000.0) for s in held_out],
            [None] * len(held_out),
        ),
    }
    return dict(
        benchmark="unfamiliar_inputs",
        package_version=__version__,
        settings=dict(
            training_sessions=args.subjects,
            held_out_sessions=args.held_out,
            duration_s=args.duration,
            channel_step=args.channel_step,
            n_windows=args.n_windows,
            seed=args.seed,
            model="fit_region_baseline defaults (gradient boosting, lfp+depth, HMM, calibration, novelty)",
        ),
        results={name: _summary(model, *data, args.n_windows) for name, data in inputs.items()},
        machine=machine_info(),
        runtime_s=round(time.perf_counter() - started, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=6, help="training sessions (lab A)")
    parser.add_argument("--held-out", type=int, default=3, help="held-out sessions per input kind")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--channel-step", type=int, default=4)
    parser.add_argument("--n-windows", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "unfamiliar_inputs.json"))
    args = parser.parse_args()
    results = run(args)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(f"{'input':<32}{'bal. acc.':>10}{'confidence':>12}{'median ood':>12}{'warned':>8}")
    for name, r in results["results"].items():
        accuracy = "-" if r["balanced_accuracy"] is None else f"{r['balanced_accuracy']:.3f}"
        print(
            f"{name:<32}{accuracy:>10}{r['mean_confidence']:>12.3f}{r['median_ood_score']:>12.2f}"
            f"{r['sessions_warned']:>5}/{r['n_sessions']}"
        )
    print(f"Written {args.out} in {results['runtime_s']:.0f} s")


if __name__ == "__main__":
    main()
