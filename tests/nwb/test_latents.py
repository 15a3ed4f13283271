"""Latents in the session's NWB file: a plain TimeSeries with the model's provenance, written all or nothing."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from pynwb import NWBHDF5IO

from spikeinterface_xmodal.nwb import read_latents, write_latents
from spikeinterface_xmodal.nwb.fileio import backend_for, open_nwb

from .conftest import working_copies

INFO = dict(
    kind="lfp_latent_model",
    role="distilled_lfp",
    session_id="s3",
    bin_s=0.02,
    model_name="student",
    model_version="0.1.0",
    model_hash="ab" * 32,
    card={"kind": "lfp_latent_model", "bin_s": 0.02, "window_bins": 25},
)


@pytest.fixture
def latents():
    rng = np.random.default_rng(0)
    return 0.01 + 0.02 * np.arange(30), rng.standard_normal((30, 4)).astype("float32")


def _digest(path: Path) -> str:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def test_written_as_a_timeseries_with_provenance_and_read_back(neuroconv_path, latents):
    write_latents(neuroconv_path, *latents, INFO)
    back = read_latents(neuroconv_path)
    np.testing.assert_allclose(back.times, latents[0])
    np.testing.assert_array_equal(back.latents, latents[1])
    assert back.model_info == INFO
    with open_nwb(neuroconv_path) as (_, nwbfile):
        series = nwbfile.processing["ecephys"]["lfp_latents"]
        assert series.unit == "a.u." and series.rate == pytest.approx(50.0)
        assert series.starting_time == pytest.approx(0.01)
        assert "distilled_lfp" in series.description and "abababababab" in series.description
        assert "LFP" in nwbfile.processing["ecephys"].data_interfaces  # what was there stays


def test_plain_pynwb_reads_it_without_our_package(neuroconv_templates, tmp_path, latents):
    import shutil

    path = Path(shutil.copyfile(neuroconv_templates["nwb"], tmp_path / "session.nwb"))
    write_latents(path, *latents, INFO, name="student_latents")
    with NWBHDF5IO(str(path), "r") as io:
        series = io.read().processing["ecephys"]["student_latents"]
        np.testing.assert_array_equal(series.data[:], latents[1])
        assert json.loads(series.comments)["model_hash"] == INFO["model_hash"]


def test_irregular_times_are_stored_as_timestamps(neuroconv_path, latents):
    times = latents[0].copy()
    times[10:] += 0.5  # a gap
    write_latents(neuroconv_path, times, latents[1], INFO)
    np.testing.assert_allclose(read_latents(neuroconv_path).times, times)


def test_same_name_refused_unless_overwrite(neuroconv_path, latents):
    write_latents(neuroconv_path, *latents, INFO)
    with pytest.raises(ValueError, match=r"already exist.*overwrite=True"):
        write_latents(neuroconv_path, latents[0], latents[1] * 2, INFO)
    np.testing.assert_array_equal(read_latents(neuroconv_path).latents, latents[1])
    write_latents(neuroconv_path, latents[0], latents[1] * 2, INFO, overwrite=True)
    np.testing.assert_array_equal(read_latents(neuroconv_path).latents, latents[1] * 2)


def test_a_foreign_object_is_never_overwritten(neuroconv_path, latents):
    with pytest.raises(ValueError, match="did not write"):
        write_latents(neuroconv_path, *latents, INFO, name="LFP", overwrite=True)


def test_failure_mid_write_leaves_the_original_intact(neuroconv_path, latents, monkeypatch):
    """The series is written into the copy, then the write fails: the original is byte for byte the same."""
    io_class = backend_for(neuroconv_path)
    real_write = io_class.write

    def write_then_fail(self, container, **kwargs):
        real_write(self, container, **kwargs)
        raise OSError("disk full")

    digest = _digest(neuroconv_path)
    monkeypatch.setattr(io_class, "write", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_latents(neuroconv_path, *latents, INFO)
    monkeypatch.undo()
    assert _digest(neuroconv_path) == digest
    assert working_copies(neuroconv_path) == []
    with pytest.raises(ValueError, match="no latents named"):
        read_latents(neuroconv_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t, x, i: (t, x[:-1], i), "one time per bin"),
        (lambda t, x, i: (t, np.where(x > 1, np.nan, x), i), "NaN"),
        (lambda t, x, i: (t[::-1], x, i), "strictly increasing"),
        (lambda t, x, i: (t, x, {"kind": "lfp_latent_model"}), "model_info"),
    ],
)
def test_bad_input_refused_and_file_unchanged(mock_path, latents, change, message):
    digest = _digest(mock_path)
    with pytest.raises(ValueError, match=message):
        write_latents(mock_path, *change(*latents, INFO))
    with pytest.raises(ValueError, match="cannot name"):
        write_latents(mock_path, *latents, INFO, name="a/b")
    assert _digest(mock_path) == digest
