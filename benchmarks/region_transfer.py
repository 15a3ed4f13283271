"""Lfp2Vec against the spectral baseline on generated sessions: held-out sessions within a lab, and across labs.

Models (each with and without HMM smoothing along the probe, suffix ``+hmm``):
``position_only`` and ``band_power+depth`` (the spectral baseline, gradient boosting), ``lfp2vec_scratch``
(fine-tuned from random initialisation), ``lfp2vec_pretrained`` (pretrained self-supervised on the training lab's
sessions, then fine-tuned), ``lfp2vec_adapted`` (that encoder's pretraining continued on the test lab's sessions,
without their labels, then fine-tuned on the training lab: cross-lab only).

Splits: for each lab, the last ``--test-sessions`` sessions are held out (within lab) and the model trained on the
others is also scored on every session of the other lab (cross-lab); different subjects in every session.
A scaling curve trains on 1, 2, 4, ... labelled sessions of the first lab. Speed: inference of a 384-channel probe
(32 windows of 3 s per channel) beside the baseline's on the same recording, and pretraining throughput.

Rerun (the committed results, on 2 CPU cores shared with other jobs; settings in the JSON):
    python benchmarks/region_transfer.py --subjects 4 --test-sessions 1 --n-windows 8 --epochs 2 \
        --finetune-epochs 8 --finetune-lr 1e-3 --scaling 1 2 --no-speed
    python benchmarks/region_transfer.py --no-accuracy --out benchmarks/results/region_transfer_speed.json
Writes: benchmarks/results/region_transfer.json (``--ibl-data ../shared/data/ibl`` draws real IBL layouts).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import confusion_matrix

from machine_info import machine_info
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.datasets import builtin_layouts, generate_region_sessions, load_ibl_layouts
from spikeinterface_xmodal.training import fit_lfp2vec_region, fit_region_baseline, pretrain_lfp2vec, summarize
from spikeinterface_xmodal.training.evaluation import HeldOutPrediction


def _estimates(model, lfp, args) -> dict:
    """Estimates without and with probe smoothing; an lfp2vec model runs its windows once for both."""
    if not hasattr(model, "window_outputs"):
        return {
            smoothing: model.predict(
                lfp, n_windows=args.n_windows, seed=args.seed, smoothing=smoothing, progress_bar=False
            )
            for smoothing in (False, True)
        }
    at_model_rate, outputs = model.window_outputs(lfp, args.n_windows, args.seed)
    return {smoothing: model.estimate_from_outputs(at_model_rate, outputs, smoothing) for smoothing in (False, True)}


def _predictions(model, sessions, args) -> dict[bool, list[HeldOutPrediction]]:
    out = {False: [], True: []}
    for session in sessions:
        true = np.asarray(session.lfp.get_property("brain_area"), dtype=str)
        for smoothing, estimate in _estimates(model, session.lfp, args).items():
            out[smoothing].append(
                HeldOutPrediction(
                    session.session_id, session.lab_id, true, estimate.labels, estimate.probabilities, estimate.classes
                )
            )
    return out


def _scores(predictions: list[HeldOutPrediction]) -> dict:
    scores = summarize(predictions)
    true = np.concatenate([p.true_labels for p in predictions])
    predicted = np.concatenate([p.labels for p in predictions])
    labels = sorted(set(true) | set(predicted))
    return dict(
        balanced_accuracy=round(scores["balanced_accuracy"], 4),
        macro_f1=round(scores["macro_f1"], 4),
        ece=round(scores["ece"], 4),
        per_session_balanced_accuracy={k: round(v, 4) for k, v in scores["per_session_balanced_accuracy"].items()},
        confusion_matrix=dict(labels=labels, counts=confusion_matrix(true, predicted, labels=labels).tolist()),
    )


def _score_model(model, name: str, test_sets: dict, args, into: dict) -> None:
    for setting, sessions in test_sets.items():
        for smoothing, predictions in _predictions(model, sessions, args).items():
            into.setdefault(setting, {})[name + ("+hmm" if smoothing else "")] = _scores(predictions)


def _lfp2vec_settings(args) -> dict:
    return dict(
        n_windows=args.n_windows, channels_per_window=args.channels_per_window, progress_bar=False, seed=args.seed
    )


def _fit_lfp2vec(train, pretrained, args) -> object:
    return fit_lfp2vec_region(
        [s.lfp for s in train],
        pretrained=pretrained,
        config=args.config,
        validation_sessions=1 if len(train) >= 2 else 0,
        min_channels_per_class=1,
        max_epochs=args.finetune_epochs,
        learning_rate=args.finetune_lr,
        patience=args.finetune_epochs,  # the budget is fixed; the best validation epoch is kept
        **_lfp2vec_settings(args),
    )


def _pretrain(recordings, folder: Path, args, init_from=None) -> dict:
    started = time.perf_counter()
    pretrained = pretrain_lfp2vec(
        [s.lfp for s in recordings],
        folder,
        config=args.config,
        init_from=init_from,
        validation_sessions=1 if len(recordings) >= 2 else 0,
        max_epochs=args.epochs,
        **_lfp2vec_settings(args),
    )
    seconds = time.perf_counter() - started
    training = pretrained.card["training"]
    windows = pretrained.card["training_data"]["n_training_windows"] * training["epochs"]
    return dict(seconds=round(seconds, 1), windows=windows, windows_per_s=round(windows / seconds, 2))


def _fit_baseline(train, feature_set: str, args):
    return fit_region_baseline(
        [s.lfp for s in train], feature_set=feature_set, n_windows=args.n_windows, seed=args.seed, progress_bar=False
    )


def _accuracy(args: argparse.Namespace, started: float) -> dict:
    """Within-lab and cross-lab scores of every model, the scaling curve, and the pretraining runs' throughput."""
    layouts = load_ibl_layouts(args.ibl_data) if args.ibl_data else list(builtin_layouts().values())
    generated = generate_region_sessions(
        n_subjects=args.subjects,
        labs=tuple(args.labs),
        duration_s=args.duration,
        seed=args.seed,
        layouts=layouts,
        channel_step=args.channel_step,
    )
    by_lab = {lab: [s for s in generated if s.lab_id == lab] for lab in args.labs}
    within, cross, pretraining, scaling, finetuning_steps = {}, {}, {}, {}, {}
    work = Path(tempfile.mkdtemp(prefix="region_transfer-"))

    def fit_lfp2vec(train, pretrained, name: str):
        model = _fit_lfp2vec(train, pretrained, args)
        finetuning_steps[name] = model.card["training"]["steps"]
        return model

    for lab, sessions in by_lab.items():
        train, held_out = sessions[: -args.test_sessions], sessions[-args.test_sessions :]
        others = {f"{lab}->{other}": by_lab[other] for other in by_lab if other != lab}
        test_sets = {f"within {lab}": held_out, **others}
        scored: dict = {}
        for name, feature_set in (("position_only", "position"), ("band_power+depth", "band_power+depth")):
            _score_model(_fit_baseline(train, feature_set, args), name, test_sets, args, scored)
            print(f"{lab}: {name} done ({time.perf_counter() - started:.0f} s)", flush=True)
        _score_model(fit_lfp2vec(train, None, f"{lab} scratch"), "lfp2vec_scratch", test_sets, args, scored)
        pretrained = work / f"pretrained-{lab}"
        pretraining[lab] = _pretrain(train, pretrained, args)
        _score_model(fit_lfp2vec(train, pretrained, f"{lab} pretrained"), "lfp2vec_pretrained", test_sets, args, scored)
        print(f"{lab}: lfp2vec scratch / pretrained done ({time.perf_counter() - started:.0f} s)", flush=True)
        for pair, target in others.items():
            adapted = work / f"adapted-{pair.replace('>', '')}"
            pretraining[f"{pair} adaptation"] = _pretrain(target, adapted, args, init_from=pretrained)
            _score_model(
                fit_lfp2vec(train, adapted, f"{pair} adapted"), "lfp2vec_adapted", {pair: target}, args, scored
            )
        within[lab] = scored.pop(f"within {lab}")
        cross.update(scored)
        print(f"{lab}: done ({time.perf_counter() - started:.0f} s)", flush=True)
    first = args.labs[0]
    train, held_out = by_lab[first][: -args.test_sessions], by_lab[first][-args.test_sessions :]
    for n in [n for n in args.scaling if n <= len(train)]:
        curve = {}
        baseline = _fit_baseline(train[:n], "band_power+depth", args)
        _score_model(baseline, "band_power+depth", {"s": held_out}, args, curve)
        lfp2vec = fit_lfp2vec(train[:n], work / f"pretrained-{first}", f"scaling {n}")
        _score_model(lfp2vec, "lfp2vec_pretrained", {"s": held_out}, args, curve)
        scaling[str(n)] = {name: values["balanced_accuracy"] for name, values in curve["s"].items()}
        print(f"scaling {n}: {scaling[str(n)]}", flush=True)
    return dict(
        settings=dict(
            subjects_per_lab=args.subjects,
            test_sessions_per_lab=args.test_sessions,
            labs=args.labs,
            duration_s=args.duration,
            channel_step=args.channel_step,
            n_windows=args.n_windows,
            channels_per_window=args.channels_per_window,
            epochs=args.epochs,
            finetune_epochs=args.finetune_epochs,
            finetune_lr=args.finetune_lr,
            depth_input=True,
            config=args.config,
            layouts="ibl" if args.ibl_data else "builtin",
            n_layouts=len(layouts),
            seed=args.seed,
            torch_threads=torch.get_num_threads(),
        ),
        within_lab=within,
        cross_lab=cross,
        scaling_curve_within_lab=dict(lab=first, held_out_sessions=args.test_sessions, balanced_accuracy=scaling),
        pretraining=pretraining,
        finetuning_steps=finetuning_steps,
    )


def run(args: argparse.Namespace) -> dict:
    """The sections asked for (accuracy, speed), with the machine and the run time."""
    started = time.perf_counter()
    torch.manual_seed(args.seed)
    results = dict(benchmark="region_transfer", package_version=__version__)
    if args.speed:
        results["speed"] = _speed(args)
        print(f"speed: {results['speed']}", flush=True)
    if args.accuracy:
        results.update(_accuracy(args, started))
    machine = dict(machine_info(), torch=torch.__version__, load_average_1_5_15_min=os.getloadavg())
    results.update(machine=machine, runtime_s=round(time.perf_counter() - started, 1))
    return results


def _speed(args) -> dict:
    """A 384-channel probe, 32 windows of 3 s per channel: lfp2vec (small config) beside the baseline, same run."""
    from spikeinterface.core import generate_recording

    from spikeinterface_xmodal.datasets.probes import build_probe
    from spikeinterface_xmodal.datasets.profiles import get_lab_profile
    from spikeinterface_xmodal.models.lfp2vec import Lfp2VecClassifier, small_config
    from spikeinterface_xmodal.region_models.lfp2vec import PREDICT_BATCH_WINDOWS, Lfp2VecRegionModel

    recording = generate_recording(num_channels=384, sampling_frequency=2500.0, durations=[100.0], seed=0)
    recording.set_probe(build_probe(get_lab_profile("lab_a")))  # in place
    train = generate_region_sessions(n_subjects=2, duration_s=30.0, seed=1, layouts=["cortex_hippocampus_thalamus"])
    baseline = fit_region_baseline([s.lfp for s in train], n_windows=8, progress_bar=False)
    classifier = Lfp2VecClassifier(small_config(depth_input=True), 4)
    classifier.set_depth_scaling(recording.get_channel_locations()[:, 1])
    lfp2vec = Lfp2VecRegionModel(classifier, ["a", "b", "c", "d"])
    timings = {}
    for name, model in (("band_power+depth_baseline", baseline), ("lfp2vec_small", lfp2vec)):
        started = time.perf_counter()
        model.predict(recording, n_windows=32, n_jobs=1, progress_bar=False)
        timings[name] = round(time.perf_counter() - started, 2)
    return dict(
        recording="384 channels, 2500 Hz, 32 windows of 3 s per channel (12,288 channel-windows)",
        seconds=timings,
        lfp2vec_over_baseline=round(timings["lfp2vec_small"] / timings["band_power+depth_baseline"], 2),
        lfp2vec_channel_windows_per_s=round(384 * 32 / timings["lfp2vec_small"], 1),
        lfp2vec_batch_windows=PREDICT_BATCH_WINDOWS,
        torch_threads="1 (n_jobs=1: read_windows limits BLAS / OpenMP threads to max_threads_per_worker, default 1)",
        load_average_1_5_15_min=os.getloadavg(),
        gpu="not measured: no GPU was lent to this run",
    )


def _print_table(results: dict) -> None:
    print("speed", json.dumps(results.get("speed")))
    if "within_lab" not in results:
        return
    rows = [(f"within {lab}", v) for lab, v in results["within_lab"].items()]
    rows += list(results["cross_lab"].items())
    for label, models in rows:
        print(f"\n{label}")
        for name, v in models.items():
            scores = f"bal.acc {v['balanced_accuracy']:.3f}  macro-F1 {v['macro_f1']:.3f}  ECE {v['ece']:.3f}"
            print(f"  {name:<24} {scores}")
    print("\nscaling", json.dumps(results["scaling_curve_within_lab"]["balanced_accuracy"]))
    print("pretraining", json.dumps(results["pretraining"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=6, help="subjects (one session each) per lab")
    parser.add_argument("--test-sessions", type=int, default=2, help="held-out sessions per lab (within lab)")
    parser.add_argument("--labs", nargs="+", default=["lab_a", "lab_b"])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per session")
    parser.add_argument("--channel-step", type=int, default=8, help="keep every k-th of 384 channels")
    parser.add_argument("--n-windows", type=int, default=8, help="windows per session (training and prediction)")
    parser.add_argument("--channels-per-window", type=int, default=16, help="lfp2vec: channels drawn per window")
    parser.add_argument("--epochs", type=int, default=4, help="lfp2vec: epochs of pretraining")
    parser.add_argument("--finetune-epochs", type=int, default=20, help="lfp2vec: epochs of fine-tuning")
    parser.add_argument("--finetune-lr", type=float, default=1e-3, help="lfp2vec: fine-tuning learning rate")
    parser.add_argument("--scaling", type=int, nargs="+", default=[1, 2, 4, 8, 16], help="labelled sessions")
    parser.add_argument("--config", default="small", help="lfp2vec encoder config")
    parser.add_argument("--ibl-data", help="folder with ibl_insertions_channels.pqt: draw real layouts")
    parser.add_argument("--no-speed", dest="speed", action="store_false", help="skip the speed measurements")
    parser.add_argument("--no-accuracy", dest="accuracy", action="store_false", help="measure speed only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "region_transfer.json"))
    args = parser.parse_args()
    results = run(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    _print_table(results)
    print(f"\nWritten {args.out} in {results['runtime_s']:.0f} s")


if __name__ == "__main__":
    main()
