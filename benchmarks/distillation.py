"""Spike-teacher / LFP-student distillation on generated latent-dynamics sessions: behaviour decoding R^2.

Models (JSON names as issue 10 fixes them): ``spike_teacher`` (its own latents; it has no read-in for unseen
sessions, so null there), ``distilled_lfp`` (student; unseen sessions through ``adapt``), ``multi_session_lfp``
(the student's code without a teacher; unseen through ``adapt``), ``single_session_lfp`` (one model per
session, trained on that session's LFP only), ``band_power_ridge`` (ridge on LFP band power, no deep model).
Reference rows: ``lfp_bins_ridge`` (ridge on the 20 ms LFP means themselves), ``smoothed_spikes_ridge``
(ridge on Gaussian-smoothed counts) and ``true_latents_ridge`` (the generator's latents: the noise ceiling).
Every R^2 is the lagged ridge of ``decode_behaviour`` over 5 folds of held-out trials, averaged over sessions.
The scaling curve trains teacher, student and multi-session LFP on the first 1, 2, 4, 8 sessions and scores
the adapted models on the same unseen sessions. ``adaptation_check`` refits a read-in by ``adapt`` on each
distilled session's own LFP (as if it were new) and compares it with the read-in trained with the teacher:
behaviour R^2 and correlation with the teacher's latents (per dimension, over time), i.e. whether adaptation
lands in the teacher-aligned latent space.

All models use the package defaults (``SessionTransformerConfig()``, ``TrainerOptions()``, ``adapt``'s
``ADAPT_OPTIONS``); ``--max-epochs`` can lower the training epochs' bound. Work is spread over ``--jobs``
processes of one torch thread each (on a shared machine every timing is an upper bound; the load average is
recorded).

Rerun:  nice python benchmarks/distillation.py [--trials 30] [--unseen 4] [--scaling 1 2 4 8] [--jobs 2]
Writes: benchmarks/results/distillation.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import torch
from scipy.ndimage import gaussian_filter1d

from machine_info import machine_info
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.datasets import generate_latent_sessions
from spikeinterface_xmodal.distillation import as_distillation_session, decode_behaviour
from spikeinterface_xmodal.distillation.binning import bin_lfp, bin_times
from spikeinterface_xmodal.models.session_transformer import SessionTransformerConfig
from spikeinterface_xmodal.preprocessing.band_power import band_power
from spikeinterface_xmodal.training import TrainerOptions, distill_lfp_student, fit_lfp_model, fit_spike_teacher
from spikeinterface_xmodal.training.distill_data import spike_counts
from spikeinterface_xmodal.training.distill_kinds import ADAPT_OPTIONS

BIN_S = 0.02
# from 4 Hz: Welch segments of 0.25 s resolve 4 Hz steps (a 1-4 Hz band would read the power floor)
BANDS = {"theta": (4.0, 8.0), "alpha": (8.0, 12.0), "beta": (12.0, 30.0), "gamma": (30.0, 80.0)}
NO_READ_IN = "the teacher has no read-in for sessions it was not trained on"


def _r2(session, times, latents) -> float:
    return decode_behaviour(times, latents, session.behaviour_times, session.behaviour, trials=session.trials)["r2"]


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over latent dimensions of the correlation of ``a`` and ``b`` over time (what the alignment loss sees)."""
    a, b = (a - a.mean(0)) / a.std(0), (b - b.mean(0)) / b.std(0)
    return float(np.mean((a * b).mean(0)))


def _band_power(session) -> tuple[np.ndarray, np.ndarray]:
    power = band_power(session.lfp, bands=BANDS, window_s=0.5, hop_s=BIN_S, welch_segment_s=0.25)
    return power.get_times(), power.get_traces()


def _references(session) -> dict:
    times, counts = spike_counts(as_distillation_session(session), BIN_S)
    return {
        "band_power_ridge": _r2(session, *_band_power(session)),
        "lfp_bins_ridge": _r2(session, bin_times(session.lfp, BIN_S), bin_lfp(session.lfp, BIN_S)),
        "smoothed_spikes_ridge": _r2(session, times, gaussian_filter1d(counts, 2.0, axis=0)),
        "true_latents_ridge": _r2(session, session.behaviour_times, session.latents),
    }


@cache
def _sessions(n_sessions: int, trials: int, seed: int) -> list:
    return generate_latent_sessions(n_sessions, n_trials=trials, seed=seed)


def _pool_and_unseen(args: dict) -> tuple[list, list]:
    sessions = _sessions(max(args["counts"]) + args["unseen"], args["trials"], args["seed"])
    return sessions[: max(args["counts"])], sessions[max(args["counts"]) :]


def _timed(fit, *fit_args, **kwargs):
    started = time.perf_counter()
    model = fit(*fit_args, **kwargs)
    return model, round(time.perf_counter() - started, 1)


def _run_summary(model) -> dict:
    run = model.card["training"]["run"]
    return {"epochs": run["epochs"], "stopped_early": run["stopped_early"]}


def _scaling_task(n: int, args: dict) -> dict:
    """Teacher, student and multi-session LFP on the first ``n`` sessions; unseen sessions through ``adapt``."""
    torch.set_num_threads(1)
    pool, unseen = _pool_and_unseen(args)
    training = {"max_epochs": args["max_epochs"], "seed": args["seed"]}
    distilled = pool[:n]
    teacher, teacher_s = _timed(fit_spike_teacher, distilled, **training)
    student, student_s = _timed(distill_lfp_student, distilled, teacher=teacher, **training)
    multi, multi_s = _timed(fit_lfp_model, distilled, **training)
    peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out = {
        "n": n,
        "training_seconds": {"spike_teacher": teacher_s, "distilled_lfp": student_s, "multi_session_lfp": multi_s},
        "runs": {
            k: _run_summary(m)
            for k, m in (("spike_teacher", teacher), ("distilled_lfp", student), ("multi_session_lfp", multi))
        },
        "peak_rss_mb_after_training": peak_mb,
        "unseen": [
            {
                "distilled_lfp": _r2(s, *student.adapt(s.lfp).latents(s.lfp)),
                "multi_session_lfp": _r2(s, *multi.adapt(s.lfp).latents(s.lfp)),
            }
            for s in unseen
        ],
    }
    if n == args["distilled"]:
        out["distilled"], out["adaptation_check"] = [], []
        for s in distilled:
            _, target = teacher.latents(as_distillation_session(s))
            _, trained = student.latents(s.lfp, s.session_id)
            _, refitted = student.adapt(s.lfp, session_id=f"{s.session_id}_refit").latents(s.lfp)
            out["distilled"].append(
                {
                    "spike_teacher": _r2(s, *teacher.latents(as_distillation_session(s))),
                    "distilled_lfp": _r2(s, *student.latents(s.lfp, s.session_id)),
                    "multi_session_lfp": _r2(s, *multi.latents(s.lfp, s.session_id)),
                }
            )
            times = bin_times(s.lfp, BIN_S)
            out["adaptation_check"].append(
                {
                    "distilled_lfp_trained_read_in_r2": _r2(s, times, trained),
                    "distilled_lfp_refitted_read_in_r2": _r2(s, times, refitted),
                    "multi_session_lfp_refitted_read_in_r2": _r2(
                        s, *multi.adapt(s.lfp, session_id="refit").latents(s.lfp)
                    ),
                    "correlation_to_teacher_trained_read_in": _correlation(trained, target),
                    "correlation_to_teacher_refitted_read_in": _correlation(refitted, target),
                }
            )
    return out


def _single_task(index: int, args: dict) -> dict:
    """Single-session LFP baseline on one session, and the reference decoders of that session."""
    torch.set_num_threads(1)
    pool, unseen = _pool_and_unseen(args)
    session = (pool[: args["distilled"]] + unseen)[index]
    model, seconds = _timed(fit_lfp_model, [session], max_epochs=args["max_epochs"], seed=args["seed"])
    return {
        "index": index,
        "single_session_lfp": _r2(session, *model.latents(session.lfp)),
        "training_seconds": seconds,
        **_references(session),
    }


def _task(task: tuple) -> dict:
    kind, value, args = task
    return _scaling_task(value, args) if kind == "scaling" else _single_task(value, args)


def _mean(rows: list[dict], name: str = "r2") -> dict:
    return {
        k: {name: round(float(np.mean([r[k] for r in rows])), 4), "per_session": [round(r[k], 4) for r in rows]}
        for k in rows[0]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30, help="trials per session")
    parser.add_argument("--distilled", type=int, default=4, help="sessions of the main comparison")
    parser.add_argument("--unseen", type=int, default=4, help="sessions never distilled")
    parser.add_argument("--scaling", type=int, nargs="*", default=[1, 2, 4, 8], help="distillation session counts")
    parser.add_argument("--max-epochs", type=int, default=TrainerOptions().max_epochs)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (one torch thread each)")
    parser.add_argument("--output", default=str(Path(__file__).parent / "results" / "distillation.json"))
    args = parser.parse_args()
    counts = sorted(set(args.scaling) | {args.distilled})
    shared = {**vars(args), "counts": counts}
    started = time.perf_counter()
    load_at_start = [round(v, 2) for v in os.getloadavg()]
    # largest first, so that the two workers finish together
    tasks = [("scaling", n, shared) for n in sorted(counts, reverse=True)]
    tasks += [("single", i, shared) for i in range(args.distilled + args.unseen)]
    with ProcessPoolExecutor(max_workers=args.jobs, max_tasks_per_child=1) as executor:
        results = list(executor.map(_task, tasks))
    scaling = {r["n"]: r for r in results if "n" in r}
    singles = sorted((r for r in results if "index" in r), key=lambda r: r["index"])
    main_run = scaling[args.distilled]
    single_keys = (
        "single_session_lfp",
        "band_power_ridge",
        "lfp_bins_ridge",
        "smoothed_spikes_ridge",
        "true_latents_ridge",
    )

    def rows(scored: list[dict], single_rows: list[dict]) -> list[dict]:
        return [{**a, **{k: b[k] for k in single_keys}} for a, b in zip(scored, single_rows, strict=True)]

    unseen = _mean(rows(main_run["unseen"], singles[args.distilled :]))
    result = {
        "benchmark": "distillation",
        "package_version": __version__,
        "machine": machine_info(),
        "torch_threads_per_job": 1,
        "load_average_at_start": load_at_start,
        "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
        "wall_seconds": round(time.perf_counter() - started, 1),
        "settings": {
            **vars(args),
            "config": SessionTransformerConfig().to_dict(),
            "training": {**TrainerOptions().__dict__, "max_epochs": args.max_epochs},
            "adapt": ADAPT_OPTIONS,
            "bin_s": BIN_S,
            "note": "--jobs processes ran side by side on a shared 2-core machine",
        },
        "published": {"multi_session_lfp_to_distilled": [[0.341, 0.538], [0.346, 0.593]]},
        "distilled_sessions": _mean(rows(main_run["distilled"], singles[: args.distilled])),
        "unseen_sessions": {
            "spike_teacher": {"r2": None, "note": NO_READ_IN},
            **unseen,
        },
        "adaptation_check": _mean(main_run["adaptation_check"], "mean"),
        "scaling": {
            str(n): {
                "unseen_sessions": {k: v["r2"] for k, v in _mean(r["unseen"]).items()},
                "training_seconds": r["training_seconds"],
                "runs": r["runs"],
            }
            for n, r in sorted(scaling.items())
        },
        "default_config_cost": {
            "sessions": args.distilled,
            "training_seconds": main_run["training_seconds"],
            "peak_rss_mb_after_training": main_run["peak_rss_mb_after_training"],
            "note": "one process, one torch thread, beside another benchmark process on a shared 2-core machine",
        },
        "single_session_lfp_training_seconds": [r["training_seconds"] for r in singles],
    }
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("distilled_sessions", "unseen_sessions", "scaling")}, indent=1))


if __name__ == "__main__":
    main()
