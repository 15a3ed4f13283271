"""Give an updated copy the owner and mode of what it replaces, so that the swap changes no permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def _entries(path: Path) -> list[Path]:
    return [path, *sorted(path.rglob("*"))] if path.is_dir() else [path]


def _set(entry: Path, mode: int, uid: int, gid: int) -> bool:
    """Set mode, owner and group of ``entry``; return False if the owner could not be kept."""
    info = entry.lstat()
    if stat.S_IMODE(info.st_mode) != mode:
        os.chmod(entry, mode)
    if (info.st_uid, info.st_gid) == (uid, gid) or not hasattr(os, "chown"):  # Windows has no owners to keep
        return True
    try:
        os.chown(entry, uid, gid)
        return True
    except PermissionError:  # only root may give a file away; keeping the group is often allowed
        try:
            os.chown(entry, -1, gid)
        except PermissionError:
            pass
        return False


def match_owner_and_mode(copy: Path, original: Path) -> list[Path]:
    """Give every entry of ``copy`` the owner and mode of its counterpart in ``original``.

    For a Zarr directory, entries that are new in the copy (the new table's groups and chunks, or metadata
    files that Zarr rewrote) get the owner of the store's root directory and its mode (without the execute
    bits for files), so that whoever could edit the store can still edit all of it.

    Parameters
    ----------
    copy : Path
        The edited copy (a file, or a directory tree).
    original : Path
        The file or directory it will replace.

    Returns
    -------
    list of Path
        Entries of ``copy`` whose owner could not be kept (the current user is not allowed to set it).
    """
    root = original.stat()
    not_kept = []
    for entry in _entries(copy):
        counterpart = original / entry.relative_to(copy)
        try:
            reference = counterpart.lstat()
            mode = stat.S_IMODE(reference.st_mode)
        except FileNotFoundError:
            reference = root
            mode = stat.S_IMODE(root.st_mode) & (0o7777 if entry.is_dir() else 0o666)
        if not entry.is_symlink() and not _set(entry, mode, reference.st_uid, reference.st_gid):
            not_kept.append(entry)
    return not_kept
