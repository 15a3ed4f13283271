"""Replacing a file or a folder in one step, so that a process killed at any point leaves the old or the new one.

Used by the NWB writers (``nwb.atomic``) and by the analyzer extensions' staged saves.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import uuid
from pathlib import Path

_AT_FDCWD, _RENAME_EXCHANGE = -100, 2  # Linux renameat2: paths relative to the cwd, swap the two entries
_NO_EXCHANGE = (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP)  # kernel or file system lacks it


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


def fsync_tree(path: Path) -> None:
    """Flush a file, or every file and folder of a directory tree, to disk."""
    if path.is_dir():
        for root, _dirs, files in os.walk(path):
            for name in files:
                _fsync_path(Path(root) / name)
            _fsync_path(Path(root))
    else:
        _fsync_path(path)


def exchange_paths(first: Path, second: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    Returns
    -------
    bool
        False, with nothing changed, where the system or the file system cannot do it.
    """
    try:
        renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    except (OSError, TypeError):  # no C library to load by name None (Windows)
        return False
    if renameat2 is None:  # macOS, musl or glibc < 2.28
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _NO_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(second))


def swap_in(work: Path, target: Path) -> None:
    """Put ``work`` in place of ``target``.

    A file is replaced with one atomic ``os.replace``. A directory (Zarr, an analyzer extension) that exists
    is exchanged with ``work`` in one atomic step where the system can (Linux), then the old one, now at
    ``work``, is deleted; elsewhere the original is renamed aside, the new one renamed in, then the old one
    deleted (a process killed between the two renames leaves the original under a hidden name).
    """
    if work.is_dir() and target.exists():
        if exchange_paths(work, target):
            _fsync_path(target.parent)
            shutil.rmtree(work)
            return
        old = target.with_name(f".{target.name}.xmodal-old-{uuid.uuid4().hex[:8]}")
        os.rename(target, old)
        os.rename(work, target)
        _fsync_path(target.parent)
        shutil.rmtree(old)
    else:
        os.replace(work, target)
    _fsync_path(target.parent)
