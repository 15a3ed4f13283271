"""Latent extraction throughput of the ``lfp_latents`` node (n_jobs 1 and 2) beside the model's own ``.latents`` and
SpikeInterface's bandpass filter on the same LFP.

What it measures: a generated latent-dynamics session's LFP (``--channels`` channels at ``--rate`` Hz, float32,
saved once as a binary folder and concatenated with itself to ``--duration`` seconds) and an LFP latent model
with a read-in for it (the default student sizes, trained one epoch: speed does not depend on training). Each
configuration runs ``--repeats`` times, alternating, and keeps its fastest wall time:

* ``direct``: ``model.latents(lfp)``, the model's own call on the whole recording (one process);
* ``node_traces``: the node's ``get_traces`` over the whole recording in chunks of ``--chunk-duration``, in a
  plain loop (no writer): the node's own cost;
* ``node_n_jobs_1`` / ``node_n_jobs_2``: ``lfp_latents(lfp, model=folder).save(folder=..., n_jobs=...,
  chunk_duration=...)``: the node through SpikeInterface's chunk executor, writing a binary folder (for
  ``n_jobs=2`` including the process pool's start-up, each worker importing torch and loading the model);
* ``bandpass_floor``: ``bandpass_filter(lfp, 1-100 Hz).save(...)`` with the same job kwargs, n_jobs=1: reading,
  filtering and writing the same LFP with SpikeInterface alone, a floor for any node on this recording.

SpikeInterface's binary writer runs ``gc.collect()`` after every chunk, which costs far more in a process that
has imported torch and Lightning than in a bare one: ``gc_collect_s_in_this_process`` times one such collection
here, ``chunks_per_save`` says how many each save pays. So every configuration is measured twice: as imported
(``as_imported``), then after ``gc.freeze()`` (``gc_frozen``: the objects alive after the imports and the setup
are left out of later collections, which any script can do after its imports).

Throughput is in channel-seconds of LFP per second of wall time. Ratios: ``node_traces_over_direct`` (cost of
the node's chunking and context windows, ~1 is ideal), ``node_over_direct`` (the same through the writer),
``n_jobs_2_over_1`` (parallel speed-up, read it beside the load average: the machine is shared),
``node_over_bandpass`` (how far the model is from plain filtering). torch runs on one thread per process so
that n_jobs is the number of cores used.

Rerun (a few minutes on 2 cores)::

    PYTHONPATH=src python benchmarks/lfp_latents_throughput.py
    PYTHONPATH=src python benchmarks/lfp_latents_throughput.py --duration 1200 --channels 64 --repeats 3

Writes ``benchmarks/results/lfp_latents_throughput.json`` (``--out``) and prints a table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from machine_info import machine_info


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _measure(runs: dict, repeats: int) -> dict[str, list[float]]:
    """Wall times of every run, ``repeats`` times, alternating between runs."""
    walls = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            walls[name].append(round(_timed(run), 3))
            print(f"{name}: {walls[name][-1]:.2f} s", flush=True)
    return walls


def _summary(walls: dict[str, list[float]], channel_seconds: float) -> dict:
    return {
        name: dict(wall_s=min(values), wall_s_runs=values, channel_seconds_per_s=round(channel_seconds / min(values)))
        for name, values in walls.items()
    }


def _ratios(results: dict) -> dict:
    rate = {name: result["channel_seconds_per_s"] for name, result in results.items()}
    return dict(
        node_traces_over_direct=round(rate["node_traces"] / rate["direct"], 3),
        node_over_direct=round(rate["node_n_jobs_1"] / rate["direct"], 3),
        n_jobs_2_over_1=round(rate["node_n_jobs_2"] / rate["node_n_jobs_1"], 3),
        node_over_bandpass=round(rate["node_n_jobs_1"] / rate["bandpass_floor"], 3),
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=1800.0, help="seconds of LFP")
    parser.add_argument("--channels", type=int, default=64, help="LFP channels")
    parser.add_argument("--rate", type=float, default=1000.0, help="LFP sampling rate (Hz)")
    parser.add_argument("--chunk-duration", default="60s", help="SpikeInterface chunk_duration of the saves")
    parser.add_argument("--repeats", type=int, default=2, help="runs per configuration (fastest kept)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "lfp_latents_throughput.json"))
    args = parser.parse_args(argv)

    import numpy as np
    import spikeinterface.core as si
    import torch
    from spikeinterface.preprocessing import bandpass_filter

    from spikeinterface_xmodal import load_model
    from spikeinterface_xmodal.datasets import generate_latent_session
    from spikeinterface_xmodal.preprocessing import lfp_latents
    from spikeinterface_xmodal.training import fit_lfp_model

    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="lfp_latents_throughput_"))
    try:
        session = generate_latent_session(
            n_trials=40, n_channels=args.channels, lfp_sampling_frequency=args.rate, seed=0
        )
        fit_lfp_model([session], folder=work / "model", max_epochs=1, progress_bar=False)
        piece = session.lfp.save(folder=work / "lfp", chunk_duration="60s", progress_bar=False)
        copies = int(np.ceil(args.duration / piece.get_duration()))
        lfp = si.concatenate_recordings([piece] * copies).frame_slice(0, int(args.duration * args.rate))
        model = load_model(work / "model")
        job = dict(chunk_duration=args.chunk_duration, progress_bar=False)

        def save(recording, name, n_jobs):
            return lambda: recording.save(folder=work / name, n_jobs=n_jobs, overwrite=True, **job)

        bandpass = bandpass_filter(lfp, freq_min=1.0, freq_max=100.0, ignore_low_freq_error=True)  # 60 s chunks
        node = lfp_latents(lfp, model=work / "model")
        chunk = int(float(args.chunk_duration.rstrip("s")) * node.sampling_frequency)

        def node_traces():
            for start in range(0, node.get_num_samples(), chunk):
                node.get_traces(start_frame=start, end_frame=min(start + chunk, node.get_num_samples()))

        runs = {
            "direct": lambda: model.latents(lfp),
            "node_traces": node_traces,
            "node_n_jobs_1": save(lfp_latents(lfp, model=work / "model"), "node1", 1),
            "node_n_jobs_2": save(lfp_latents(lfp, model=work / "model"), "node2", 2),
            "bandpass_floor": save(bandpass, "bandpass", 1),
        }
        load_before = os.getloadavg()
        walls = {"as_imported": _measure(runs, args.repeats)}
        gc_collect_s = round(min(_timed(gc.collect) for _ in range(3)), 3)  # what write_binary pays per chunk
        gc.freeze()  # everything alive now (torch, Lightning, ...) is left out of every later collection
        walls["gc_frozen"] = _measure(runs, args.repeats)
        gc_collect_frozen_s = round(min(_timed(gc.collect) for _ in range(3)), 3)
        load_after = os.getloadavg()
        expected = model.latents(lfp)[1]
        node_matches = bool(np.allclose(si.load(work / "node2").get_traces(), expected, atol=1e-4))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    channel_seconds = args.channels * args.duration
    results = {case: _summary(case_walls, channel_seconds) for case, case_walls in walls.items()}
    output = dict(
        settings=dict(
            duration_s=args.duration,
            channels=args.channels,
            lfp_sampling_frequency=args.rate,
            chunk_duration=args.chunk_duration,
            repeats=args.repeats,
            torch_threads_per_process=1,
            model="default SessionTransformerConfig, window_bins and bin_s of the default TrainerOptions",
            latent_rate_hz=1.0 / model.bin_s,
            window_bins=model.window_bins,
        ),
        results=results,
        ratios={case: _ratios(case_results) for case, case_results in results.items()},
        node_n_jobs_2_equals_direct=node_matches,
        gc_collect_s_in_this_process=dict(as_imported=gc_collect_s, gc_frozen=gc_collect_frozen_s),
        chunks_per_save=int(np.ceil(node.get_num_samples() / chunk)),
        load_average_before=[round(v, 2) for v in load_before],
        load_average_after=[round(v, 2) for v in load_after],
        machine=machine_info(),
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(output, indent=2) + "\n")
    for case, case_results in results.items():
        print(f"{case}\n{'configuration':<16} {'wall s':>8} {'ch-s/s':>10}")
        for name, result in case_results.items():
            print(f"{name:<16} {result['wall_s']:>8.2f} {result['channel_seconds_per_s']:>10}")
        print(json.dumps(output["ratios"][case]))
    print(f"-> {args.out}")
    return output


if __name__ == "__main__":
    main()
