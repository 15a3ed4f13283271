"""``xmodal distill demo``: generated sessions -> teacher -> distilled student and LFP baseline -> unseen session."""

from __future__ import annotations

from pathlib import Path


def run_distillation_demo(
    output_folder: str | Path = "xmodal_distill_demo",
    n_sessions: int = 4,
    n_trials: int = 30,
    max_epochs: int = 20,
    seed: int = 0,
    progress_bar: bool = False,
) -> dict:
    """Distil on all generated sessions but the last, then decode behaviour from LFP alone on the last one.

    Parameters
    ----------
    output_folder : str or Path, default: "xmodal_distill_demo"
        Receives the NWB files of the sessions and the model folders (``teacher``, ``student``, ``lfp_baseline``).
    n_sessions : int, default: 4
        Generated sessions (at least 2; the last is never distilled).
    n_trials : int, default: 30
        Trials per session.
    max_epochs : int, default: 20
        Upper bound on training epochs of each model.
    seed : int, default: 0
        Seed of the sessions and the models.
    progress_bar : bool, default: False
        Show Lightning's progress bars.

    Returns
    -------
    dict
        Behaviour decoding R^2 on the unseen session: ``distilled_lfp`` and ``multi_session_lfp``.
    """
    from ..datasets import generate_latent_sessions, write_latent_session_nwb
    from ..training import distill_lfp_student, fit_lfp_model, fit_spike_teacher
    from .decoding import decode_behaviour

    if n_sessions < 2:
        raise ValueError(f"the demo needs at least 2 sessions (the last is never distilled), got {n_sessions}")
    output = Path(output_folder)
    output.mkdir(parents=True, exist_ok=True)
    sessions = generate_latent_sessions(n_sessions, n_trials=n_trials, seed=seed)
    for session in sessions:
        write_latent_session_nwb(session, output / f"{session.session_id}.nwb", overwrite=True)
    distilled, unseen = sessions[:-1], sessions[-1]
    training = dict(max_epochs=max_epochs, seed=seed, progress_bar=progress_bar)
    fit_spike_teacher(distilled, folder=output / "teacher", overwrite=True, **training)
    models = {
        "distilled_lfp": distill_lfp_student(
            distilled, teacher=output / "teacher", folder=output / "student", overwrite=True, **training
        ),
        "multi_session_lfp": fit_lfp_model(distilled, folder=output / "lfp_baseline", overwrite=True, **training),
    }
    scores = {}
    for name, model in models.items():
        times, latents = model.adapt(unseen.lfp).latents(unseen.lfp)
        result = decode_behaviour(times, latents, unseen.behaviour_times, unseen.behaviour, trials=unseen.trials)
        scores[name] = round(result["r2"], 3)
        print(f"{name}: behaviour R^2 on the unseen session {unseen.session_id} = {scores[name]}")
    print(f"Sessions (NWB) and models are in {output}")
    return scores
