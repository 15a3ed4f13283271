"""The built-in demo: generated sessions -> baseline region model -> ``lfp_region`` on a held-out session."""

from __future__ import annotations

import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import spikeinterface.core as si

from .datasets import generate_region_sessions, write_session_nwb
from .nwb import read_predictions, write_region_predictions
from .plotting import plot_region_profile
from .training import fit_region_baseline, score_regions

DEMO_LAYOUT = "cortex_hippocampus_thalamus"


def _print_report(scores: dict, session_id: str) -> None:
    print(f"\nHeld-out session {session_id}: per-region precision / recall")
    print(f"  {'region':<14}{'precision':>10}{'recall':>10}{'channels':>10}")
    for region, row in scores["per_region"].items():
        print(f"  {region:<14}{row['precision']:>10.2f}{row['recall']:>10.2f}{row['support']:>10d}")
    print(f"  balanced accuracy {scores['balanced_accuracy']:.3f}   macro-F1 {scores['macro_f1']:.3f}")


def run_demo(
    output_folder: str | Path = "xmodal_demo",
    n_subjects: int = 6,
    duration_s: float = 30.0,
    channel_step: int = 4,
    seed: int = 0,
    n_jobs: int = 1,
    progress_bar: bool = True,
) -> dict:
    """Run the main job end to end on generated data.

    Generates one session per subject (a probe crossing cortex, white matter, hippocampus and
    thalamus, with region boundaries, amplitudes and spectra varying by subject), trains the baseline
    region model on all but the last, runs ``analyzer.compute("lfp_region")`` on the held-out
    session's SortingAnalyzer, prints per-region precision / recall and balanced accuracy, and writes
    a PNG of true vs predicted regions along the probe beside the LFP power profile. Finally it writes
    the held-out session to an NWB file (as NeuroConv would) and appends the predictions to it.

    Parameters
    ----------
    output_folder : str or Path, default: "xmodal_demo"
        Where the model, the analyzer, the figure, ``session.nwb`` and ``demo_results.json`` go
        (replaced if present).
    n_subjects : int, default: 6
        Number of generated subjects (one session each); the last is held out.
    duration_s : float, default: 30.0
        Length of each session in seconds.
    channel_step : int, default: 4
        Keep every k-th channel of the 384-channel probe (4 -> 96 channels).
    seed : int, default: 0
        Seed of everything.
    n_jobs : int, default: 1
        Parallel jobs for tokenization.
    progress_bar : bool, default: True
        Show progress bars.

    Returns
    -------
    dict
        Scores of the held-out session and the paths written.
    """
    if n_subjects < 2:
        raise ValueError(f"The demo needs at least two subjects (train and held out), got {n_subjects}")
    started = time.perf_counter()
    output_folder = Path(output_folder)
    output_folder.mkdir(parents=True, exist_ok=True)
    job_kwargs = dict(n_jobs=n_jobs, chunk_duration="10s", progress_bar=progress_bar)

    print(f"Generating {n_subjects} sessions ({384 // channel_step} channels, {duration_s:.0f} s each)...")
    sessions = generate_region_sessions(
        n_subjects=n_subjects,
        duration_s=duration_s,
        channel_step=channel_step,
        seed=seed,
        layouts=[DEMO_LAYOUT],
    )
    train, held_out = sessions[:-1], sessions[-1]

    print(f"Training the baseline region model on {len(train)} sessions (leave-one-session-out scored)...")
    model_folder = output_folder / "region_model"
    model = fit_region_baseline(
        [s.lfp for s in train],
        folder=model_folder,
        ontology="xmodal synthetic regions",
        overwrite=True,
        seed=seed,
        **job_kwargs,
    )

    print(f"Running lfp_region on the SortingAnalyzer of held-out session {held_out.session_id}...")
    analyzer = si.create_sorting_analyzer(
        held_out.sorting,
        held_out.recording,
        format="binary_folder",
        folder=output_folder / "analyzer",
        overwrite=True,
        **job_kwargs,
    )
    analyzer.compute(["random_spikes", "templates", "unit_locations"], **job_kwargs)
    analyzer.compute("lfp_region", lfp_recording=held_out.lfp, model=model_folder, **job_kwargs)
    tables = analyzer.get_extension("lfp_region").get_data()

    true_regions = held_out.lfp.get_property("brain_area")
    scores = score_regions(true_regions, tables["channels"]["predicted_region"].to_numpy(dtype=str))
    _print_report(scores, held_out.session_id)
    unit_truth = held_out.sorting.get_property("brain_area")
    if unit_truth is not None:
        unit_accuracy = float(np.mean(tables["units"]["predicted_region"].to_numpy(dtype=str) == unit_truth))
        print(f"  units assigned to their true region: {unit_accuracy:.1%} of {len(unit_truth)}")
    else:
        unit_accuracy = None

    figure = plot_region_profile(
        tables["channels"],
        true_regions=true_regions,
        title=f"lfp_region on held-out session {held_out.session_id} "
        f"(balanced accuracy {scores['balanced_accuracy']:.2f})",
    )
    figure_path = output_folder / "region_profile.png"
    figure.savefig(figure_path, dpi=110)

    nwb_path = write_session_nwb(held_out, output_folder / "session.nwb", overwrite=True)
    write_region_predictions(nwb_path, analyzer)
    stored = read_predictions(nwb_path)["lfp_region"]

    results = dict(
        held_out_session=held_out.session_id,
        held_out_scores=scores,
        unit_region_accuracy=unit_accuracy,
        leave_one_session_out=model.card["metrics"].get("leave_one_session_out", {}),
        model_folder=str(model_folder),
        analyzer_folder=str(output_folder / "analyzer"),
        figure=str(figure_path),
        nwb_file=str(nwb_path),
        runtime_s=time.perf_counter() - started,
    )
    (output_folder / "demo_results.json").write_text(json.dumps(results, indent=2))
    loso = results["leave_one_session_out"]
    if loso:
        print(f"  leave-one-session-out over training sessions: balanced accuracy {loso['balanced_accuracy']:.3f}")
    print(f"\nFigure: {figure_path}\nAnalyzer: {output_folder / 'analyzer'}  Model: {model_folder}")
    print(f"NWB: {nwb_path} (predictions for {len(stored)} electrodes in processing/ecephys/lfp_region)")
    print(f"Done in {results['runtime_s']:.0f} s.")
    return results
