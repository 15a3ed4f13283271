"""Model folders: weights plus a JSON card, written atomically, checked on load, identified by a hash."""

from __future__ import annotations

import hashlib
import json
import os
import reprlib
import secrets
import shutil
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


def _card_kind(folder: Path) -> str | None:
    """The ``kind`` in the card of ``folder``; None when it has no readable card with a string ``kind``."""
    try:
        card = json.loads((folder / CARD_FILENAME).read_text(encoding="utf8"))
    except (OSError, ValueError):  # ValueError covers invalid JSON and undecodable bytes
        return None
    kind = card.get("kind") if isinstance(card, dict) else None
    return kind if isinstance(kind, str) else None


def check_model_folder_writable(folder: str | Path, overwrite: bool = False) -> Path:
    """Check that a model can be saved to ``folder``, before any work is spent on the model.

    Only a model folder (a folder with a readable ``card.json`` that names its ``kind``) is ever replaced,
    and never the working directory or a folder that holds it.

    Parameters
    ----------
    folder : str or Path
        Destination folder.
    overwrite : bool, default: False
        Whether an existing model folder may be replaced.

    Returns
    -------
    Path
        ``folder`` as a Path.

    Raises
    ------
    FileExistsError
        ``folder`` exists and ``overwrite`` is False.
    ValueError
        ``overwrite`` is True but ``folder`` is the working directory or holds it, or is not a model folder.

    Examples
    --------
    >>> check_model_folder_writable("region_model", overwrite=True)  # at the start of a training run
    """
    folder = Path(folder)
    if not (folder.exists() or folder.is_symlink()):
        return folder
    if not overwrite:
        raise FileExistsError(f"Model folder {folder} already exists; pass overwrite=True to replace it")
    cwd = Path.cwd().resolve()
    resolved = folder.resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise ValueError(
            f"Will not replace {folder}: it is the working directory ({cwd}) or holds it; choose a new folder "
            "for the model"
        )
    if not folder.is_dir() or _card_kind(folder) is None:
        raise ValueError(
            f"{folder} is not a model folder (it has no readable {CARD_FILENAME} with a 'kind'), so overwrite will "
            "not replace it; choose a new folder for the model, or remove this one yourself"
        )
    return folder


def _card_problem(card: dict) -> str | None:
    """What is wrong with a card's required fields (missing, or of the wrong type), or None."""
    missing = [key for key in REQUIRED_CARD_KEYS if key not in card]
    if missing:
        return f"it lacks {missing}"
    version, kind, classes = card["card_format_version"], card["kind"], card["classes"]
    if isinstance(version, bool) or not isinstance(version, int):
        return f"'card_format_version' must be an integer, got {reprlib.repr(version)}"
    if not isinstance(kind, str):
        return f"'kind' must be a string, got {reprlib.repr(kind)}"
    strings = isinstance(classes, list) and all(isinstance(c, str) for c in classes)
    if not (strings and len(set(classes)) == len(classes)):
        return f"'classes' must be a list of unique strings, got {reprlib.repr(classes)}"
    return None


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
        Replace an existing model folder (see ``check_model_folder_writable``: nothing else is replaced).

    Returns
    -------
    Path
        The written folder; it and its files get the permissions the umask gives any new folder and file.
    """
    folder = check_model_folder_writable(folder, overwrite)
    card = dict(card)
    card.setdefault("card_format_version", CARD_FORMAT_VERSION)
    card.setdefault("package_version", __version__)
    card.setdefault("created", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    problem = _card_problem(card)
    if problem is not None:
        raise ValueError(f"The model card for {folder} is invalid: {problem}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    # a plain mkdir honours the umask, so colleagues can read the model (tempfile.mkdtemp would make it 0700)
    tmp = folder.parent / f".{folder.name}.{secrets.token_hex(6)}"
    tmp.mkdir()
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
    if previous is not None and previous.is_symlink():  # a link to a model folder was replaced, not its target
        previous.unlink()
    elif previous is not None:
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

    Raises
    ------
    FileNotFoundError
        ``folder`` does not exist.
    ValueError
        ``folder`` has no card, or its card is not valid JSON, lacks a required field, has one of the wrong type
        (``kind`` a string, ``card_format_version`` an integer, ``classes`` a list of unique strings), is of a
        newer format, or is of another kind than ``expected_kind``; the message names the folder and the field.
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
    problem = _card_problem(card)
    if problem is not None:
        raise ValueError(f"The model card {card_path} is corrupt: {problem}")
    if card["card_format_version"] > CARD_FORMAT_VERSION:
        raise ValueError(
            f"The model in {folder} was written by spikeinterface-xmodal {card['package_version']} with card format "
            f"{card['card_format_version']}; this version ({__version__}) reads up to {CARD_FORMAT_VERSION}. Upgrade."
        )
    if expected_kind is not None and card["kind"] != expected_kind:
        raise ValueError(f"The model in {folder} is a {card['kind']!r} model, expected a {expected_kind!r} model")
    return card
