"""Start-up and per-session latency of region localization: the package import and one ``lfp_region`` run.

What it measures, each in fresh Python subprocesses (the machine may be shared: every figure is also given
as a ratio to a floor or peer measured side by side in the same run):

* ``import``: wall time of ``import spikeinterface_xmodal`` (which registers ``lfp_region`` and the NWB
  namespace) beside ``import spikeinterface.full``, alternating, ``--repeats`` times each; the fastest of
  each and their ratio (goal: <= 1.5).
* ``compute``: ``analyzer.compute("lfp_region", lfp_recording=lfp, model=folder, n_windows=32)`` on a
  384-channel int16 2.5 kHz binary-folder LFP recording (a generated session saved once), after the
  import, on one core (``n_jobs=1``, one BLAS/OpenMP thread), model folder loaded inside the call (goal:
  <= 2 s); then a second compute in the same process (other windows; the model stays loaded); split into
  loading the model and predicting, and beside the floor of reading the same 32 windows with
  SpikeInterface's ``get_traces`` (cast to float32).
* ``first_use_imports``: what the first compute imports beyond the package (scikit-learn, torch, skops), each
  timed alone in a fresh process after ``import spikeinterface_xmodal``.

Rerun (a few minutes on 2 cores, most of it generating and saving the session once)::

    python benchmarks/lfp_region_latency.py [--repeats 5] [--workdir /tmp/xmodal_latency]

Writes ``benchmarks/results/lfp_region_latency.json`` (``--out``) and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from machine_info import machine_info

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "lfp_region_latency.json"
N_WINDOWS = 32
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}

IMPORT_SCRIPT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"

COMPUTE_SCRIPT = """
import json, sys, time
import numpy as np
import spikeinterface.core as si
import spikeinterface_xmodal as sx

lfp_folder, sorting_folder, model_folder = sys.argv[1:4]
lfp = si.load(lfp_folder)
analyzer = si.create_sorting_analyzer(si.load(sorting_folder), lfp, sparse=False)
job_kwargs = dict(n_jobs=1, progress_bar=False)

start = time.perf_counter()
analyzer.compute("lfp_region", lfp_recording=lfp, model=model_folder, n_windows={n_windows}, **job_kwargs)
compute_s = time.perf_counter() - start
start = time.perf_counter()
analyzer.compute("lfp_region", lfp_recording=lfp, model=model_folder, n_windows={n_windows}, seed=1, **job_kwargs)
second_compute_s = time.perf_counter() - start

start = time.perf_counter()
model = sx.load_model(model_folder)
load_s = time.perf_counter() - start
start = time.perf_counter()
model.predict(lfp, n_windows={n_windows}, **job_kwargs)
predict_s = time.perf_counter() - start

windows = sx.preprocessing.sample_windows(lfp, model.window_s, n_windows={n_windows}, seed=0)
length = sx.preprocessing.window_length_samples(lfp, model.window_s)
start = time.perf_counter()
for window in windows:
    lfp.get_traces(segment_index=int(window["segment_index"]), start_frame=int(window["start_frame"]),
                   end_frame=int(window["start_frame"]) + length).astype(np.float32)  # a memmap view reads nothing
read_s = time.perf_counter() - start
print(json.dumps(dict(compute_s=compute_s, second_compute_s=second_compute_s, load_model_s=load_s,
                      predict_s=predict_s, read_windows_s=read_s)))
"""


def _run(code: str, *args: str) -> str:
    env = dict(os.environ, **ONE_THREAD)
    return subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def measure_import(repeats: int) -> dict:
    """Fastest fresh-process import of each module, alternating so that load changes hit both alike."""
    times = {"spikeinterface.full": [], "spikeinterface_xmodal": []}
    for _ in range(repeats):
        for module in times:
            times[module].append(float(_run(IMPORT_SCRIPT.format(module=module)).splitlines()[-1]))
    best = {module: min(values) for module, values in times.items()}
    return dict(
        spikeinterface_full_s=round(best["spikeinterface.full"], 3),
        spikeinterface_xmodal_s=round(best["spikeinterface_xmodal"], 3),
        ratio=round(best["spikeinterface_xmodal"] / best["spikeinterface.full"], 2),
        runs_s={module: [round(v, 3) for v in values] for module, values in times.items()},
    )


#: What the first ``lfp_region`` compute imports beyond ``spikeinterface_xmodal``, each timed in a fresh process.
FIRST_USE_IMPORTS = {
    "scikit-learn (the classifier's modules)": "import sklearn.ensemble, sklearn.pipeline, sklearn.preprocessing",
    "torch": "import torch",
    "skops.io (scans every scikit-learn estimator, which imports torch)": "import skops.io",
}
FIRST_USE_SCRIPT = (
    "import time, spikeinterface_xmodal; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
)


def measure_first_use_imports(repeats: int) -> dict:
    """Fastest fresh-process import time of each library the first compute loads, after the package import."""
    return {
        name: round(
            min(float(_run(FIRST_USE_SCRIPT.format(statement=statement)).splitlines()[-1]) for _ in range(repeats)), 3
        )
        for name, statement in FIRST_USE_IMPORTS.items()
    }


def prepare(workdir: Path) -> tuple[Path, Path, Path]:
    """A trained model (96-channel training sessions) and a 384-channel int16 binary-folder session."""
    from spikeinterface.core import generate_sorting

    from spikeinterface_xmodal.datasets import generate_region_session, generate_region_sessions
    from spikeinterface_xmodal.training import fit_region_baseline

    model_folder = workdir / "model"
    if not model_folder.exists():
        training = generate_region_sessions(n_subjects=4, duration_s=30.0, seed=1)
        fit_region_baseline([s.lfp for s in training], folder=model_folder, cross_validate=True)
    lfp_folder, sorting_folder = workdir / "lfp384", workdir / "sorting"
    if not sorting_folder.exists():
        session = generate_region_session(duration_s=N_WINDOWS * 3.0 + 3.0, channel_step=1, seed=5)
        lfp = session.lfp.astype("int16").save(folder=lfp_folder, n_jobs=1, progress_bar=False)
        # units at the LFP's rate, so that the analyzer can sit on the LFP alone (no 30 kHz copy on disk)
        generate_sorting(num_units=40, sampling_frequency=lfp.sampling_frequency, durations=[lfp.get_duration()]).save(
            folder=sorting_folder
        )
    return lfp_folder, sorting_folder, model_folder


def measure_compute(lfp_folder: Path, sorting_folder: Path, model_folder: Path, repeats: int) -> dict:
    runs = [
        json.loads(
            _run(COMPUTE_SCRIPT.format(n_windows=N_WINDOWS), str(lfp_folder), str(sorting_folder), str(model_folder))
        )
        for _ in range(repeats)
    ]
    best = {key: min(run[key] for run in runs) for key in runs[0]}
    return dict(
        n_channels=384,
        n_windows=N_WINDOWS,
        **{key: round(value, 3) for key, value in best.items()},
        compute_over_read_floor=round(best["compute_s"] / best["read_windows_s"], 2),
        runs=[{key: round(value, 3) for key, value in run.items()} for run in runs],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "xmodal_latency"))
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    results = dict(
        benchmark="lfp_region_latency",
        import_time=measure_import(args.repeats),
        first_use_imports_s=measure_first_use_imports(args.repeats),
        compute=measure_compute(*prepare(workdir), repeats=args.repeats),
        machine=machine_info(),
    )
    Path(args.out).write_text(json.dumps(results, indent=2))
    imports, compute = results["import_time"], results["compute"]
    print(
        f"import spikeinterface_xmodal {imports['spikeinterface_xmodal_s']:.2f} s vs spikeinterface.full "
        f"{imports['spikeinterface_full_s']:.2f} s: ratio {imports['ratio']:.2f} (goal <= 1.5)"
    )
    print(
        f"lfp_region, 384 channels x {N_WINDOWS} windows, one core: {compute['compute_s']:.2f} s first, "
        f"{compute['second_compute_s']:.2f} s next (goal <= 2 s; loading the model {compute['load_model_s']:.2f} s, "
        f"predicting {compute['predict_s']:.2f} s; {compute['compute_over_read_floor']:.1f}x reading the windows)"
    )
    for name, seconds in results["first_use_imports_s"].items():
        print(f"first use, import {name}: {seconds:.2f} s")
    print(f"Written {args.out}")


if __name__ == "__main__":
    main()
