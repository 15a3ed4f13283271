import json

import pytest

from spikeinterface_xmodal.model_folder import folder_hash, read_model_card, save_model_folder


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
