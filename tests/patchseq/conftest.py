"""Shared Patch-seq fixtures: a small seeded synthetic feature table and the real tables when present."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SHARED_PATCHSEQ = Path(__file__).resolve().parents[3] / "shared" / "data" / "patchseq"
SUBCLASSES = ("Lamp5", "Pvalb", "Sst", "Vip")
# per-subclass means of a few mouse-table IPFX features (roughly the real medians), in the table's units
SUBCLASS_MEANS = {
    "v_baseline": (-70.0, -70.0, -68.0, -68.0),
    "rheobase_i": (160.0, 240.0, 80.0, 60.0),
    "fi_fit_slope": (0.21, 0.68, 0.28, 0.15),
    "sag": (0.04, 0.04, 0.07, 0.06),
    "input_resistance": (130.0, 110.0, 218.0, 235.0),
    "tau": (0.0085, 0.0075, 0.020, 0.013),
    "hero_adapt": (0.008, 0.004, 0.049, 0.070),
    "hero_first_isi": (0.060, 0.015, 0.028, 0.016),
    "hero_latency": (0.038, 0.020, 0.030, 0.016),
    "rheo_threshold_v": (-34.0, -35.0, -38.0, -38.0),
    "rheo_peak_v": (25.0, 22.0, 30.0, 32.0),
    "rheo_fast_trough_v": (-50.0, -56.0, -53.0, -46.0),
    "rheo_width": (0.00104, 0.00042, 0.00060, 0.00070),
    "rheo_upstroke_downstroke_ratio": (1.32, 0.61, 0.91, 1.17),
}


def synthetic_feature_table(n_cells: int = 240, n_donors: int = 24, nan_fraction: float = 0.03, seed: int = 0):
    """Cells of four subclasses with the mouse table's IPFX names, 15 % cell-to-cell spread, some NaNs.

    Returns
    -------
    (X, y, groups) : DataFrame of features, subclass strings, donor ids
    """
    rng = np.random.default_rng(seed)
    y = np.array(SUBCLASSES)[np.arange(n_cells) % len(SUBCLASSES)]
    codes = np.searchsorted(SUBCLASSES, y)
    X = pd.DataFrame(
        {
            name: np.asarray(means)[codes] * (1.0 + 0.15 * rng.standard_normal(n_cells))
            for name, means in SUBCLASS_MEANS.items()
        }
    )
    X = X.mask(rng.random(X.shape) < nan_fraction)
    groups = np.array([f"donor{i % n_donors}" for i in rng.permutation(n_cells)])
    return X, pd.Series(y, name="subclass"), groups


@pytest.fixture(scope="session")
def feature_table():
    """(X, y, groups): 240 synthetic cells, four subclasses, 24 donors, 3 % NaN."""
    return synthetic_feature_table()


@pytest.fixture(scope="session")
def patchseq_data_folder() -> Path:
    """The real Patch-seq tables: ``XMODAL_PATCHSEQ_DATA`` or the shared data folder next to the repo."""
    folder = Path(os.environ.get("XMODAL_PATCHSEQ_DATA", SHARED_PATCHSEQ))
    if not (folder / "mouse_visp_gouwens2020_ephys_features.csv").is_file():
        pytest.skip(f"Patch-seq feature tables not found in {folder}")
    return folder


# --- generated cells in icephys NWB files (sweeps, features, predict_cells, CLI tests) ---

GENERATED_RATE = 25_000.0  # half the default rate: twice as fast, and exercises the non-50 kHz paths


@pytest.fixture(scope="session")
def generated_cells():
    """One generated cell per subclass (Lamp5, Pvalb, Sst, Vip), seed 0, sampled at 25 kHz."""
    from spikeinterface_xmodal.datasets import generate_patchseq_cells

    return generate_patchseq_cells(n_cells_per_subclass=1, seed=0, sampling_rate=GENERATED_RATE)


@pytest.fixture(scope="session")
def generated_nwb_folder(generated_cells, tmp_path_factory) -> Path:
    """The generated cells written as icephys NWB files: ``<cell_id>.nwb`` (tables) and ``old/<cell_id>.nwb``."""
    from spikeinterface_xmodal.datasets import write_patchseq_nwb

    folder = tmp_path_factory.mktemp("patchseq_nwb")
    for cell in generated_cells:
        write_patchseq_nwb(cell, folder / f"{cell.cell_id}.nwb")
    write_patchseq_nwb(generated_cells[0], folder / "old" / f"{generated_cells[0].cell_id}.nwb", "numbered_sweeps")
    return folder


@pytest.fixture(scope="session")
def generated_features(generated_cells, generated_nwb_folder):
    """``extract_features`` of the generated files, in cell order, with the true ``subclass``."""
    from spikeinterface_xmodal.patchseq import extract_features

    features = extract_features([generated_nwb_folder / f"{cell.cell_id}.nwb" for cell in generated_cells])
    return features.assign(subclass=[cell.subclass for cell in generated_cells])


@pytest.fixture
def nwb_copies(generated_cells, generated_nwb_folder, tmp_path) -> list[Path]:
    """Fresh copies of the generated NWB files (tests that write into them)."""
    import shutil

    return [
        Path(shutil.copy(generated_nwb_folder / f"{cell.cell_id}.nwb", tmp_path / f"{cell.cell_id}.nwb"))
        for cell in generated_cells
    ]
