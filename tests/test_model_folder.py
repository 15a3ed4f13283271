import json
import os
import re
import stat

import pytest

from spikeinterface_xmodal.model_folder import (
    check_model_folder_writable,
    folder_hash,
    read_model_card,
    save_model_folder,
)


def _write_weights(folder):
    (folder / "weights.bin").write_bytes(b"\x00\x01")


def test_model_folder_round_trip_and_hash(tmp_path):
    folder = save_model_folder(tmp_path / "m", dict(kind="toy", classes=["a"]), _write_weights)
    card = read_model_card(folder, expected_kind="toy")
    assert card["classes"] == ["a"] and "package_version" in card and "created" in card
    digest = folder_hash(folder)
    assert digest == folder_hash(folder)
    (folder / "weights.bin").write_bytes(b"\x00\x02")
    assert folder_hash(folder) != digest


def test_existing_folder_is_kept_unless_overwrite(tmp_path):
    save_model_folder(tmp_path / "m", dict(kind="toy", classes=["a"]), _write_weights)
    with pytest.raises(FileExistsError):
        save_model_folder(tmp_path / "m", dict(kind="toy", classes=["b"]), _write_weights)
    save_model_folder(tmp_path / "m", dict(kind="toy", classes=["b"]), _write_weights, overwrite=True)
    assert read_model_card(tmp_path / "m")["classes"] == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temporary or previous copy left behind


def test_failed_overwrite_keeps_the_previous_model(tmp_path):
    save_model_folder(tmp_path / "m", dict(kind="toy", classes=["a"]), _write_weights)

    def failing(folder):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        save_model_folder(tmp_path / "m", dict(kind="toy", classes=["b"]), failing, overwrite=True)
    assert read_model_card(tmp_path / "m")["classes"] == ["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_failed_write_leaves_nothing_behind(tmp_path):
    def failing(folder):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        save_model_folder(tmp_path / "m", dict(kind="toy", classes=["a"]), failing)
    assert list(tmp_path.iterdir()) == []


def test_missing_corrupt_or_wrong_models_fail_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_model_card(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"no card\.json"):
        read_model_card(tmp_path / "empty")
    folder = save_model_folder(tmp_path / "m", dict(kind="toy", classes=["a"]), _write_weights)
    with pytest.raises(ValueError, match="is a 'toy' model"):
        read_model_card(folder, expected_kind="lfp_region_baseline")
    card = json.loads((folder / "card.json").read_text())
    (folder / "card.json").write_text(json.dumps({**card, "card_format_version": 99}))
    with pytest.raises(ValueError, match="Upgrade"):
        read_model_card(folder)
    (folder / "card.json").write_text("{not json")
    with pytest.raises(ValueError, match="corrupt"):
        read_model_card(folder)


@pytest.fixture
def umask():
    """``os.umask`` for one test: the umask it sets is undone afterwards."""
    previous = os.umask(0o022)
    yield os.umask
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _a_model(folder):
    return save_model_folder(folder, dict(kind="toy", classes=["a"]), _write_weights)


def test_overwrite_replaces_only_a_model_folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "recording.bin").write_bytes(b"precious")
    with pytest.raises(ValueError, match=rf"{re.escape(str(data))} is not a model folder"):
        save_model_folder(data, dict(kind="toy", classes=["a"]), _write_weights, overwrite=True)
    # a folder whose card is unreadable or has no kind is not a model folder either
    for card_text in ["{not json", json.dumps({"classes": ["a"]}), json.dumps({"kind": 3}), "[]"]:
        (data / "card.json").write_text(card_text)
        with pytest.raises(ValueError, match="is not a model folder"):
            save_model_folder(data, dict(kind="toy", classes=["a"]), _write_weights, overwrite=True)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    with pytest.raises(ValueError, match="is not a model folder"):
        save_model_folder(a_file, dict(kind="toy", classes=["a"]), _write_weights, overwrite=True)
    assert (data / "recording.bin").read_bytes() == b"precious" and a_file.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "notes.txt"]


def test_overwrite_never_replaces_the_working_directory_or_its_parents(tmp_path, monkeypatch):
    # the model folder being the working directory (or holding it) must not save it
    model = _a_model(tmp_path / "m")
    (model / "sub").mkdir()
    for cwd, target in [(model, "."), (model, model), (model / "sub", model), (model / "sub", "..")]:
        monkeypatch.chdir(cwd)
        with pytest.raises(ValueError, match="working directory"):
            save_model_folder(target, dict(kind="toy", classes=["b"]), _write_weights, overwrite=True)
    assert read_model_card(model)["classes"] == ["a"] and (model / "sub").is_dir()


def test_overwrite_through_a_link_replaces_the_link_only(tmp_path):
    target = _a_model(tmp_path / "target")
    (tmp_path / "link").symlink_to(target)
    save_model_folder(tmp_path / "link", dict(kind="toy", classes=["b"]), _write_weights, overwrite=True)
    assert read_model_card(target)["classes"] == ["a"] and read_model_card(tmp_path / "link")["classes"] == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "target"]


def test_check_model_folder_writable_before_any_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert check_model_folder_writable(tmp_path / "new" / "m") == tmp_path / "new" / "m"
    model = _a_model(tmp_path / "m")
    with pytest.raises(FileExistsError, match="already exists; pass overwrite=True"):
        check_model_folder_writable(model)
    assert check_model_folder_writable(model, overwrite=True) == model
    for folder in [".", tmp_path, tmp_path.parent]:
        with pytest.raises(ValueError, match="working directory"):
            check_model_folder_writable(folder, overwrite=True)
    with pytest.raises(FileExistsError):
        check_model_folder_writable(".")  # without overwrite an existing folder is refused first


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_model_folders_honour_the_umask(tmp_path, umask, mask):
    umask(mask)
    (tmp_path / "plain_folder").mkdir()
    (tmp_path / "plain_file").write_bytes(b"")
    expected_folder, expected_file = _mode(tmp_path / "plain_folder"), _mode(tmp_path / "plain_file")
    assert (expected_folder, expected_file) == (0o777 & ~mask, 0o666 & ~mask)
    for overwrite in [False, True]:  # a new folder, then a replaced one
        folder = save_model_folder(tmp_path / "m", dict(kind="toy", classes=["a"]), _write_weights, overwrite=overwrite)
        assert _mode(folder) == expected_folder
        modes = {p.name: _mode(p) for p in folder.iterdir()}
        assert modes == {"card.json": expected_file, "weights.bin": expected_file}


_VALID_CARD = dict(kind="toy", card_format_version=1, package_version="0.1", classes=["a", "b"])


@pytest.mark.parametrize(
    "field, value",
    [
        ("card_format_version", "1"),
        ("card_format_version", 1.0),
        ("card_format_version", True),
        ("card_format_version", None),
        ("classes", "ab"),
        ("classes", ["a", "a"]),
        ("classes", ["a", 1]),
        ("classes", {"a": 0}),
        ("kind", 3),
        ("kind", None),
        ("kind", ["toy"]),
    ],
)
def test_card_fields_of_the_wrong_type_are_named(tmp_path, field, value):
    folder = _a_model(tmp_path / "m")
    (folder / "card.json").write_text(json.dumps({**_VALID_CARD, field: value}))
    with pytest.raises(ValueError, match=rf"{re.escape(str(folder))}.*'{field}'"):
        read_model_card(folder)
    # and such a card is never written
    with pytest.raises(ValueError, match=rf"'{field}'"):
        save_model_folder(tmp_path / "other", {**_VALID_CARD, field: value}, _write_weights)
    assert not (tmp_path / "other").exists()
