"""All-or-nothing updates of a file or directory: edit a copy, flush it, then swap it in.

The copy is made in the same directory (so the final rename stays on one file system) with a reflink
(copy-on-write clone, instant on btrfs / XFS / APFS-like file systems) when the file system supports it,
else with a plain copy. A process killed at any point leaves the original untouched; at worst a hidden
``.<name>.xmodal-*`` copy is left next to it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no reflinks, plain copies only
    fcntl = None

_FICLONE = 0x40049409  # Linux ioctl: clone a whole file (reflink)


def copy_file(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Copy one file with its permission bits, as a reflink when possible, else byte by byte."""
    cloned = False
    if fcntl is not None:
        with open(source, "rb") as src, open(target, "wb") as dst:
            try:
                fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
                cloned = True
            except OSError:
                pass
    if not cloned:
        shutil.copyfile(source, target)
    shutil.copymode(source, target)


def _fsync_path(path: Path) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if path.is_dir() else 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # directories cannot be opened on some platforms; nothing to flush then
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    if path.is_dir():
        for root, _dirs, files in os.walk(path):
            for name in files:
                _fsync_path(Path(root) / name)
            _fsync_path(Path(root))
    else:
        _fsync_path(path)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def swap_in(work: Path, target: Path) -> None:
    """Put ``work`` in place of ``target``.

    A file is replaced with one atomic ``os.replace``. A directory (Zarr) cannot be replaced atomically
    while it is not empty: the original is renamed aside, the new one renamed in, then the old one deleted.
    """
    if work.is_dir():
        old = target.with_name(f".{target.name}.xmodal-old-{uuid.uuid4().hex[:8]}")
        os.rename(target, old)
        os.rename(work, target)
        _fsync_path(target.parent)
        shutil.rmtree(old)
    else:
        os.replace(work, target)
    _fsync_path(target.parent)


@contextmanager
def updated_copy(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh copy of ``target`` to edit; on success it replaces ``target``, on error it is deleted.

    Parameters
    ----------
    target : path-like
        The file or directory to update.

    Yields
    ------
    Path
        The copy, in the same directory as ``target``.
    """
    target = Path(target)
    work = target.with_name(f".{target.name}.xmodal-{uuid.uuid4().hex[:8]}")
    try:
        if target.is_dir():
            shutil.copytree(target, work, copy_function=copy_file)
        else:
            copy_file(target, work)
        yield work
        _fsync_tree(work)
        swap_in(work, target)
    except BaseException:
        _remove(work)
        raise
