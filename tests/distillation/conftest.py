"""Small generated sessions and tiny models trained once per test session (CPU, one thread, seeded)."""

import pytest
import torch

TINY = dict(d_model=16, n_layers=1, n_heads=2, d_latent=8, max_bins=32)
FAST = dict(max_epochs=6, window_bins=25, batch_size=16, patience=3)


@pytest.fixture(scope="session", autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def latent_sessions():
    """Three sessions to distil and one never distilled, 16 trials each (~25 s)."""
    from spikeinterface_xmodal.datasets import generate_latent_sessions

    return generate_latent_sessions(n_sessions=4, n_trials=16, lfp_sampling_frequency=500.0, seed=11)


@pytest.fixture(scope="session")
def tiny_config():
    from spikeinterface_xmodal.models.session_transformer import SessionTransformerConfig

    return SessionTransformerConfig(**TINY)


@pytest.fixture(scope="session")
def trained(latent_sessions, tiny_config, tmp_path_factory):
    """Teacher, distilled student and multi-session LFP baseline on the first three sessions, saved to folders."""
    from spikeinterface_xmodal.training import distill_lfp_student, fit_lfp_model, fit_spike_teacher

    folder = tmp_path_factory.mktemp("distill")
    distilled = latent_sessions[:3]
    teacher = fit_spike_teacher(distilled, folder=folder / "teacher", config=tiny_config, **FAST)
    student = distill_lfp_student(distilled, teacher=folder / "teacher", folder=folder / "student", **FAST)
    baseline = fit_lfp_model(distilled, folder=folder / "baseline", config=tiny_config, **FAST)
    return {"teacher": teacher, "student": student, "baseline": baseline, "folder": folder}
