"""All or nothing: a process killed in the middle of a write leaves the original file as it was."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spikeinterface_xmodal.nwb import read_predictions, write_region_predictions
from spikeinterface_xmodal.nwb.atomic import copy_file
from tests.nwb.conftest import checksums, copy_template, nwb_only_script, region_predictions, working_copies

# Runs a real write in a child process and pauses it at ``stage`` (after touching ``ready``) until killed.
WRITER = """
import time, pathlib
import h5py
from conftest import region_predictions
import spikeinterface_xmodal.nwb.atomic as atomic
from spikeinterface_xmodal.nwb import write_region_predictions

path, stage, ready = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])

def pause():
    ready.touch()
    time.sleep(120)

if stage == "before_swap":
    atomic.swap_in = lambda work, target: pause()
else:  # mid_write: the copy already holds part of the new table
    create_dataset = h5py.Group.create_dataset
    def create_then_pause(self, name, *args, **kwargs):
        dataset = create_dataset(self, name, *args, **kwargs)
        if name == "probabilities":
            pause()
        return dataset
    h5py.Group.create_dataset = create_then_pause
write_region_predictions(path, region_predictions(["CH" + str(i) for i in range(8)]))
"""


def _file_digest(path: Path) -> str:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def test_sigkill_mid_write_leaves_original_unchanged(neuroconv_templates, tmp_path):
    # (format, stage) scenarios run side by side, to pay the child processes' start-up once
    scenarios = [("nwb", "before_swap"), ("nwb", "mid_write"), ("zarr", "before_swap")]
    script = nwb_only_script(WRITER)
    runs = []
    for suffix, stage in scenarios:
        folder = tmp_path / stage / suffix
        folder.mkdir(parents=True)
        path = copy_template(neuroconv_templates[suffix], folder)
        ready = tmp_path / f"{stage}-{suffix}.ready"
        child = subprocess.Popen([sys.executable, "-c", script, str(path), stage, str(ready)])
        runs.append((path, ready, child, checksums(path), _file_digest(path)))
    try:
        deadline = time.monotonic() + 60
        for _path, ready, child, _sums, _digest in runs:
            while not ready.exists():
                assert child.poll() is None, "a writer exited before reaching its pause"
                assert time.monotonic() < deadline, "a writer never reached its pause"
                time.sleep(0.05)
            os.kill(child.pid, signal.SIGKILL)
    finally:
        for run in runs:
            run[2].kill()
            run[2].wait()
    for path, _ready, child, sums, digest in runs:
        assert child.returncode == -signal.SIGKILL
        assert _file_digest(path) == digest, path
        assert checksums(path) == sums
        assert read_predictions(path) == {}
        write_region_predictions(path, region_predictions(["CH0"]))  # a leftover copy does not block
        assert list(read_predictions(path)) == ["lfp_region"]


def test_copy_file_keeps_bytes_and_mode(tmp_path):
    source = tmp_path / "a.bin"
    source.write_bytes(os.urandom(1 << 16))
    source.chmod(0o640)
    copy_file(source, tmp_path / "b.bin")
    assert (tmp_path / "b.bin").read_bytes() == source.read_bytes()
    assert (tmp_path / "b.bin").stat().st_mode == source.stat().st_mode


def test_error_during_write_removes_the_copy(neuroconv_path, monkeypatch):
    import spikeinterface_xmodal.nwb.writers as writers

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(writers, "_processing_module", fail)
    digest = _file_digest(neuroconv_path)
    with pytest.raises(OSError, match="disk full"):
        write_region_predictions(neuroconv_path, region_predictions(["CH0"]))
    assert _file_digest(neuroconv_path) == digest
    assert working_copies(neuroconv_path) == []


def test_reader_holding_the_file_open_keeps_seeing_the_old_one(neuroconv_templates, tmp_path):
    import h5py

    path = copy_template(neuroconv_templates["nwb"], tmp_path)
    with h5py.File(path, "r") as reader:
        write_region_predictions(path, region_predictions(["CH0"]))
        assert "lfp_region" not in reader["processing/ecephys"]
        assert reader["general/extracellular_ephys/electrodes/channel_name"].shape == (8,)
    assert list(read_predictions(path)) == ["lfp_region"]
