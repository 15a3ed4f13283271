"""Generated Patch-seq cells: cost of each step of sweeps -> NWB -> features, and how separable the subclasses are.

What it measures, on ``--cells`` generated cells per subclass (Lamp5, Pvalb, Sst, Vip) at ``--rate`` Hz:

* ``generate``: ``generate_patchseq_cells`` (one vectorised Hodgkin-Huxley-type simulation of every sweep), beside
  a floor measured in the same process: the same integration loop over the same traces and samples with only the
  leak (a passive membrane, one implicit Euler step per sample), the least a per-sample numpy loop costs;
  ``floor_ratio`` is the generator's wall time over the floor's, ``floor_ratio_cpu`` the same in CPU seconds
  (read that one when other jobs share the machine).
* ``write``: ``write_patchseq_nwb`` per cell (NWB 2 icephys tables).
* ``features``: ``extract_features`` per cell, beside the floor of reading the same files' sweeps
  (``read_sweeps``, which ``extract_features`` also does); ``floor_ratio`` (wall) and ``floor_ratio_cpu`` are
  features over reading.
* ``separation``: 5-fold stratified cross-validated macro-F1 and accuracy of ``RandomForestBaseline`` on the
  scalar features and on scalars + feature vectors, and the per-subclass medians of the features the generator
  is meant to separate (spike width, upstroke/downstroke ratio, maximal rate, hero latency, adaptation, sag).

Wall and CPU seconds are recorded (CPU/wall well below 1 means other jobs were sharing the machine).

Rerun (several minutes on 2 cores)::

    PYTHONPATH=src python benchmarks/patchseq_cells.py --cells 10

Writes ``benchmarks/results/patchseq_cells.json`` (``--out``) and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_validate

from machine_info import machine_info
from spikeinterface_xmodal.datasets import generate_patchseq_cells, write_patchseq_nwb
from spikeinterface_xmodal.datasets.patchseq_cells import SUBCLASS_PARAMETERS, protocol_stimuli
from spikeinterface_xmodal.patchseq import RandomForestBaseline, extract_features, read_sweeps
from spikeinterface_xmodal.patchseq.features import LONG_SQUARE_FEATURES

SEPARATING = (
    "rheo_width", "rheo_upstroke_downstroke_ratio", "maximal_firing_rate", "hero_latency", "hero_adapt", "sag",
)  # fmt: skip


class Timer:
    """Wall and CPU seconds of a block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def record(self, n_cells: int) -> dict:
        return dict(wall_s=self.wall, cpu_s=self.cpu, cpu_per_wall=self.cpu / self.wall, s_per_cell=self.wall / n_cells)


def passive_floor(n_traces: int, n_samples: int, rate: float) -> None:
    """The generator's loop with only a leak: one linearly implicit Euler step per sample, vectorised over traces."""
    dt = 1000.0 / rate
    g_leak, e_leak = np.full(n_traces, 0.05), np.full(n_traces, -70.0)
    forcing = np.zeros((n_samples, n_traces)) + dt * g_leak * e_leak
    v, out = e_leak.copy(), np.empty((n_samples, n_traces), dtype="float32")
    for k in range(n_samples):
        v += forcing[k]
        v /= 1.0 + dt * g_leak
        out[k] = v


def separation(features, subclasses: np.ndarray, seed: int) -> dict:
    scalars = [c for c in LONG_SQUARE_FEATURES if features[c].notna().any()]
    everything = [c for c in features.columns if c not in ("filename", "cell_id", "nan_reason")]
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    scores = {}
    for name, columns in (("scalars", scalars), ("scalars_and_vectors", everything)):
        cv = cross_validate(
            RandomForestBaseline(n_estimators=300, random_state=seed),
            features[columns],
            subclasses,
            cv=folds,
            scoring=("f1_macro", "accuracy"),
        )
        scores[name] = dict(
            macro_f1=float(cv["test_f1_macro"].mean()),
            macro_f1_sd=float(cv["test_f1_macro"].std()),
            accuracy=float(cv["test_accuracy"].mean()),
            n_features=len(columns),
        )
    medians = features.assign(subclass=subclasses).groupby("subclass")[list(SEPARATING)].median()
    scores["medians"] = {feature: medians[feature].round(6).to_dict() for feature in SEPARATING}
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=10, help="cells per subclass")
    parser.add_argument("--rate", type=float, default=50_000.0, help="sampling rate (Hz)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "patchseq_cells.json"))
    args = parser.parse_args()
    n_cells = 4 * args.cells

    with Timer() as generate:
        cells = generate_patchseq_cells(args.cells, seed=args.seed, sampling_rate=args.rate)
    n_samples = max(len(current) for _, current in protocol_stimuli(args.rate))
    with Timer() as floor:
        passive_floor(n_cells * len(protocol_stimuli(args.rate)), n_samples, args.rate)
    with tempfile.TemporaryDirectory() as folder:
        with Timer() as write:
            paths = [write_patchseq_nwb(cell, Path(folder) / f"{cell.cell_id}.nwb") for cell in cells]
        with Timer() as read:
            for path in paths:
                read_sweeps(path)
        with Timer() as extract:
            features = extract_features(paths)
    subclasses = np.array([cell.subclass for cell in cells])
    results = dict(
        machine=machine_info(),
        settings=dict(cells_per_subclass=args.cells, sampling_rate=args.rate, seed=args.seed,
                      sweeps_per_cell=len(cells[0].sweeps), subclasses=sorted(SUBCLASS_PARAMETERS)),
        generate={
            **generate.record(n_cells),
            "floor_wall_s": floor.wall,
            "floor_cpu_s": floor.cpu,
            "floor_ratio": generate.wall / floor.wall,
            "floor_ratio_cpu": generate.cpu / floor.cpu,
        },
        write=write.record(n_cells),
        features={
            **extract.record(n_cells),
            "read_floor_wall_s": read.wall,
            "read_floor_cpu_s": read.cpu,
            "floor_ratio": extract.wall / read.wall,
            "floor_ratio_cpu": extract.cpu / read.cpu,
        },
        cells_with_nan_reason=int((features["nan_reason"] != "").sum()),
        separation=separation(features, subclasses, args.seed),
    )  # fmt: skip
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(json.dumps({key: results[key] for key in ("generate", "write", "features", "separation")}, indent=2))


if __name__ == "__main__":
    main()
