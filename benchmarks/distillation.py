"""Spike-teacher / LFP-student distillation on generated latent-dynamics sessions: behaviour decoding R^2.

Models (JSON names as issue 10 fixes them): ``spike_teacher`` (its own latents; it has no read-in for unseen
sessions, so null there), ``distilled_lfp`` (student; unseen sessions through ``adapt``), ``multi_session_lfp``
(the student's code without a teacher; unseen through ``adapt``), ``single_session_lfp`` (one model per
session, trained on that session's LFP only), ``band_power_ridge`` (ridge on LFP band power, no deep model).
Reference rows: ``lfp_bins_ridge`` (ridge on the 20 ms LFP means themselves), ``smoothed_spikes_ridge``
(ridge on Gaussian-smoothed counts) and ``true_latents_ridge`` (the generator's latents: the noise ceiling).
Every R^2 is the lagged ridge of ``decode_behaviour`` over 5 folds of held-out trials, averaged over sessions.
The scaling curve trains teacher, student and multi-session LFP on the first 1, 2, 4, 8 sessions and scores
the adapted models on the same unseen sessions.

Rerun:  nice python benchmarks/distillation.py [--trials 30] [--max-epochs 20] [--scaling 1 2 4 8]
Writes: benchmarks/results/distillation.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
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
from spikeinterface_xmodal.training import distill_lfp_student, fit_lfp_model, fit_spike_teacher
from spikeinterface_xmodal.training.distill_data import spike_counts

BIN_S = 0.02
# from 4 Hz: Welch segments of 0.25 s resolve 4 Hz steps (a 1-4 Hz band would read the power floor)
BANDS = {"theta": (4.0, 8.0), "alpha": (8.0, 12.0), "beta": (12.0, 30.0), "gamma": (30.0, 80.0)}


def _r2(session, times, latents) -> float:
    return decode_behaviour(times, latents, session.behaviour_times, session.behaviour, trials=session.trials)["r2"]


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


def _mean(rows: list[dict]) -> dict:
    keys = rows[0].keys()
    return {
        k: {"r2": round(float(np.mean([r[k] for r in rows])), 4), "per_session": [round(r[k], 4) for r in rows]}
        if rows[0][k] is not None
        else {"r2": None, "note": "the teacher has no read-in for sessions it was not trained on"}
        for k in keys
    }


def _train(sessions, config, training) -> dict:
    started = time.perf_counter()
    teacher = fit_spike_teacher(sessions, config=config, **training)
    teacher_s = time.perf_counter() - started
    student = distill_lfp_student(sessions, teacher=teacher, **training)
    student_s = time.perf_counter() - started - teacher_s
    multi = fit_lfp_model(sessions, config=config, **training)
    return {
        "teacher": teacher,
        "student": student,
        "multi": multi,
        "seconds": {"spike_teacher": round(teacher_s, 1), "distilled_lfp": round(student_s, 1)},
        "epochs": {
            name: model.card["training"]["run"]["epochs"]
            for name, model in (("spike_teacher", teacher), ("distilled_lfp", student), ("multi_session_lfp", multi))
        },
    }


def _unseen_scores(models: dict, unseen, single: dict | None) -> list[dict]:
    rows = []
    for s in unseen:
        row = {
            "spike_teacher": None,
            "distilled_lfp": _r2(s, *models["student"].adapt(s.lfp).latents(s.lfp)),
            "multi_session_lfp": _r2(s, *models["multi"].adapt(s.lfp).latents(s.lfp)),
        }
        if single is not None:
            row["single_session_lfp"] = _r2(s, *single[s.session_id].latents(s.lfp))
            row.update(_references(s))
        rows.append(row)
    return rows


def _distilled_scores(models: dict, single: dict, s) -> dict:
    row = {
        "spike_teacher": _r2(s, *models["teacher"].latents(as_distillation_session(s))),
        "distilled_lfp": _r2(s, *models["student"].latents(s.lfp, s.session_id)),
        "multi_session_lfp": _r2(s, *models["multi"].latents(s.lfp, s.session_id)),
        "single_session_lfp": _r2(s, *single[s.session_id].latents(s.lfp)),
    }
    return {**row, **_references(s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30, help="trials per session")
    parser.add_argument("--distilled", type=int, default=4, help="sessions of the main comparison")
    parser.add_argument("--unseen", type=int, default=2, help="sessions never distilled")
    parser.add_argument("--scaling", type=int, nargs="*", default=[1, 2, 4, 8], help="distillation session counts")
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--output", default=str(Path(__file__).parent / "results" / "distillation.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    counts = sorted(set(args.scaling) | {args.distilled})
    sessions = generate_latent_sessions(max(counts) + args.unseen, n_trials=args.trials, seed=args.seed)
    pool, unseen = sessions[: max(counts)], sessions[max(counts) :]
    config = SessionTransformerConfig(d_model=32, n_layers=2, n_heads=4, d_latent=16)
    training = {"max_epochs": args.max_epochs, "seed": args.seed}

    distilled = pool[: args.distilled]
    single = {s.session_id: fit_lfp_model([s], config=config, **training) for s in distilled + unseen}
    result = {
        "benchmark": "distillation",
        "package_version": __version__,
        "machine": machine_info(),
        "torch_threads": torch.get_num_threads(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "settings": {**vars(args), "config": config.to_dict(), "bin_s": BIN_S},
        "published": {"multi_session_lfp_to_distilled": [[0.341, 0.538], [0.346, 0.593]]},
        "scaling": {},
    }
    for n in counts:  # the JSON is rewritten after each count, so a cut-short run keeps what it finished
        models = _train(pool[:n], config, training)
        rows = _unseen_scores(models, unseen, single if n == args.distilled else None)
        result["scaling"][str(n)] = {
            "unseen_sessions": {k: v["r2"] for k, v in _mean(rows).items() if v["r2"] is not None},
            "training_seconds": models["seconds"],
            "epochs": models["epochs"],
        }
        if n == args.distilled:
            result["default_config_cost"] = {
                "sessions": args.distilled,
                "training_seconds": models["seconds"],
                "peak_rss_mb_after_training": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
            result["distilled_sessions"] = _mean([_distilled_scores(models, single, s) for s in distilled])
            result["unseen_sessions"] = _mean(rows)
        print(n, result["scaling"][str(n)], flush=True)
        Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("distilled_sessions", "unseen_sessions")}, indent=1))


if __name__ == "__main__":
    main()
