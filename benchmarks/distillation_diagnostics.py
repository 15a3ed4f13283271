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
- ``linear_student``: a ridge from the LFP (20 ms means, bins -5..+5) to the teacher's standardised latents,
  5 contiguous folds: its mean cosine similarity to them (what the alignment loss measures) and the behaviour
  R^2 of its predictions, i.e. what an LFP model that matched the teacher as a linear map does could give.

Rerun:  nice python benchmarks/distillation_diagnostics.py [--sessions 4] [--trials 30] [--max-epochs 20]
Writes: benchmarks/results/distillation_diagnostics.json
"""

from __future__ import annotations

import argparse
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
from spikeinterface_xmodal.training import distill_lfp_student, fit_spike_teacher

OLD_LEARNING_RATE = 3e-3
NEW_LEARNING_RATE = 1e-2
TRUE_LATENTS = ("slow_rotation", "slow_rotation", "fast_rotation", "fast_rotation")
TRUE_LATENTS += ("preparatory", "preparatory", "task_unrelated", "task_unrelated")


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


def _fit(task: tuple) -> dict:
    learning_rate, args = task
    torch.set_num_threads(1)
    sessions = generate_latent_sessions(args["sessions"], n_trials=args["trials"], seed=args["seed"])
    teacher = fit_spike_teacher(sessions, max_epochs=args["max_epochs"], seed=args["seed"], learning_rate=learning_rate)
    scores = [_r2(s, *teacher.latents(as_distillation_session(s))) for s in sessions]
    out = {"learning_rate": learning_rate, "teacher_r2": [round(v, 4) for v in scores]}
    if learning_rate == NEW_LEARNING_RATE:
        out["probes"] = [_probe(s, teacher) for s in sessions]
        student = distill_lfp_student(sessions, teacher=teacher, max_epochs=args["max_epochs"], seed=args["seed"])
        out["adaptation"] = [_adaptation(s, teacher, student) for s in sessions]
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
        "per_session": probes,
        "adaptation_per_session": adaptation,
    }
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(
        json.dumps({k: result[k] for k in ("learning_rate", "teacher_holds", "linear_student", "adaptation")}, indent=1)
    )


if __name__ == "__main__":
    main()
