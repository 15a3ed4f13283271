"""Paths that are not NWB files get one clear message, from the API and from ``xmodal nwb``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from spikeinterface_xmodal.cli import main
from spikeinterface_xmodal.nwb import NotNWBFileError, read_predictions, write_region_predictions
from tests.nwb.conftest import region_predictions, working_copies


def _text(folder: Path) -> Path:
    path = folder / "notes.nwb"
    path.write_text("not an NWB file\n")
    return path


def _empty(folder: Path) -> Path:
    path = folder / "empty.nwb"
    path.touch()
    return path


def _truncated(folder: Path, template: Path) -> Path:
    path = folder / "truncated.nwb"
    path.write_bytes(template.read_bytes()[: template.stat().st_size // 2])
    return path


def _plain_hdf5(folder: Path) -> Path:
    path = folder / "plain.h5"
    with h5py.File(path, "w") as file:
        file["data"] = np.arange(3)
    return path


def _plain_directory(folder: Path) -> Path:
    path = folder / "folder.nwb"
    path.mkdir()
    (path / "readme.txt").write_text("hello")
    return path


def _zarr_not_nwb(folder: Path) -> Path:
    import zarr

    path = folder / "plain.zarr"
    zarr.open_group(str(path), mode="w").create_dataset("data", data=np.arange(3))
    return path


def _zarr_truncated(folder: Path, template: Path) -> Path:
    path = folder / "broken.zarr"
    shutil.copytree(template, path)
    shutil.rmtree(path / "identifier")  # a required dataset
    return path


BAD_FILES = {
    "text": (lambda folder, templates: _text(folder), "not an HDF5 file"),
    "empty": (lambda folder, templates: _empty(folder), "empty file"),
    "truncated HDF5": (lambda folder, templates: _truncated(folder, templates["nwb"]), "truncated or damaged"),
    "plain HDF5": (lambda folder, templates: _plain_hdf5(folder), "no 'nwb_version'"),
    "plain directory": (lambda folder, templates: _plain_directory(folder), "not a Zarr store"),
    "Zarr, not NWB": (lambda folder, templates: _zarr_not_nwb(folder), "no 'nwb_version'"),
    "damaged Zarr NWB": (lambda folder, templates: _zarr_truncated(folder, templates["zarr"]), "pynwb cannot read it"),
}


@pytest.fixture(params=list(BAD_FILES))
def bad_file(request, tmp_path, neuroconv_templates) -> tuple[Path, str]:
    make, why = BAD_FILES[request.param]
    return make(tmp_path, neuroconv_templates), why


def test_not_an_nwb_file_one_message(bad_file):
    path, why = bad_file
    pattern = rf"^not an NWB file: {re.escape(str(path))} \(.*{re.escape(why)}.*\)$"
    with pytest.raises(NotNWBFileError, match=pattern):
        read_predictions(path)
    with pytest.raises(NotNWBFileError, match=pattern):
        write_region_predictions(path, region_predictions([0]))
    assert working_copies(path) == []


def test_cli_exits_2_with_one_line(bad_file, capsys):
    path, _why = bad_file
    for argv in (["nwb", "show", str(path)], ["nwb", "write", "no_such_analyzer", str(path)]):
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert captured.err.startswith(f"xmodal: error: not an NWB file: {path} (")
        assert captured.err.count("\n") == 1, captured.err
