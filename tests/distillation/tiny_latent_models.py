"""One small generated session with a tiny spike teacher and LFP student trained on it (seconds, CPU, seeded).

Shared by the tests of the latents node, the analyzer extensions and the NWB latents writer: they check how
latents flow through SpikeInterface and NWB, not how good the models are.
"""

from pathlib import Path

TINY_CONFIG = dict(d_model=16, n_layers=1, n_heads=2, d_latent=4, max_bins=32)
ONE_EPOCH = dict(max_epochs=1, window_bins=20, batch_size=16, progress_bar=False, seed=0)


def tiny_latent_models(folder: Path) -> dict:
    """Train and save the models; returns the session, its LFP saved as a binary folder, and both model folders."""
    import torch

    from spikeinterface_xmodal.datasets import generate_latent_sessions
    from spikeinterface_xmodal.models.session_transformer import SessionTransformerConfig
    from spikeinterface_xmodal.training import distill_lfp_student, fit_spike_teacher

    torch.set_num_threads(1)
    (session,) = generate_latent_sessions(1, n_trials=6, lfp_sampling_frequency=500.0, n_channels=6, n_units=10, seed=3)
    config = SessionTransformerConfig(**TINY_CONFIG)
    fit_spike_teacher([session], folder=folder / "teacher", config=config, **ONE_EPOCH)
    distill_lfp_student([session], teacher=folder / "teacher", folder=folder / "student", **ONE_EPOCH)
    return dict(
        session=session,
        lfp=session.lfp.save(folder=folder / "lfp"),
        teacher=folder / "teacher",
        student=folder / "student",
    )
