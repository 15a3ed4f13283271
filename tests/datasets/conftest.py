import os
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import welch

from spikeinterface_xmodal.datasets import SubjectVariation, generate_region_session

SHARED_IBL = Path(__file__).resolve().parents[3] / "shared" / "data" / "ibl"


@pytest.fixture(scope="session")
def ibl_folder() -> Path:
    """Folder of the IBL channel table: ``XMODAL_IBL_DATA`` or the shared data folder next to the repo."""
    folder = Path(os.environ.get("XMODAL_IBL_DATA", SHARED_IBL))
    if not (folder / "ibl_insertions_channels.pqt").is_file():
        pytest.skip(f"IBL channel table not found in {folder}")
    return folder


@pytest.fixture(scope="session")
def average_session():
    """Default layout, average subject, lab_a: the region signatures without subject variation."""
    return generate_region_session(duration_s=20.0, subject=SubjectVariation(), seed=3)


@pytest.fixture(scope="session")
def spectra(average_session):
    traces = average_session.lfp.get_traces().T.astype(float)
    fs = average_session.lfp.sampling_frequency
    freqs, power = welch(traces, fs, nperseg=int(2 * fs))
    return freqs, power


def band_power(spectra, lo: float, hi: float) -> np.ndarray:
    freqs, power = spectra
    return power[:, (freqs >= lo) & (freqs < hi)].mean(axis=1)
