"""Out-of-brain channels: ``detect_channels_outside_brain`` against SpikeInterface's ``detect_bad_channels``.

Both run on the same generated sessions with out-of-brain sections (``datasets.OutOfBrain``), five kinds:

- ``layout_only``: only the layout's own ``void`` section at the top (the generator's default synthesis);
- ``saline_top`` / ``air_top``: a shallower insertion leaves 300-1200 um more of the probe in saline or air;
- ``gap``: a 150-400 um fluid gap between two structures somewhere along the probe;
- ``shifted_banks``: the deepest 8-24 of 96 channels recorded from the next bank up, one probe length higher
  (out of the brain, in saline), with channel order no longer following depth (spikeinterface issue #2929).

Sessions are lab_a's (Neuropixels-1.0-like, 96 of 384 channels) with ``ap_common_mode_uv`` (default 6 uV):
a broadband signal shared by the channels in tissue on the wide-band recording, which channels outside the
brain do not see. SpikeInterface's detector relies on it (each channel's correlation with the median of all
channels); without it (``--ap-common-mode-uv 0``) the generated AP band holds nothing coherent and
``detect_bad_channels`` flags no channel as outside.

The truth is the generator's label (``brain_area == "void"``). Scores: precision and recall of the channels
each method calls outside the brain, pooled over the test sessions of a kind and over all of them.

- ours: ``detect_channels_outside_brain(session.lfp, model)`` (probability of ``void`` >= 0.5), with the
  spectral baseline region model (``training.fit_region_baseline``, default settings) trained on sessions of
  other subjects with the same five kinds of sections (held-out subjects: no test subject is seen in training);
- SpikeInterface 0.105.3 ``detect_bad_channels(session.recording, method="coherence+psd")`` on the 30 kHz
  wide-band recording, as its users call it (it high-passes at 300 Hz itself), with its defaults
  (``outside_channels_location="top"``: every out-of-brain section here reaches the top of the probe except
  the gaps); scored twice: its ``out`` label (what it calls
  outside the brain), and every channel it flags (``out``, ``dead``, ``noise``: what
  ``detect_and_remove_bad_channels`` removes).

Rerun:  python benchmarks/out_of_brain.py [--train-subjects 3] [--test-subjects 2] [--duration 15]
Writes: benchmarks/results/out_of_brain.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from spikeinterface.preprocessing import detect_bad_channels

from machine_info import machine_info
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.datasets import (
    LAB_PRESETS,
    OutOfBrain,
    SubjectVariation,
    builtin_layouts,
    generate_region_session,
)
from spikeinterface_xmodal.pipelines import detect_channels_outside_brain
from spikeinterface_xmodal.training import fit_region_baseline

REPO = Path(__file__).resolve().parents[1]
KINDS = ("layout_only", "saline_top", "air_top", "gap", "shifted_banks")


def draw_out_of_brain(kind: str, rng: np.random.Generator) -> OutOfBrain | None:
    """The out-of-brain sections of one session of ``kind``, drawn at random."""
    if kind == "layout_only":
        return None
    if kind in ("saline_top", "air_top"):
        return OutOfBrain(medium=kind.removesuffix("_top"), top_um=float(rng.uniform(300.0, 1200.0)))
    if kind == "gap":
        bottom = float(rng.uniform(800.0, 2600.0))
        return OutOfBrain(gaps_um=((bottom, bottom + float(rng.uniform(150.0, 400.0))),))
    return OutOfBrain(shifted_channels=int(rng.integers(8, 25)))


def make_sessions(n_subjects: int, subject_prefix: str, args: argparse.Namespace, rng: np.random.Generator) -> list:
    """One session per subject and kind, each on a random built-in layout."""
    layouts = list(builtin_layouts())
    lab = replace(LAB_PRESETS["lab_a"], ap_common_mode_uv=args.ap_common_mode_uv)
    sessions = []
    for k in range(n_subjects):
        subject = SubjectVariation.random(rng, subject_id=f"{subject_prefix}{k}")
        for kind in KINDS:
            session = generate_region_session(
                layout=layouts[int(rng.integers(len(layouts)))],
                duration_s=args.duration,
                lab=lab,
                subject=subject,
                seed=int(rng.integers(2**31)),
                channel_step=args.channel_step,
                out_of_brain=draw_out_of_brain(kind, rng),
                session_id=f"{subject.subject_id}-{kind}",
            )
            sessions.append((kind, session))
    return sessions


def counts(truth: np.ndarray, flagged: np.ndarray) -> dict:
    return dict(true=int(truth.sum()), flagged=int(flagged.sum()), hits=int((truth & flagged).sum()))


def scores(rows: list[dict]) -> dict:
    """Pooled precision and recall (None where undefined)."""
    true, flagged, hits = (sum(r[key] for r in rows) for key in ("true", "flagged", "hits"))
    return dict(
        precision=None if flagged == 0 else hits / flagged,
        recall=None if true == 0 else hits / true,
        true=true,
        flagged=flagged,
        hits=hits,
    )


def evaluate(kind: str, session, model_folder: Path, seed: int) -> dict:
    """Every method's counts on one session."""
    channel_ids = session.lfp.channel_ids
    truth = session.lfp.get_property("brain_area") == "void"
    start = time.perf_counter()
    outside_ids, _ = detect_channels_outside_brain(session.lfp, model_folder, seed=seed)
    ours_s = time.perf_counter() - start
    result = dict(kind=kind, session_id=session.session_id, n_channels=int(truth.size))
    result["ours"] = counts(truth, np.isin(channel_ids, outside_ids))
    start = time.perf_counter()
    _, labels = detect_bad_channels(
        session.recording, method="coherence+psd", seed=seed, job_kwargs=dict(progress_bar=False)
    )
    result["si_s"] = time.perf_counter() - start
    result["si_out"] = counts(truth, labels == "out")
    result["si_any_bad"] = counts(truth, labels != "good")
    result["ours_s"] = ours_s
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-subjects", type=int, default=3)
    parser.add_argument("--test-subjects", type=int, default=2)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--channel-step", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--ap-common-mode-uv", type=float, default=6.0, help="AP-band signal shared by channels in tissue (uV rms)"
    )
    parser.add_argument("--output", default=str(REPO / "benchmarks" / "results" / "out_of_brain.json"))
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    train = make_sessions(args.train_subjects, "train-s", args, rng)
    test = make_sessions(args.test_subjects, "test-s", args, rng)
    with tempfile.TemporaryDirectory() as tmp:
        model_folder = Path(tmp) / "region_model"
        fit_region_baseline([s.lfp for _, s in train], folder=model_folder, ontology="synthetic", seed=args.seed)
        rows = [evaluate(kind, session, model_folder, args.seed) for kind, session in test]
    methods = ["ours", "si_out", "si_any_bad"]
    summary = {
        method: {
            "all": scores([r[method] for r in rows]),
            **{kind: scores([r[method] for r in rows if r["kind"] == kind]) for kind in KINDS},
        }
        for method in methods
    }
    report = dict(
        benchmark="out_of_brain",
        package_version=__version__,
        config=vars(args) | dict(kinds=KINDS, n_train_sessions=len(train), n_test_sessions=len(test)),
        summary=summary,
        seconds_per_session=dict(
            ours=float(np.mean([r["ours_s"] for r in rows])),
            si=float(np.mean([r["si_s"] for r in rows])),
        ),
        sessions=rows,
        runtime_s=time.perf_counter() - start,
        machine=machine_info(),
    )
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=1))
    for method in methods:
        line = "  ".join(
            f"{kind} P={_fmt(summary[method][kind]['precision'])} R={_fmt(summary[method][kind]['recall'])}"
            for kind in ("all", *KINDS)
        )
        print(f"{method:11s} {line}")
    print(f"wrote {args.output}")


def _fmt(value: float | None) -> str:
    return "  - " if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
