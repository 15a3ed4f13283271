"""What part of behaviour the generated latent-dynamics sessions put within reach of LFP without spikes.

Ridge decoding (``distillation.decode_behaviour``: 5 lags, 5 folds of held-out trials) of hand velocity from
subsets of the generator's true latents, and from the LFP itself (20 ms means of every channel): the slow
rotation (latents 0, 1) is strong in the LFP, the fast rotation (2, 3) faint (gain 0.3 against 1-2 for the
others), so a linear read-out of the LFP reaches about the slow rotation's share plus what the faint part
survives of the noise.

Rerun:  python benchmarks/latent_sessions_ceiling.py [--sessions 4] [--trials 30]
Writes: benchmarks/results/latent_sessions_ceiling.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from machine_info import machine_info
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.datasets import generate_latent_sessions
from spikeinterface_xmodal.distillation import decode_behaviour
from spikeinterface_xmodal.distillation.binning import bin_lfp, bin_times

SUBSETS = {
    "all_latents": [0, 1, 2, 3, 4, 5, 6, 7],
    "slow_rotation": [0, 1],
    "fast_rotation": [2, 3],
    "all_but_fast_rotation": [0, 1, 4, 5, 6, 7],
    "preparatory": [4, 5],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=str(Path(__file__).parent / "results" / "latent_sessions_ceiling.json"))
    args = parser.parse_args()
    rows = []
    for s in generate_latent_sessions(args.sessions, n_trials=args.trials, seed=args.seed):
        decode = lambda times, x, s=s: decode_behaviour(  # noqa: E731
            times, x, s.behaviour_times, s.behaviour, trials=s.trials
        )["r2"]
        row = {name: decode(s.behaviour_times, s.latents[:, cols]) for name, cols in SUBSETS.items()}
        row["lfp_bins"] = decode(bin_times(s.lfp, 0.02), bin_lfp(s.lfp, 0.02))
        rows.append(row)
    result = {
        "benchmark": "latent_sessions_ceiling",
        "package_version": __version__,
        "machine": machine_info(),
        "settings": vars(args),
        "r2": {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]},
        "r2_per_session": {k: [round(r[k], 4) for r in rows] for k in rows[0]},
    }
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["r2"], indent=1))


if __name__ == "__main__":
    main()
