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

Every Lfp2Vec fit gets at least ``--finetune-steps`` optimiser steps of 32 windows (whole epochs, so that no
step is trained after the last validation and then thrown away when the best epoch is loaded back), whatever the
number of labelled sessions; steps, epochs and the validation losses of every fit are in ``finetuning_steps``.
The Lfp2Vec fits hold one of their training sessions out for validation (best epoch, calibration) when they
have two or more; the spectral baselines train on all of them. ``embedding_probe``: linear probes of lab and
region on per-channel representations (pretrained encoder, fine-tuned model, band power).

Rerun (the committed results: 2 CPU cores, one process at load ~1-2, ``torch.set_num_threads(1)``, about an hour;
settings chosen so that ~2,300 fine-tuning steps at ~0.85 s a step fit in that hour):
    nice -n 10 python benchmarks/region_transfer.py --subjects 18 --test-sessions 2 --n-windows 8 \
        --channels-per-window 32 --finetune-steps 200 --pretrain-steps 240 --adapt-steps 120 \
        --scaling 1 2 4 8 16 --torch-threads 1 --no-speed
    nice -n 10 python benchmarks/region_transfer.py --ibl-data ../shared/data/ibl --subjects 6 --test-sessions 2 \
        --n-windows 8 --channels-per-window 32 --finetune-steps 200 --pretrain-steps 120 --adapt-steps 60 \
        --scaling 1 4 --torch-threads 1 --no-speed --out benchmarks/results/region_transfer_ibl.json  # ~31 min
    python benchmarks/region_transfer.py --no-accuracy --out benchmarks/results/region_transfer_speed.json
Writes: benchmarks/results/region_transfer.json (``--ibl-data ../shared/data/ibl`` draws real IBL layouts).
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, confusion_matrix
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from machine_info import machine_info
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.datasets import builtin_layouts, generate_region_sessions, load_ibl_layouts
from spikeinterface_xmodal.training import (
    TrainerSettings,
    fit_lfp2vec_region,
    fit_region_baseline,
    pretrain_lfp2vec,
    summarize,
)
from spikeinterface_xmodal.training.evaluation import HeldOutPrediction
from spikeinterface_xmodal.training.labelled_sessions import UNLABELLED, channel_labels


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


# the package defaults (32 windows a step): read from it, so that the step arithmetic follows a changed default
BATCH_ITEMS = TrainerSettings().batch_size
CHANNELS_PER_ITEM = inspect.signature(fit_lfp2vec_region).parameters["channels_per_item"].default


def _epochs_for(sessions, target_steps: int, args, labelled: bool) -> int:
    """Whole epochs giving at least ``target_steps`` optimiser steps on these sessions (one held out if >= 2).

    Whole epochs, not ``max_steps``: Lightning validates at epoch ends only, and the best validation epoch's
    weights are loaded back, so steps after the last validation would be trained and then thrown away.
    """
    fitted = sessions[1:] if len(sessions) >= 2 else sessions  # the size of the training part is what counts
    items = 0
    for session in fitted:
        usable = session.lfp.get_num_channels()
        if labelled:
            usable = int(np.sum(channel_labels(session.lfp, "brain_area") != UNLABELLED))
        items += args.n_windows * math.ceil(min(usable, args.channels_per_window) / CHANNELS_PER_ITEM)
    return max(1, math.ceil(target_steps / math.ceil(items / BATCH_ITEMS)))


def _fit_lfp2vec(train, pretrained, args, checkpoint_dir: Path) -> object:
    epochs = _epochs_for(train, args.finetune_steps, args, labelled=True)
    return fit_lfp2vec_region(
        [s.lfp for s in train],
        pretrained=pretrained,
        config=args.config,
        validation_sessions=1 if len(train) >= 2 else 0,
        min_channels_per_class=1,
        max_epochs=epochs,
        learning_rate=args.finetune_lr,
        patience=epochs,  # the budget is fixed; the best validation epoch is kept
        checkpoint_dir=checkpoint_dir,  # to read which epoch was kept (best-epoch=N.ckpt)
        **_lfp2vec_settings(args),
    )


def _pretrain(recordings, folder: Path, args, init_from=None) -> dict:
    started = time.perf_counter()
    steps = args.adapt_steps if init_from is not None else args.pretrain_steps
    epochs = _epochs_for(recordings, steps, args, labelled=False)
    pretrained = pretrain_lfp2vec(
        [s.lfp for s in recordings],
        folder,
        config=args.config,
        init_from=init_from,
        validation_sessions=1 if len(recordings) >= 2 else 0,
        max_epochs=epochs,
        patience=epochs,
        **_lfp2vec_settings(args),
    )
    seconds = time.perf_counter() - started
    training = pretrained.card["training"]
    windows = pretrained.card["training_data"]["n_training_windows"] * training["epochs"]
    return dict(
        seconds=round(seconds, 1),
        windows=windows,
        windows_per_s=round(windows / seconds, 2),
        steps=training["steps"],
        epochs=training["epochs"],
        sessions=len(recordings),
    )


def _fit_baseline(train, feature_set: str, args):
    return fit_region_baseline(
        [s.lfp for s in train], feature_set=feature_set, n_windows=args.n_windows, seed=args.seed, progress_bar=False
    )


def _fit_record(model, checkpoint_dir: Path) -> dict:
    """Steps of a fit, and which epoch's weights were kept (the best validation epoch's, when validated)."""
    training = model.card["training"]
    metrics = training.get("metrics", {})
    record = dict(steps=training["steps"], epochs=training["epochs"])
    best = sorted(checkpoint_dir.glob("best-epoch=*.ckpt"))
    if "best_val_loss" in training and len(best) == 1:
        kept_epoch = int(best[0].stem.split("=")[1]) + 1  # Lightning counts epochs from 0
        record.update(kept_epoch=kept_epoch, steps_of_kept_weights=training["steps"] // training["epochs"] * kept_epoch)
    shutil.rmtree(checkpoint_dir, ignore_errors=True)
    if "best_val_loss" in training and "val_loss" in metrics:
        record.update(best_val_loss=round(training["best_val_loss"], 4), last_val_loss=round(metrics["val_loss"], 4))
        record["kept_last_epoch"] = bool(math.isclose(training["best_val_loss"], metrics["val_loss"], rel_tol=1e-6))
    return record


def _settings(args, layouts) -> dict:
    return dict(
        subjects_per_lab=args.subjects,
        test_sessions_per_lab=args.test_sessions,
        labs=args.labs,
        duration_s=args.duration,
        channel_step=args.channel_step,
        n_windows=args.n_windows,
        channels_per_window=args.channels_per_window,
        windows_per_step=BATCH_ITEMS * CHANNELS_PER_ITEM,
        finetune_steps_at_least=args.finetune_steps,
        pretrain_steps_at_least=args.pretrain_steps,
        adapt_steps_at_least=args.adapt_steps,
        finetune_lr=args.finetune_lr,
        depth_input=True,
        config=args.config,
        layouts="ibl" if args.ibl_data else "builtin",
        n_layouts=len(layouts),
        scaling=args.scaling,
        seed=args.seed,
        torch_threads=torch.get_num_threads(),
        notes=args.notes,
    )


def _accuracy(args: argparse.Namespace, started: float, save) -> dict:
    """Within-lab and cross-lab scores of every model, the scaling curve, and the pretraining runs' throughput.

    ``save(results)`` is called after every lab and every point of the scaling curve (partial results).
    """
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
    kept = {}  # models of the first lab, reused by the scaling curve and the embedding probe
    results = dict(
        settings=_settings(args, layouts),
        within_lab=within,
        cross_lab=cross,
        scaling_curve_within_lab=dict(
            lab=args.labs[0], held_out_sessions=args.test_sessions, balanced_accuracy=scaling
        ),
        pretraining=pretraining,
        finetuning_steps=finetuning_steps,
    )

    def fit_lfp2vec(train, pretrained, name: str):
        fit_started = time.perf_counter()
        checkpoints = work / "checkpoints" / name.replace(" ", "_").replace(">", "")
        model = _fit_lfp2vec(train, pretrained, args, checkpoints)
        finetuning_steps[name] = dict(
            _fit_record(model, checkpoints), sessions=len(train), seconds=round(time.perf_counter() - fit_started, 1)
        )
        print(f"  fit {name}: {finetuning_steps[name]}", flush=True)
        return model

    for lab, sessions in by_lab.items():
        train, held_out = sessions[: -args.test_sessions], sessions[-args.test_sessions :]
        others = {f"{lab}->{other}": by_lab[other] for other in by_lab if other != lab}
        test_sets = {f"within {lab}": held_out, **others}
        scored: dict = {}
        for name, feature_set in (("position_only", "position"), ("band_power+depth", "band_power+depth")):
            model = _fit_baseline(train, feature_set, args)
            kept[(lab, name)] = model
            _score_model(model, name, test_sets, args, scored)
            print(f"{lab}: {name} done ({time.perf_counter() - started:.0f} s)", flush=True)
        _score_model(fit_lfp2vec(train, None, f"{lab} scratch"), "lfp2vec_scratch", test_sets, args, scored)
        pretrained = work / f"pretrained-{lab}"
        pretraining[lab] = _pretrain(train, pretrained, args)
        print(f"  pretraining {lab}: {pretraining[lab]}", flush=True)
        model = fit_lfp2vec(train, pretrained, f"{lab} pretrained")
        kept[(lab, "lfp2vec_pretrained")] = model
        _score_model(model, "lfp2vec_pretrained", test_sets, args, scored)
        print(f"{lab}: lfp2vec scratch / pretrained done ({time.perf_counter() - started:.0f} s)", flush=True)
        for pair, target in others.items():
            adapted = work / f"adapted-{pair.replace('>', '')}"
            pretraining[f"{pair} adaptation"] = _pretrain(target, adapted, args, init_from=pretrained)
            print(f"  adaptation {pair}: {pretraining[f'{pair} adaptation']}", flush=True)
            _score_model(
                fit_lfp2vec(train, adapted, f"{pair} adapted"), "lfp2vec_adapted", {pair: target}, args, scored
            )
        within[lab] = scored.pop(f"within {lab}")
        cross.update(scored)
        print(f"{lab}: done ({time.perf_counter() - started:.0f} s)", flush=True)
        save(results)
    first = args.labs[0]
    train, held_out = by_lab[first][: -args.test_sessions], by_lab[first][-args.test_sessions :]
    for n in [n for n in args.scaling if n <= len(train)]:
        curve = {}
        full = n == len(train)  # the within-lab models of the first lab were fitted on exactly these sessions
        baseline = kept[(first, "band_power+depth")] if full else _fit_baseline(train[:n], "band_power+depth", args)
        _score_model(baseline, "band_power+depth", {"s": held_out}, args, curve)
        if full:
            lfp2vec = kept[(first, "lfp2vec_pretrained")]
            finetuning_steps[f"scaling {n}"] = dict(
                finetuning_steps[f"{first} pretrained"], same_fit_as=f"{first} pretrained"
            )
        else:
            lfp2vec = fit_lfp2vec(train[:n], work / f"pretrained-{first}", f"scaling {n}")
        _score_model(lfp2vec, "lfp2vec_pretrained", {"s": held_out}, args, curve)
        scaling[str(n)] = {name: values["balanced_accuracy"] for name, values in curve["s"].items()}
        print(f"scaling {n}: {scaling[str(n)]} ({time.perf_counter() - started:.0f} s)", flush=True)
        save(results)
    if args.probe:
        results["embedding_probe"] = _embedding_probe(by_lab, kept, work / f"pretrained-{first}", args)
        print(f"probe: {json.dumps(results['embedding_probe'])} ({time.perf_counter() - started:.0f} s)", flush=True)
    return results


def _probe_scores(features: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> float | None:
    """Balanced accuracy of a logistic-regression probe, cross-validated over whole sessions (up to 5 folds).

    None when there are fewer than 3 sessions or a training fold holds one class only.
    """
    n_splits = min(5, len(set(groups)))
    if n_splits < 3 or len(set(labels)) < 2:
        return None
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced"))
    try:
        predicted = cross_val_predict(probe, features, labels, groups=groups, cv=GroupKFold(n_splits=n_splits))
    except ValueError:
        return None
    return round(float(balanced_accuracy_score(labels, predicted)), 4)


def _embedding_probe(by_lab: dict, kept: dict, pretrained: Path, args) -> dict:
    """Do the representations tell labs apart more than regions? Linear probes on per-channel representations.

    Representations of every session of both labs (labelled channels of regions that both labs have):
    the pretrained encoder's embedding (no fine-tuning), the fine-tuned ``lfp2vec_pretrained`` model's embedding
    (first lab), and the spectral baseline's band power (no depth). Probes: lab (cross-validated over
    sessions), region (cross-validated over sessions), and region trained on one lab, tested on the other.
    """
    from spikeinterface_xmodal.models.lfp2vec import Lfp2VecClassifier
    from spikeinterface_xmodal.region_models.base import lfp_at_rate
    from spikeinterface_xmodal.region_models.lfp2vec import Lfp2VecRegionModel
    from spikeinterface_xmodal.region_models.spectral_features import channel_features
    from spikeinterface_xmodal.tokenizers import compute_spectral_tokens
    from spikeinterface_xmodal.training import PretrainedLfp2Vec

    first, second = list(by_lab)[:2]
    sessions = by_lab[first] + by_lab[second]
    encoder = PretrainedLfp2Vec.load(pretrained)
    classifier = Lfp2VecClassifier(encoder.config, 2)  # the head is unused: embeddings are read before it
    classifier.load_encoder(encoder.network.encoder)
    frozen = Lfp2VecRegionModel(classifier.eval(), ["a", "b"])
    baseline = kept[(first, "band_power+depth")]

    def band_power(lfp):
        lfp = lfp_at_rate(lfp, baseline.sampling_frequency, baseline.tokenizer.max_frequency)
        tokens = compute_spectral_tokens(lfp, baseline.tokenizer, n_windows=args.n_windows, seed=args.seed)
        return channel_features(tokens, lfp.get_channel_locations(), "band_power")[0]

    representations = {
        "lfp2vec_pretrained_encoder": lambda lfp: frozen.embed(lfp, args.n_windows, args.seed),
        "lfp2vec_pretrained_finetuned": lambda lfp: kept[(first, "lfp2vec_pretrained")].embed(
            lfp, args.n_windows, args.seed
        ),
        "band_power": band_power,
    }
    regions = [channel_labels(s.lfp, "brain_area") for s in sessions]
    labs = np.concatenate([[s.lab_id] * len(r) for s, r in zip(sessions, regions, strict=True)])
    groups = np.concatenate([[s.session_id] * len(r) for s, r in zip(sessions, regions, strict=True)])
    regions = np.concatenate(regions)
    shared = sorted(set(regions[labs == first]) & set(regions[labs == second]) - {UNLABELLED})
    keep = np.isin(regions, shared)
    out = dict(
        sessions={first: len(by_lab[first]), second: len(by_lab[second])},
        shared_regions=shared,
        channels=int(keep.sum()),
        chance=dict(lab=0.5, region=round(1 / len(shared), 4)),
    )
    for name, represent in representations.items():
        features = np.concatenate([represent(s.lfp) for s in sessions])[keep]
        lab, region, group = labs[keep], regions[keep], groups[keep]
        transfer = {}
        for train_lab, test_lab in ((first, second), (second, first)):
            probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced"))
            probe.fit(features[lab == train_lab], region[lab == train_lab])
            predicted = probe.predict(features[lab == test_lab])
            transfer[f"{train_lab}->{test_lab}"] = round(
                float(balanced_accuracy_score(region[lab == test_lab], predicted)), 4
            )
        per_region_lab = {r: _probe_scores(features[region == r], lab[region == r], group[region == r]) for r in shared}
        out[name] = dict(
            n_features=int(features.shape[1]),
            lab_probe=_probe_scores(features, lab, group),
            lab_probe_within_region=per_region_lab,
            region_probe=_probe_scores(features, region, group),
            region_probe_across_labs=transfer,
        )
    return out


def run(args: argparse.Namespace) -> dict:
    """The sections asked for (accuracy, speed), with the machine and the run time."""
    started = time.perf_counter()
    torch.set_num_threads(args.torch_threads)
    torch.manual_seed(args.seed)
    results = dict(benchmark="region_transfer", package_version=__version__)

    def save(partial: dict) -> None:
        machine = dict(machine_info(), torch=torch.__version__, load_average_1_5_15_min=os.getloadavg())
        snapshot = dict(results, **partial, machine=machine, runtime_s=round(time.perf_counter() - started, 1))
        snapshot["partial"] = "run still going: the sections present are complete, the others are missing"
        _write(snapshot, args.out)

    if args.speed:
        results["speed"] = _speed(args)
        print(f"speed: {results['speed']}", flush=True)
    if args.accuracy:
        results.update(_accuracy(args, started, save))
    machine = dict(machine_info(), torch=torch.__version__, load_average_1_5_15_min=os.getloadavg())
    results.update(machine=machine, runtime_s=round(time.perf_counter() - started, 1))
    return results


def _write(results: dict, out: str) -> None:
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(results, indent=2))


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
    parser.add_argument("--pretrain-steps", type=int, default=300, help="lfp2vec: pretraining steps, at least")
    parser.add_argument("--adapt-steps", type=int, default=150, help="lfp2vec: steps of adaptation, at least")
    parser.add_argument("--finetune-steps", type=int, default=200, help="lfp2vec: fine-tuning steps per fit, at least")
    parser.add_argument("--finetune-lr", type=float, default=1e-3, help="lfp2vec: fine-tuning learning rate")
    parser.add_argument("--scaling", type=int, nargs="+", default=[1, 2, 4, 8, 16], help="labelled sessions")
    parser.add_argument("--config", default="small", help="lfp2vec encoder config")
    parser.add_argument("--ibl-data", help="folder with ibl_insertions_channels.pqt: draw real layouts")
    parser.add_argument("--no-speed", dest="speed", action="store_false", help="skip the speed measurements")
    parser.add_argument("--no-accuracy", dest="accuracy", action="store_false", help="measure speed only")
    parser.add_argument("--no-probe", dest="probe", action="store_false", help="skip the embedding probes")
    parser.add_argument("--torch-threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--notes", default="", help="why these settings (stored in the JSON)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "region_transfer.json"))
    args = parser.parse_args()
    results = run(args)
    _write(results, args.out)
    _print_table(results)
    print(f"\nWritten {args.out} in {results['runtime_s']:.0f} s")


if __name__ == "__main__":
    main()
