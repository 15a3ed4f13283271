"""Model folders: weights plus a JSON card, written atomically, checked on load, identified by a hash."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from .version import __version__

CARD_FILENAME = "card.json"
CARD_FORMAT_VERSION = 1
REQUIRED_CARD_KEYS = ("kind", "card_format_version", "package_version", "classes")


def folder_hash(folder: str | Path) -> str:
    """SHA-256 over the relative paths and bytes of every file in a model folder."""
    folder = Path(folder)
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def save_model_folder(
    folder: str | Path,
    card: dict,
    write_weights: Callable[[Path], None],
    overwrite: bool = False,
) -> Path:
    """Write a model folder atomically: weights and ``card.json`` appear together or not at all.

    Parameters
    ----------
    folder : str or Path
        Destination folder.
    card : dict
        JSON-serialisable card; ``kind`` and ``classes`` are required, the format and package versions
        and a creation time are added.
    write_weights : callable
        Called with a temporary folder; writes the weight file(s) into it.
    overwrite : bool, default: False
        Replace an existing folder.

    Returns
    -------
    Path
        The written folder.
    """
    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise FileExistsError(f"Model folder {folder} already exists; pass overwrite=True to replace it")
    card = dict(card)
    card.setdefault("card_format_version", CARD_FORMAT_VERSION)
    card.setdefault("package_version", __version__)
    card.setdefault("created", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    missing = [key for key in REQUIRED_CARD_KEYS if key not in card]
    if missing:
        raise ValueError(f"The model card lacks required keys {missing}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        write_weights(tmp)
        (tmp / CARD_FILENAME).write_text(json.dumps(card, indent=2, sort_keys=True), encoding="utf8")
        # move the old model aside before swapping the new one in, and delete it only afterwards:
        # a crash at any point leaves a complete model (old or new) under a recognisable name
        previous = folder.with_name(f".{folder.name}.previous-{tmp.name}") if folder.exists() else None
        if previous is not None:
            os.replace(folder, previous)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    return folder


def read_model_card(folder: str | Path, expected_kind: str | None = None) -> dict:
    """Read and check the card of a model folder.

    Parameters
    ----------
    folder : str or Path
        The model folder.
    expected_kind : str or None, default: None
        If given, the card's ``kind`` must equal it.

    Returns
    -------
    dict
        The card.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Model folder {folder} does not exist or is not a folder")
    card_path = folder / CARD_FILENAME
    if not card_path.is_file():
        raise ValueError(f"{folder} is not a model folder: it has no {CARD_FILENAME}")
    try:
        card = json.loads(card_path.read_text(encoding="utf8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"The model card {card_path} is corrupt (not valid JSON): {error}") from error
    if not isinstance(card, dict):
        raise ValueError(f"The model card {card_path} is corrupt: expected a JSON object")
    missing = [key for key in REQUIRED_CARD_KEYS if key not in card]
    if missing:
        raise ValueError(f"The model card {card_path} is corrupt: it lacks {missing}")
    if card["card_format_version"] > CARD_FORMAT_VERSION:
        raise ValueError(
            f"The model in {folder} was written by spikeinterface-xmodal {card['package_version']} with card format "
            f"{card['card_format_version']}; this version ({__version__}) reads up to {CARD_FORMAT_VERSION}. Upgrade."
        )
    if expected_kind is not None and card["kind"] != expected_kind:
        raise ValueError(f"The model in {folder} is a {card['kind']!r} model, expected a {expected_kind!r} model")
    return card
