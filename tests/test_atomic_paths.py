"""Replacing a folder in one step: the original never disappears from its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from spikeinterface_xmodal import atomic_paths


def _folder(path: Path, content: str) -> Path:
    path.mkdir()
    (path / "data.txt").write_text(content)
    return path


def test_a_directory_is_exchanged_in_one_step_and_never_renamed_aside(tmp_path, monkeypatch):
    target, work = _folder(tmp_path / "store", "old"), _folder(tmp_path / ".store.new", "new")
    if not atomic_paths.exchange_paths(work, target):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available on this system")
    atomic_paths.exchange_paths(work, target)  # swapped back: the probe above exchanged them
    assert (target / "data.txt").read_text() == "old"

    def no_rename(*args):
        raise AssertionError("the original was renamed aside: a kill there would leave no store at its path")

    monkeypatch.setattr(atomic_paths.os, "rename", no_rename)
    atomic_paths.swap_in(work, target)
    assert (target / "data.txt").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_without_an_atomic_exchange_a_directory_is_still_swapped(tmp_path, monkeypatch):
    target, work = _folder(tmp_path / "store", "old"), _folder(tmp_path / ".store.new", "new")
    monkeypatch.setattr(atomic_paths, "exchange_paths", lambda first, second: False)
    atomic_paths.swap_in(work, target)
    assert (target / "data.txt").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
