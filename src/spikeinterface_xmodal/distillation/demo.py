"""``xmodal demo distill``: generated sessions -> teacher -> student -> unseen session -> decoded velocity -> NWB.

Every step a user runs on their own data: sessions written as NWB files, a spike teacher and an LFP student
distilled from it (beside the multi-session LFP baseline), both adapted to a session never distilled from its
unlabeled LFP, behaviour decoded from their latents (held-out trials, with a plot of true vs decoded velocity),
and the student's latents streamed by the ``lfp_latents`` node from that session's NWB file into the same file.
"""

from __future__ import annotations

from pathlib import Path

LATENTS_NAME = "lfp_latents"


def _write_latents(nwb_path: Path, model_folder: Path, n_jobs: int) -> dict:
    """The ``lfp_latents`` node on the NWB file's LFP -> a TimeSeries in the same file, read back."""
    import numpy as np
    from spikeinterface.extractors import read_nwb_recording

    from ..datasets.latent_sessions_nwb import LFP_SERIES_PATH
    from ..model_kinds import load_model
    from ..nwb import read_latents, write_latents
    from ..preprocessing.lfp_latents import latent_model_info, lfp_latents

    lfp = read_nwb_recording(nwb_path, electrical_series_path=LFP_SERIES_PATH)
    node = lfp_latents(lfp, model=model_folder)
    # long chunks: the model adds a window of context on each side, and SpikeInterface collects garbage per chunk
    folder = model_folder.parent / f"{nwb_path.stem}_latents"
    saved = node.save(folder=folder, n_jobs=n_jobs, chunk_duration="60s", progress_bar=False, overwrite=True)
    times, values = node.get_times(), saved.get_traces()
    write_latents(nwb_path, times, values, latent_model_info(load_model(model_folder), model_folder), LATENTS_NAME)
    back = read_latents(nwb_path, LATENTS_NAME)
    if not (np.allclose(back.times, times) and np.array_equal(back.latents, values)):
        raise RuntimeError(f"the latents read back from {nwb_path} differ from those written")
    return dict(times=back.times, latents=back.latents, model_info=back.model_info)


def run_distillation_demo(
    output_folder: str | Path = "xmodal_distill_demo",
    n_sessions: int = 3,
    n_trials: int = 20,
    max_epochs: int = 8,
    seed: int = 0,
    progress_bar: bool = False,
    n_jobs: int = 1,
    **session_options,
) -> dict:
    """Distil on all generated sessions but the last, then decode behaviour from LFP alone on the last one.

    Parameters
    ----------
    output_folder : str or Path, default: "xmodal_distill_demo"
        Receives the sessions' NWB files, the model folders (``teacher``, ``student``, ``lfp_baseline`` and
        ``student_adapted``), the figure ``decoded_velocity.png`` and the latents saved by the node.
    n_sessions : int, default: 3
        Generated sessions (at least 2; the last is never distilled).
    n_trials : int, default: 20
        Trials per session.
    max_epochs : int, default: 8
        Upper bound on training epochs of each model and of each adaptation. The defaults take about 3 CPU
        minutes (2-3 minutes on 2 free cores); ``benchmarks/distillation.py`` trains longer on more sessions.
    seed : int, default: 0
        Seed of the sessions and the models.
    progress_bar : bool, default: False
        Show Lightning's progress bars.
    n_jobs : int, default: 1
        Parallel jobs of the ``lfp_latents`` node.
    **session_options
        Passed to ``datasets.generate_latent_sessions`` (e.g. ``lfp_sampling_frequency``, ``n_channels``).

    Returns
    -------
    dict
        ``r2``: behaviour decoding R^2 on the unseen session's held-out trials for ``distilled_lfp`` and
        ``multi_session_lfp``, and ``distilled_lfp_from_nwb`` (the student's latents as read back from the NWB
        file); ``figure``: the PNG of true vs decoded velocity; ``nwb``: the unseen session's file, which now
        holds the student's latents as ``processing/ecephys/lfp_latents``.
    """
    import matplotlib.pyplot as plt

    from ..datasets import generate_latent_sessions, write_latent_session_nwb
    from ..training import distill_lfp_student, fit_lfp_model, fit_spike_teacher
    from ..training.distill_kinds import adapt_options
    from .decoding import decode_behaviour
    from .plots import plot_decoded_behaviour

    if n_sessions < 2:
        raise ValueError(f"the demo needs at least 2 sessions (the last is never distilled), got {n_sessions}")
    output = Path(output_folder)
    output.mkdir(parents=True, exist_ok=True)
    sessions = generate_latent_sessions(n_sessions, n_trials=n_trials, seed=seed, **session_options)
    paths = [
        write_latent_session_nwb(session, output / f"{session.session_id}.nwb", overwrite=True) for session in sessions
    ]
    distilled, unseen = sessions[:-1], sessions[-1]
    training = dict(max_epochs=max_epochs, seed=seed, progress_bar=progress_bar)
    fit_spike_teacher(distilled, folder=output / "teacher", overwrite=True, **training)
    models = {
        "distilled_lfp": distill_lfp_student(
            distilled, teacher=output / "teacher", folder=output / "student", overwrite=True, **training
        ),
        "multi_session_lfp": fit_lfp_model(distilled, folder=output / "lfp_baseline", overwrite=True, **training),
    }

    def decode(times, latents):
        return decode_behaviour(times, latents, unseen.behaviour_times, unseen.behaviour, trials=unseen.trials)

    scores, results = {}, {}
    for name, model in models.items():
        # unlabeled LFP only: no spikes, no behaviour
        adapted = model.adapt(unseen.lfp, options=adapt_options(model.window_bins, **training))
        if name == "distilled_lfp":
            adapted.save(output / "student_adapted", overwrite=True)
        results[name] = decode(*adapted.latents(unseen.lfp))
        scores[name] = round(results[name]["r2"], 3)
        print(f"{name}: behaviour R^2 on the unseen session {unseen.session_id} = {scores[name]}")

    figure = output / "decoded_velocity.png"
    plot = plot_decoded_behaviour(results["distilled_lfp"])
    plot.suptitle(f"Distilled LFP student on the never-distilled session {unseen.session_id} (held-out trials)")
    plot.tight_layout()
    plot.savefig(figure, dpi=110)
    plt.close(plot)
    print(f"True vs decoded velocity: {figure}")

    written = _write_latents(paths[-1], output / "student_adapted", n_jobs)
    scores["distilled_lfp_from_nwb"] = round(decode(written["times"], written["latents"])["r2"], 3)
    print(
        f"Latents {written['latents'].shape} written to {paths[-1]} as processing/ecephys/{LATENTS_NAME} "
        f"(model hash {written['model_info']['model_hash'][:12]}); read back, they decode with R^2 "
        f"{scores['distilled_lfp_from_nwb']}"
    )
    print(f"Sessions (NWB), models and figure are in {output}")
    return dict(r2=scores, figure=figure, nwb=paths[-1])
