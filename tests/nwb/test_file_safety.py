"""The file the user meant is updated, with its links, owner and mode; read-only files are respected."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from spikeinterface_xmodal.nwb import NWBFileError, NWBFilePermissionError, read_predictions, write_region_predictions
from tests.nwb.conftest import checksums, copy_template, region_predictions, working_copies

CHANNELS = [f"CH{i}" for i in range(8)]
OTHER_USER = 65534  # nobody


def _write(path: Path) -> None:
    write_region_predictions(path, region_predictions(CHANNELS))


def _entries(path: Path) -> list[Path]:
    return [path, *path.rglob("*")] if path.is_dir() else [path]


def test_symlink_updates_its_target_and_stays_a_link(neuroconv_path, tmp_path):
    link_folder = tmp_path / "links"
    link_folder.mkdir()
    link = link_folder / f"link_{neuroconv_path.name}"
    link.symlink_to(neuroconv_path)
    _write(link)
    assert link.is_symlink() and link.resolve() == neuroconv_path
    assert list(read_predictions(neuroconv_path)) == ["lfp_region"]
    assert working_copies(link) == [] and working_copies(neuroconv_path) == []


def test_hard_linked_file_is_refused(neuroconv_templates, tmp_path):
    path = copy_template(neuroconv_templates["nwb"], tmp_path)
    other = tmp_path / "other_name.nwb"
    os.link(path, other)
    before = checksums(path)
    with pytest.raises(NWBFileError, match="2 hard links") as error:
        _write(path)
    assert str(path) in str(error.value)
    assert checksums(path) == before
    assert os.stat(path).st_ino == os.stat(other).st_ino


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing owners needs root")
def test_owner_and_mode_are_kept(neuroconv_path):
    for entry in _entries(neuroconv_path):
        os.chown(entry, OTHER_USER, OTHER_USER)
    neuroconv_path.chmod(0o750 if neuroconv_path.is_dir() else 0o640)
    mode = stat.S_IMODE(neuroconv_path.stat().st_mode)
    _write(neuroconv_path)
    assert stat.S_IMODE(neuroconv_path.stat().st_mode) == mode
    owners = {(entry.stat().st_uid, entry.stat().st_gid) for entry in _entries(neuroconv_path)}
    assert owners == {(OTHER_USER, OTHER_USER)}  # new entries of a Zarr store too, so its owner can edit them
    if neuroconv_path.is_dir():
        table = neuroconv_path / "processing" / "ecephys" / "lfp_region"
        assert stat.S_IMODE(table.stat().st_mode) == 0o750
        assert stat.S_IMODE((table / ".zattrs").stat().st_mode) == 0o640


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing owners needs root")
def test_owner_that_cannot_be_kept_warns(neuroconv_templates, tmp_path, monkeypatch):
    path = copy_template(neuroconv_templates["nwb"], tmp_path)
    os.chown(path, OTHER_USER, OTHER_USER)

    def not_permitted(*args):  # what a user other than root gets
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chown", not_permitted)
    with pytest.warns(UserWarning, match="now owned by you"):
        _write(path)
    assert list(read_predictions(path)) == ["lfp_region"]


@pytest.fixture
def restore_modes():
    """Give write permission back to the paths a test made read-only, so that tmp_path can be deleted."""
    paths = []
    yield paths
    for path in paths:
        path.chmod(0o755)


def test_read_only_file_is_refused(neuroconv_path, restore_modes):
    neuroconv_path.chmod(0o555 if neuroconv_path.is_dir() else 0o444)
    restore_modes.append(neuroconv_path)
    before = checksums(neuroconv_path)
    with pytest.raises(NWBFilePermissionError, match="read-only") as error:
        _write(neuroconv_path)
    assert str(neuroconv_path) in str(error.value)
    assert checksums(neuroconv_path) == before
    assert isinstance(error.value, PermissionError)


def test_read_only_directory_is_named(neuroconv_templates, tmp_path, restore_modes):
    folder = tmp_path / "frozen"
    folder.mkdir()
    path = copy_template(neuroconv_templates["nwb"], folder)
    folder.chmod(0o555)
    restore_modes.append(folder)
    with pytest.raises(NWBFilePermissionError) as error:
        _write(path)
    message = str(error.value)
    assert str(path) in message and str(folder) in message and "xmodal-" not in message
    assert read_predictions(path) == {}
