"""IPFX features of generated cells: mouse-table names, feature-vector families, NaN with reasons, bad input."""

import copy

import numpy as np
import pandas as pd
import pytest

from spikeinterface_xmodal.datasets import write_patchseq_nwb
from spikeinterface_xmodal.patchseq import extract_features, read_sweeps
from spikeinterface_xmodal.patchseq.families import VECTOR_FAMILIES, feature_family
from spikeinterface_xmodal.patchseq.features import (
    LONG_SQUARE_FEATURES,
    REASON_COLUMN,
    VECTOR_FEATURES,
    cell_features,
    recorded_part,
    sweep_qc,
)

pytestmark = pytest.mark.slow


def test_scalar_names_are_those_of_the_mouse_table(patchseq_data_folder):
    header = pd.read_csv(patchseq_data_folder / "mouse_visp_gouwens2020_ephys_features.csv", nrows=0).columns
    assert set(LONG_SQUARE_FEATURES) == {c for c in header if c not in ("Unnamed: 0", "filename", *_qc(header))}


def _qc(columns):
    return [c for c in columns if c.startswith("qc_")]


def test_one_row_per_cell_with_scalars_vectors_and_families(generated_features):
    f = generated_features
    assert f["cell_id"].tolist() == ["Lamp5_000", "Pvalb_000", "Sst_000", "Vip_000"]
    assert (f[REASON_COLUMN] == "").all(), f[REASON_COLUMN].tolist()
    assert (
        f[list(LONG_SQUARE_FEATURES)]
        .drop(columns=["rheo_slow_trough_v", "rheo_adp_v", "rheo_slow_trough_t"])
        .notna()
        .all()
        .all()
    )
    assert set(VECTOR_FEATURES) <= set(VECTOR_FAMILIES)
    for vector in VECTOR_FEATURES:
        columns = [c for c in f.columns if c.startswith(f"{vector}_") and c.removeprefix(f"{vector}_").isdigit()]
        assert columns, vector
        assert {feature_family(c) for c in columns} == {VECTOR_FAMILIES[vector]}
    # first-AP waveforms are on a 50 kHz grid even though the cells were sampled at 25 kHz: 3 x 150 points
    assert sum(c.startswith("first_ap_v_") for c in f.columns) == 450
    # units of the mouse table: mV, pA, MOhm, s
    pvalb = f.set_index("cell_id").loc["Pvalb_000"]
    assert -80 < pvalb["v_baseline"] < -60 and 50 < pvalb["input_resistance"] < 300
    assert 0.0001 < pvalb["rheo_width"] < 0.001 and 0.001 < pvalb["tau"] < 0.05
    assert pvalb["rheo_peak_t"] > 0.5  # time columns count from 0.5 s before the long-square onset


def _without(cell, protocol):
    cell = copy.copy(cell)
    cell.sweeps = [s for s in cell.sweeps if s.protocol != protocol]
    return cell


def test_missing_protocol_gives_nan_and_a_reason(generated_cells, tmp_path):
    no_long = write_patchseq_nwb(_without(generated_cells[2], "long_square"), tmp_path / "no_long.nwb")
    no_ramp = write_patchseq_nwb(_without(generated_cells[2], "ramp"), tmp_path / "no_ramp.nwb")
    f = extract_features([no_long, no_ramp]).set_index("filename")
    assert f.loc["no_long.nwb", list(LONG_SQUARE_FEATURES)].isna().all()
    assert "long_square: no sweeps" in f.loc["no_long.nwb", REASON_COLUMN]
    assert np.isfinite(f.loc["no_ramp.nwb", "rheobase_i"])
    assert "ramp: no sweeps" in f.loc["no_ramp.nwb", REASON_COLUMN]
    first_ap = f.loc["no_ramp.nwb", [f"first_ap_v_{i}" for i in range(450)]].to_numpy(dtype=float)
    assert np.isfinite(first_ap[:300]).all() and np.isnan(first_ap[300:]).all()  # short square, long square, ramp


def test_sweeps_failing_qc_give_nan_and_a_reason(generated_nwb_folder):
    (cell,) = read_sweeps(generated_nwb_folder / "Sst_000.nwb")
    for sweep in cell.protocol("long_square"):
        sweep.voltage_mv[100:200] = np.nan
    row = cell_features(cell)
    assert np.isnan(row["rheobase_i"])
    assert "long_square: all 25 sweeps failed QC (e.g. sweep 0: non-finite values)" in row[REASON_COLUMN]


def test_nan_padding_after_an_early_end_is_trimmed(generated_nwb_folder):
    (cell,) = read_sweeps(generated_nwb_folder / "Sst_000.nwb")
    long_squares = cell.protocol("long_square")
    padded, truncated = long_squares[-1], long_squares[-2]
    padded.voltage_mv[-100:] = np.nan  # after the stimulus: the recorded part is used
    truncated.voltage_mv[truncated.voltage_mv.size // 2 :] = np.nan  # stops during the stimulus: fails QC
    assert sweep_qc(padded) is None and recorded_part(padded).voltage_mv.size == padded.voltage_mv.size - 100
    assert sweep_qc(truncated) == "the recording ends before the stimulus"


def test_unexpected_sampling_rate_names_the_file(generated_nwb_folder):
    (cell,) = read_sweeps(generated_nwb_folder / "Vip_000.nwb")
    cell.sweeps[3].sampling_rate = 5_000.0
    with pytest.raises(ValueError, match=r"Vip_000\.nwb: sweep 3 .* 5000 Hz"):
        cell_features(cell)


def test_no_current_clamp_data_names_the_file(tmp_path):
    from pynwb import NWBHDF5IO
    from pynwb.testing.mock.file import mock_NWBFile

    path = tmp_path / "empty.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(mock_NWBFile())
    with pytest.raises(ValueError, match=r"empty\.nwb has no current-clamp sweeps"):
        extract_features([path])
