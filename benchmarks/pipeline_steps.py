"""Time every step of the worked pipeline of docs/pipelines.md (``pipelines.example.run_example_pipeline``).

A generated Neuropixels-like session (lab_a, 96 of 384 channels, 30 s, the top of the probe in saline) ->
bandpass + common reference -> ``localize_channels`` (from the LF stream) -> channels outside the brain
removed -> preprocessed recording saved -> SpikeInterface's internal ``simple`` sorter per predicted region
-> SortingAnalyzer (random_spikes, templates, unit_locations, lfp_region) -> session NWB file with the
predictions -> read back with pynwb. The region model (spectral baseline) is trained first on 6 generated
sessions of other subjects.

Floor, measured in the same run: reading the saved preprocessed recording once (``get_traces`` in 10 s
chunks, copied out of the memory map); each step's wall time is also reported as a ratio to it. Wall and CPU
seconds (of this process; the pipeline runs with n_jobs=1) are both recorded, with the load average,
because the machine may be shared: on a loaded machine the CPU seconds are the better guide.

Rerun:  python benchmarks/pipeline_steps.py [--duration 30] [--channel-step 4]
Writes: benchmarks/results/pipeline_steps.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from machine_info import machine_info
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.pipelines.example import run_example_pipeline

REPO = Path(__file__).resolve().parents[1]


def read_once(folder: Path) -> float:
    """Seconds to read a saved recording once, in 10 s chunks (copied out of the memory map, summed)."""
    import spikeinterface.core as si

    recording = si.load(folder)
    step = int(10 * recording.sampling_frequency)
    start = time.perf_counter()
    total = 0.0
    for begin in range(0, recording.get_num_samples(), step):
        total += float(np.array(recording.get_traces(start_frame=begin, end_frame=begin + step)).sum())
    assert np.isfinite(total)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--channel-step", type=int, default=4)
    parser.add_argument("--training-subjects", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=str(REPO / "benchmarks" / "results" / "pipeline_steps.json"))
    args = parser.parse_args()

    load_before = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(limits=1):
        result = run_example_pipeline(
            tmp,
            duration_s=args.duration,
            channel_step=args.channel_step,
            n_training_subjects=args.training_subjects,
            seed=args.seed,
            n_jobs=1,
            progress_bar=False,
        )
        floor_s = read_once(Path(tmp) / "preprocessed")
    report = dict(
        benchmark="pipeline_steps",
        package_version=__version__,
        config=vars(args) | dict(n_jobs=1, sorter="simple"),
        steps=result["timings"],
        floor_read_preprocessed_once_s=floor_s,
        steps_wall_over_floor={step: t["wall_s"] / floor_s for step, t in result["timings"].items()},
        total_wall_s=time.perf_counter() - wall,
        total_cpu_s=time.process_time() - cpu,
        load_average_before_after=[load_before, os.getloadavg()],
        channels=result["channels"],
        units_per_region=result["units"],
        machine=machine_info(),
    )
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=1))
    for step, t in result["timings"].items():
        print(f"{step:40s} wall {t['wall_s']:7.1f} s  cpu {t['cpu_s']:7.1f} s  ({t['wall_s'] / floor_s:6.1f} x floor)")
    print(f"floor (read the preprocessed recording once) {floor_s:.2f} s; wrote {args.output}")


if __name__ == "__main__":
    main()
