"""Why the spike teacher sits below a ridge on smoothed spikes, and what its latents give the LFP student.

On the first ``--sessions`` generated latent-dynamics sessions, with the package's default model sizes:

- ``learning_rate``: the teacher trained ``--max-epochs`` epochs at the old default learning rate (3e-3) and
  at the new one (1e-2); behaviour R^2 of its latents (``decode_behaviour``, 5 folds of held-out trials).
- ``teacher_holds``: R^2 of a ridge from the teacher's latents to each of the generator's eight true latents
  (0-1 slow rotation, 2-3 fast rotation, 4-5 preparation, 6-7 task-unrelated), 5 contiguous folds.
- ``adaptation``: a student distilled from that teacher (same epochs), on each session its trained read-in,
  a read-in refitted by ``adapt`` (new read-out too, as for a new session), and a read-in refitted with that
  session's trained read-out copied and frozen (``adapt(read_out_from=...)``): behaviour R^2 and correlation
  of the latents with the teacher's (per dimension, over time).
- ``adaptation_settings``: read-ins fitted by ``adapt`` (reconstruction only) on each distilled session (a refit)
  and on ``--unseen`` sessions never trained on, for the student and a multi-session LFP model trained on the
  same sessions, with the old adapt options (20 epochs at 1e-2) and with ``adapt``'s defaults: behaviour R^2.
- ``warm_start``: the student's adapt on each distilled session starting from that session's trained read-in and
  read-out (``adapt(start_from=...)``) beside a start from random weights: behaviour R^2 and held-out
  reconstruction loss (is the trained read-in a worse optimum of reconstruction, or one that is hard to reach?).
- ``adaptation_objectives``: the student's adapt with two unsupervised terms added to reconstruction: matching the
  mean, covariance and lag 1/2/5 covariances of its latents to those of the distilled sessions (NoMAD-style
  distribution alignment), and pulling masked bins' latents to the same bins' unmasked latents (data2vec-style):
  behaviour R^2 on refitted and unseen sessions.
- ``linear_student``: a ridge from the LFP (20 ms means, bins -5..+5) to the teacher's standardised latents,
  5 contiguous folds: its mean cosine similarity to them (what the alignment loss measures) and the behaviour
  R^2 of its predictions, i.e. what an LFP model that matched the teacher as a linear map does could give.

Rerun:  nice python benchmarks/distillation_diagnostics.py [--sessions 4] [--unseen 2] [--trials 30] [--max-epochs 20]
Writes: benchmarks/results/distillation_diagnostics.json
"""

from __future__ import annotations

import argparse
import copy
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_predict

from machine_info import machine_info
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.datasets import generate_latent_sessions
from spikeinterface_xmodal.distillation import as_distillation_session, decode_behaviour
from spikeinterface_xmodal.distillation.binning import bin_lfp
from spikeinterface_xmodal.models.lfp_student import LFPStudent
from spikeinterface_xmodal.training import (
    LFPLatentModel,
    TrainerOptions,
    distill_lfp_student,
    fit_lfp_model,
    fit_spike_teacher,
)

OLD_LEARNING_RATE = 3e-3
NEW_LEARNING_RATE = 1e-2
TRUE_LATENTS = ("slow_rotation", "slow_rotation", "fast_rotation", "fast_rotation")
TRUE_LATENTS += ("preparatory", "preparatory", "task_unrelated", "task_unrelated")
OLD_ADAPT_OPTIONS = {"max_epochs": 20, "learning_rate": 1e-2, "patience": 5}
MOMENT_LAGS = (1, 2, 5)


def _r2(session, times, latents) -> float:
    return decode_behaviour(times, latents, session.behaviour_times, session.behaviour, trials=session.trials)["r2"]


def _cross_validated(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return cross_val_predict(RidgeCV(alphas=(1.0, 10.0, 100.0, 1000.0)), x, y, cv=KFold(5))


def _r2_columns(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return 1 - ((predicted - truth) ** 2).sum(0) / ((truth - truth.mean(0)) ** 2).sum(0)


def _probe(session, teacher) -> dict:
    times, latents = teacher.latents(as_distillation_session(session))
    target = (latents - latents.mean(0)) / latents.std(0)
    truth = np.column_stack([np.interp(times, session.behaviour_times, column) for column in session.latents.T])
    lfp = bin_lfp(session.lfp, teacher.bin_s)
    lfp = (lfp - lfp.mean(0)) / lfp.std(0)
    lagged = np.concatenate([np.roll(lfp, lag, axis=0) for lag in range(-5, 6)], axis=1)
    linear = _cross_validated(lagged, target)
    cosine = (linear * target).sum(1) / (np.linalg.norm(linear, axis=1) * np.linalg.norm(target, axis=1))
    return {
        "teacher_holds": [round(float(v), 3) for v in _r2_columns(truth, _cross_validated(target, truth))],
        "linear_student_cosine": round(float(cosine.mean()), 4),
        "linear_student_r2": round(_r2(session, times, linear), 4),
        "teacher_r2": round(_r2(session, times, latents), 4),
    }


class _MomentMatching(LFPStudent):
    """Reconstruction + the gap between the whitened moments of the unmasked latents and the distilled sessions'."""

    reference: dict

    def loss(self, session_id, lfp, teacher_latents=None, alignment_weight=0.0, mask=None):
        whitened = (self.latents(session_id, lfp) - self.reference["mean"]) @ self.reference["whitening"].T
        n_windows, n_bins, width = whitened.shape
        flat = whitened.reshape(-1, width)
        gap = (flat.mean(0) ** 2).sum() + ((flat.T.cov(correction=0) - torch.eye(width)) ** 2).sum()
        for lag, target in self.reference["lagged"].items():
            lagged = torch.einsum("bti,btj->ij", whitened[:, lag:], whitened[:, :-lag]) / (n_windows * (n_bins - lag))
            gap = gap + ((lagged - target) ** 2).sum()
        return super().loss(session_id, lfp, mask=mask) + gap / width


class _LatentConsistency(LFPStudent):
    """Reconstruction + masked bins' latents pulled to the same bins' latents without a mask (scale-free)."""

    def loss(self, session_id, lfp, teacher_latents=None, alignment_weight=0.0, mask=None):
        mask = self.random_mask(*lfp.shape[:2]) if mask is None else mask
        target = self.latents(session_id, lfp).detach()
        masked = self(session_id, lfp, mask)[0]
        consistency = ((masked[mask] - target[mask]) ** 2).mean() / (target.var(dim=(0, 1)).mean() + 1e-6)
        return super().loss(session_id, lfp, mask=mask) + consistency


def _moment_reference(model, sessions) -> dict:
    """Mean, whitening and lagged covariances (whitened) of the model's latents on its trained read-ins."""
    latents = [model.latents(s.lfp, s.session_id)[1] for s in sessions]
    pooled = np.concatenate(latents)
    mean = pooled.mean(0)
    whitening = np.linalg.inv(np.linalg.cholesky(np.cov(pooled.T) + 1e-6 * np.eye(pooled.shape[1])))
    whitened = [(x - mean) @ whitening.T for x in latents]
    lagged = {lag: np.mean([w[lag:].T @ w[:-lag] / (len(w) - lag) for w in whitened], axis=0) for lag in MOMENT_LAGS}
    as_tensor = lambda x: torch.as_tensor(x, dtype=torch.float32)  # noqa: E731
    return {
        "mean": as_tensor(mean),
        "whitening": as_tensor(whitening),
        "lagged": {lag: as_tensor(x) for lag, x in lagged.items()},
    }


def _with_objective(model, module_class, **attributes) -> LFPLatentModel:
    """The model with its module's loss replaced by ``module_class``'s (what ``adapt`` then minimises)."""
    module = copy.deepcopy(model.module)
    module.__class__ = module_class
    vars(module).update(attributes)
    return LFPLatentModel(module, model.card, model.extra)


def _adapted(model, session, **adapt_kwargs) -> dict:
    adapted = model.adapt(session.lfp, session_id="refit", **adapt_kwargs)
    return {
        "r2": round(_r2(session, *adapted.latents(session.lfp)), 4),
        "held_out_reconstruction_loss": round(adapted.card["adapted"][-1]["best_val_loss"], 4),
    }


def _known_and_unseen(rows: list[dict], n_known: int) -> dict:
    r2 = [row["r2"] for row in rows]
    return {
        "distilled_sessions_refit": round(float(np.mean(r2[:n_known])), 4),
        "unseen_sessions": round(float(np.mean(r2[n_known:])), 4),
        "per_session": r2,
    }


def _adaptation_studies(known, unseen, student, multi) -> dict:
    sessions, n_known = known + unseen, len(known)
    old = TrainerOptions(**OLD_ADAPT_OPTIONS, window_bins=student.window_bins)
    settings = {
        name: {
            "20_epochs_1e-2": _known_and_unseen([_adapted(model, s, options=old) for s in sessions], n_known),
            "adapt_defaults": _known_and_unseen([_adapted(model, s) for s in sessions], n_known),
        }
        for name, model in (("distilled_lfp", student), ("multi_session_lfp", multi))
    }
    variants = {
        "moment_matching": _with_objective(student, _MomentMatching, reference=_moment_reference(student, known)),
        "latent_consistency": _with_objective(student, _LatentConsistency),
    }
    objectives = {
        name: _known_and_unseen([_adapted(model, s) for s in sessions], n_known) for name, model in variants.items()
    }
    warm_start = {
        "random_start": [_adapted(student, s) for s in known],
        "trained_start": [_adapted(student, s, start_from=s.session_id) for s in known],
    }
    return {"adaptation_settings": settings, "adaptation_objectives": objectives, "warm_start": warm_start}


def _fit(task: tuple) -> dict:
    learning_rate, args = task
    torch.set_num_threads(1)
    everything = generate_latent_sessions(args["sessions"] + args["unseen"], n_trials=args["trials"], seed=args["seed"])
    sessions, unseen = everything[: args["sessions"]], everything[args["sessions"] :]
    training = {"max_epochs": args["max_epochs"], "seed": args["seed"]}
    teacher = fit_spike_teacher(sessions, learning_rate=learning_rate, **training)
    scores = [_r2(s, *teacher.latents(as_distillation_session(s))) for s in sessions]
    out = {"learning_rate": learning_rate, "teacher_r2": [round(v, 4) for v in scores]}
    if learning_rate == NEW_LEARNING_RATE:
        out["probes"] = [_probe(s, teacher) for s in sessions]
        student = distill_lfp_student(sessions, teacher=teacher, **training)
        out["adaptation"] = [_adaptation(s, teacher, student) for s in sessions]
        out.update(_adaptation_studies(sessions, unseen, student, fit_lfp_model(sessions, **training)))
    return out


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = (a - a.mean(0)) / a.std(0), (b - b.mean(0)) / b.std(0)
    return round(float(np.mean(a * b)), 4)


def _adaptation(session, teacher, student) -> dict:
    _, target = teacher.latents(as_distillation_session(session))
    times, trained = student.latents(session.lfp, session.session_id)
    _, free = student.adapt(session.lfp, session_id="refit").latents(session.lfp)
    _, frozen = student.adapt(session.lfp, session_id="refit", read_out_from=session.session_id).latents(session.lfp)
    return {
        name: {"r2": round(_r2(session, times, latents), 4), "correlation_to_teacher": _correlation(latents, target)}
        for name, latents in (("trained_read_in", trained), ("adapt", free), ("adapt_trained_read_out", frozen))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--unseen", type=int, default=2, help="sessions never trained on (adaptation studies)")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=str(Path(__file__).parent / "results" / "distillation_diagnostics.json"))
    args = parser.parse_args()
    tasks = [(rate, vars(args)) for rate in (NEW_LEARNING_RATE, OLD_LEARNING_RATE)]
    with ProcessPoolExecutor(max_workers=2) as executor:
        new, old = executor.map(_fit, tasks)
    probes, adaptation = new.pop("probes"), new.pop("adaptation")
    mean = lambda key: round(float(np.mean([p[key] for p in probes])), 4)  # noqa: E731
    result = {
        "benchmark": "distillation_diagnostics",
        "package_version": __version__,
        "machine": machine_info(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "settings": vars(args),
        "learning_rate": {
            str(OLD_LEARNING_RATE): {
                "r2": round(float(np.mean(old["teacher_r2"])), 4),
                "per_session": old["teacher_r2"],
            },
            str(NEW_LEARNING_RATE): {
                "r2": round(float(np.mean(new["teacher_r2"])), 4),
                "per_session": new["teacher_r2"],
            },
        },
        "teacher_holds": {
            "true_latents": list(TRUE_LATENTS),
            "r2": [round(float(v), 3) for v in np.mean([p["teacher_holds"] for p in probes], axis=0)],
        },
        "linear_student": {
            "cosine_to_teacher": mean("linear_student_cosine"),
            "r2": mean("linear_student_r2"),
            "teacher_r2": mean("teacher_r2"),
        },
        "adaptation": {
            name: {
                key: round(float(np.mean([a[name][key] for a in adaptation])), 4)
                for key in ("r2", "correlation_to_teacher")
            }
            for name in adaptation[0]
        },
        **{key: new.pop(key) for key in ("adaptation_settings", "adaptation_objectives", "warm_start")},
        "per_session": probes,
        "adaptation_per_session": adaptation,
    }
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(
        json.dumps(
            {k: result[k] for k in ("learning_rate", "adaptation", "adaptation_settings", "adaptation_objectives")},
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
