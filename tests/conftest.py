"""Shared fixtures: small seeded recordings made of known sinusoids."""

import numpy as np
import pytest
from probeinterface import generate_linear_probe
from spikeinterface.core import NumpyRecording


def sine_recording(
    frequencies_hz: list[float],
    sampling_frequency: float = 2500.0,
    duration_s: float = 12.0,
    amplitude: float = 100.0,
    noise: float = 1.0,
    seed: int = 0,
) -> NumpyRecording:
    """One channel per frequency: a sine of that frequency plus white noise, on a linear probe."""
    rng = np.random.default_rng(seed)
    times = np.arange(int(duration_s * sampling_frequency)) / sampling_frequency
    traces = np.column_stack([amplitude * np.sin(2 * np.pi * f * times) for f in frequencies_hz])
    traces = (traces + noise * rng.standard_normal(traces.shape)).astype("float32")
    recording = NumpyRecording([traces], sampling_frequency=sampling_frequency)
    probe = generate_linear_probe(num_elec=len(frequencies_hz), ypitch=20)
    probe.set_device_channel_indices(np.arange(len(frequencies_hz)))
    recording.set_probe(probe)
    return recording


@pytest.fixture
def make_sine_recording():
    """The ``sine_recording`` factory."""
    return sine_recording


@pytest.fixture
def sines():
    """Channels at 2 (delta), 6 (theta), 20 (beta), 50 (gamma) and 200 Hz (ripple band), 2500 Hz, 12 s."""
    return sine_recording([2.0, 6.0, 20.0, 50.0, 200.0])


@pytest.fixture(scope="session")
def region_sessions():
    """Four small generated sessions (48 channels, 12 s, one subject each) crossing cortex, WM, HPF, TH."""
    from spikeinterface_xmodal.datasets import generate_region_sessions

    return generate_region_sessions(
        n_subjects=4, duration_s=12.0, channel_step=8, seed=7, layouts=["cortex_hippocampus_thalamus"]
    )


@pytest.fixture(scope="session")
def region_model_folder(region_sessions, tmp_path_factory):
    """A baseline region model trained on the first three sessions (the fourth is held out)."""
    from spikeinterface_xmodal.training import fit_region_baseline

    folder = tmp_path_factory.mktemp("models") / "region_model"
    # logistic regression: with only three training sessions of four windows, the default gradient
    # boosting scored 0.41 balanced accuracy on the held-out session here (chance 0.25); the simpler
    # model suits so little data (docs/region_localization.md compares both)
    fit_region_baseline(
        [s.lfp for s in region_sessions[:3]],
        folder=folder,
        n_windows=4,
        seed=0,
        ontology="synthetic",
        classifier="logreg",
    )
    return folder


@pytest.fixture
def torch_one_thread():
    """Torch on one thread during a test (tiny models: more threads only contend on a shared machine)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
