"""Several writers on one file: serialised by a lock, never a lost table; foreign writers are detected."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import h5py
import pynwb
import pytest
from filelock import FileLock

from spikeinterface_xmodal.nwb import (
    NWBFileBusyError,
    locking,
    read_latents,
    read_predictions,
    write_region_predictions,
)
from tests.nwb.conftest import checksums, copy_template, nwb_only_script, region_predictions, working_copies

N_WRITERS = 3  # per format
CHANNELS = [f"CH{i}" for i in range(8)]

# Waits for ``go`` (after touching ``ready``), then appends a table named argv[2] (latents for "latents").
CONCURRENT_WRITER = """
import pathlib, time
import numpy as np
from conftest import region_predictions
from spikeinterface_xmodal.nwb import write_latents, write_region_predictions
path, name, ready, go = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
info = dict(kind="lfp_latent_model", role="distilled_lfp", model_name="student", model_version="0",
            model_hash="ab" * 32)
ready.touch()
while not go.exists():
    time.sleep(0.002)
if name == "latents":
    write_latents(path, 0.01 + 0.02 * np.arange(30), np.ones((30, 4), dtype="float32"), info, name=name)
else:
    write_region_predictions(path, region_predictions(["CH" + str(i) for i in range(8)], model_name=name), name=name)
"""

# Holds the file open for writing (an HDF5 file lock), the way another program appending to it would.
FOREIGN_HDF5_WRITER = """
import pathlib, sys, time, h5py
file = h5py.File(sys.argv[1], "a")
pathlib.Path(sys.argv[2]).touch()
time.sleep(60)
"""


def _wait_for(paths: list[Path], children: list[subprocess.Popen], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        assert all(c.poll() is None for c in children), "a child exited early"
        assert time.monotonic() < deadline, "children never got ready"
        time.sleep(0.02)


def _validate(path: Path) -> list:
    if path.is_dir():
        from hdmf_zarr import NWBZarrIO

        with NWBZarrIO(str(path), "r") as io:
            return pynwb.validate(io=io)
    return pynwb.validate(path=str(path))


def test_concurrent_writers_keep_every_table_and_the_latents(neuroconv_templates, tmp_path):
    # HDF5 and Zarr writers run side by side, to pay the child processes' start-up once
    script = nwb_only_script(CONCURRENT_WRITER)
    go = tmp_path / "go"
    paths, runs = {}, []
    for suffix in ("nwb", "zarr"):
        folder = tmp_path / suffix
        folder.mkdir()
        paths[suffix] = copy_template(neuroconv_templates[suffix], folder)
        for i, name in enumerate([*(f"model_{i}" for i in range(N_WRITERS)), "latents"]):
            ready = folder / f"{i}.ready"
            command = [sys.executable, "-c", script, str(paths[suffix]), name, str(ready), str(go)]
            runs.append((ready, subprocess.Popen(command, stderr=subprocess.PIPE)))
    children = [child for _ready, child in runs]
    try:
        _wait_for([ready for ready, _child in runs], children)
        go.touch()  # all start writing at the same moment
        errors = [child.communicate(timeout=120)[1].decode() for child in children]
    finally:
        for child in children:
            child.kill()
            child.wait()
    assert [child.returncode for child in children] == [0] * len(children), errors
    names = [f"model_{i}" for i in range(N_WRITERS)]
    for path in paths.values():
        tables = read_predictions(path)
        assert sorted(tables) == names, path
        assert [tables[name].attrs["model_name"] for name in names] == names
        assert read_latents(path, name="latents").latents.shape == (30, 4)
        assert _validate(path) == []
        assert working_copies(path) == []


def _replace_behind_our_back(path: Path) -> None:
    """Change the original the way another program would while our copy is being edited."""
    if path.is_dir():
        import zarr

        zarr.open_group(str(path), mode="r+").attrs["changed_by"] = "another program"
    else:
        other = path.with_name("other.nwb")
        shutil.copyfile(path, other)
        with h5py.File(other, "r+") as file:
            file.attrs["changed_by"] = "another program"
        os.replace(other, path)


def test_original_changed_meanwhile_is_not_replaced(neuroconv_path, monkeypatch):
    import spikeinterface_xmodal.nwb.writers as writers

    processing_module = writers._processing_module

    def change_original_then_continue(*args, **kwargs):
        _replace_behind_our_back(neuroconv_path)
        return processing_module(*args, **kwargs)

    monkeypatch.setattr(writers, "_processing_module", change_original_then_continue)
    with pytest.raises(NWBFileBusyError, match="changed by another program") as error:
        write_region_predictions(neuroconv_path, region_predictions(CHANNELS))
    assert str(neuroconv_path) in str(error.value)
    assert read_predictions(neuroconv_path) == {}  # the other program's version is kept, ours was not swapped in
    if neuroconv_path.is_dir():
        import zarr

        assert zarr.open_group(str(neuroconv_path), mode="r").attrs["changed_by"] == "another program"
    else:
        with h5py.File(neuroconv_path, "r") as file:
            assert file.attrs["changed_by"] == "another program"
    assert working_copies(neuroconv_path) == []


def test_waiting_for_another_writer_times_out_clearly(neuroconv_path, monkeypatch):
    monkeypatch.setattr(locking, "LOCK_TIMEOUT_S", 0.2)
    before = checksums(neuroconv_path)
    with FileLock(locking.lock_path(neuroconv_path)), pytest.raises(NWBFileBusyError) as error:
        write_region_predictions(neuroconv_path, region_predictions(CHANNELS))
    assert f"{neuroconv_path}" in str(error.value) and "another" in str(error.value)
    assert checksums(neuroconv_path) == before


def test_file_open_for_writing_elsewhere_is_named_clearly(neuroconv_templates, tmp_path):
    path = copy_template(neuroconv_templates["nwb"], tmp_path)
    ready = tmp_path / "ready"
    child = subprocess.Popen([sys.executable, "-c", FOREIGN_HDF5_WRITER, str(path), str(ready)])
    try:
        _wait_for([ready], [child])
        for call in (
            lambda: write_region_predictions(path, region_predictions(CHANNELS)),
            lambda: read_predictions(path),
        ):
            with pytest.raises(NWBFileBusyError, match="open for writing in another program") as error:
                call()
            assert str(path) in str(error.value) and "xmodal-" not in str(error.value)
    finally:
        child.kill()
        child.wait()
    assert read_predictions(path) == {}
    assert working_copies(path) == []
