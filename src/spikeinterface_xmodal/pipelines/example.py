"""The worked pipeline of docs/pipelines.md: generated session -> preprocessing -> regions -> sorting -> NWB."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter, process_time

import numpy as np

#: Settings of SpikeInterface's internal "simple" sorter that need nothing beyond SpikeInterface and
#: scikit-learn (its default clusterer needs the ``hdbscan`` package); the recording is preprocessed before.
SIMPLE_SORTER_PARAMS = dict(apply_preprocessing=False, clusterer="mean_shift")


@contextmanager
def _timed(timings: dict[str, dict[str, float]], step: str) -> Iterator[None]:
    """Record the wall and CPU (this process) seconds of a step."""
    wall, cpu = perf_counter(), process_time()
    yield
    timings[step] = dict(wall_s=perf_counter() - wall, cpu_s=process_time() - cpu)


def run_example_pipeline(
    folder: str | Path,
    duration_s: float = 30.0,
    channel_step: int = 4,
    n_training_subjects: int = 4,
    n_windows: int = 20,
    seed: int = 0,
    **job_kwargs,
) -> dict:
    """Run the worked pipeline on generated sessions and time every step.

    A Neuropixels-like session (AP and LF streams, the top of the probe in saline) -> SpikeInterface
    preprocessing -> ``localize_channels`` -> channels outside the brain removed -> SpikeInterface's internal
    ``simple`` sorter run per predicted region -> SortingAnalyzer with ``lfp_region`` -> predictions appended
    to the session's NWB file -> read back with plain pynwb. The region model is the spectral baseline,
    trained first on sessions of other generated subjects.

    Parameters
    ----------
    folder : str or Path
        Output folder (created; holds the model, the sorting, the NWB file).
    duration_s : float, default: 30.0
        Duration of every session, s.
    channel_step : int, default: 4
        Keep every k-th of the probe's 384 contacts (4: 96 channels).
    n_training_subjects : int, default: 4
        Generated subjects the region model is trained on.
    n_windows : int or None, default: 20
        Analysis windows per channel, in training and prediction.
    seed : int, default: 0
        Seed of everything.
    **job_kwargs
        SpikeInterface job kwargs (``n_jobs``, ``chunk_duration``, ``progress_bar``).

    Returns
    -------
    dict
        ``timings`` (per step: ``wall_s`` and ``cpu_s`` of this process), ``channels`` (total, outside
        truth, removed), ``regions`` (predicted region of each remaining channel), ``units`` (per region),
        ``nwb_path`` and ``nwb_regions`` (read back).
    """
    import spikeinterface.full as si
    from pynwb import NWBHDF5IO

    from ..datasets import OutOfBrain, generate_region_session, generate_region_sessions, write_session_nwb
    from ..nwb import write_region_predictions
    from ..training import fit_region_baseline
    from .localize import localize_channels
    from .outside_brain import detect_channels_outside_brain
    from .sorting import run_sorter_by_region

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    timings: dict[str, dict[str, float]] = {}
    saline_top = OutOfBrain(medium="saline", top_um=600.0)
    with _timed(timings, "generate sessions"):
        training = generate_region_sessions(
            n_subjects=n_training_subjects, duration_s=duration_s, channel_step=channel_step, seed=seed + 1
        )
        training += [
            generate_region_session(duration_s=duration_s, channel_step=channel_step, seed=seed + 2 + k, out_of_brain=o)
            for k, o in enumerate([saline_top, OutOfBrain(medium="air", top_um=900.0)])
        ]
        session = generate_region_session(
            duration_s=duration_s, channel_step=channel_step, seed=seed, out_of_brain=saline_top
        )
    with _timed(timings, "train region model"):
        model = fit_region_baseline(
            [s.lfp for s in training], folder=folder / "region_model", n_windows=n_windows, seed=seed, overwrite=True
        )
    with _timed(timings, "preprocess (lazy)"):
        recording = si.common_reference(si.bandpass_filter(session.recording, freq_min=300.0, freq_max=6000.0))
    with _timed(timings, "localize_channels"):
        recording = localize_channels(recording, model, lfp_recording=session.lfp, n_windows=n_windows, seed=seed)
    with _timed(timings, "remove channels outside the brain"):
        outside_ids, recording = detect_channels_outside_brain(recording)
    with _timed(timings, "save preprocessed recording"):
        recording = recording.save(folder=folder / "preprocessed", overwrite=True, **job_kwargs)
    with _timed(timings, "sort per predicted region (simple)"):
        sorting = run_sorter_by_region(
            "simple", recording, folder / "sorting", remove_existing_folder=True, verbose=False, **SIMPLE_SORTER_PARAMS
        )
    with _timed(timings, "SortingAnalyzer + lfp_region"):
        analyzer = si.create_sorting_analyzer(sorting, recording, format="memory", sparse=False)
        analyzer.compute(["random_spikes", "templates", "unit_locations"], **job_kwargs)
        analyzer.compute("lfp_region", lfp_recording=session.lfp, model=folder / "region_model", n_windows=n_windows)
    with _timed(timings, "write NWB (session + predictions)"):
        nwb_path = write_session_nwb(session, folder / "session.nwb", overwrite=True)
        write_region_predictions(nwb_path, analyzer)
    with _timed(timings, "read back with pynwb"), NWBHDF5IO(nwb_path, "r") as io:
        table = io.read().processing["ecephys"]["lfp_region"]
        nwb_regions = [str(r) for r in table["predicted_region"][:]]
    truth_outside = session.lfp.get_property("brain_area") == "void"
    unit_regions = sorting.get_property("brain_area_predicted")
    return dict(
        timings=timings,
        channels=dict(
            total=session.lfp.get_num_channels(),
            outside_truth=int(truth_outside.sum()),
            removed=int(outside_ids.size),
            removed_outside_truth=int(np.isin(session.lfp.channel_ids[truth_outside], outside_ids).sum()),
        ),
        regions=dict(
            zip(recording.channel_ids.tolist(), recording.get_property("brain_area_predicted").tolist(), strict=True)
        ),
        units={str(r): int(np.sum(unit_regions == r)) for r in np.unique(unit_regions)},
        nwb_path=str(nwb_path),
        nwb_regions=nwb_regions,
    )
