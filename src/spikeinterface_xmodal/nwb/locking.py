"""One writer at a time per NWB file: an OS file lock (``filelock``) on a hidden file next to it."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import NWBFileBusyError, NWBFilePermissionError

LOCK_TIMEOUT_S = 1800.0  # how long a writer waits for another one to finish (copying a large file can take minutes)


def lock_path(target: str | Path) -> Path:
    """Return the lock file of ``target``: ``.<name>.xmodal.lock`` in the same directory.

    The lock file is left in place after a write (removing it would let two writers hold different locks);
    it is empty and its presence does not mean that a write is running.
    """
    target = Path(target)
    return target.with_name(f".{target.name}.xmodal.lock")


@contextmanager
def writer_lock(target: Path, shown_as: str | Path) -> Iterator[None]:
    """Hold the exclusive writer lock of ``target`` (waiting up to ``LOCK_TIMEOUT_S`` for other writers).

    Parameters
    ----------
    target : Path
        The resolved file or Zarr directory that is about to be updated.
    shown_as : str or Path
        The user's path, for error messages.

    Raises
    ------
    NWBFileBusyError
        If another writer holds the lock for longer than ``LOCK_TIMEOUT_S``.
    NWBFilePermissionError
        If the lock file cannot be created or opened.
    """
    # whoever may write the file may take its lock
    mode = stat.S_IMODE(target.stat().st_mode) & 0o666
    lock = FileLock(lock_path(target), timeout=LOCK_TIMEOUT_S, mode=mode)
    try:
        lock.acquire()
    except Timeout as error:
        raise NWBFileBusyError(
            f"{shown_as} is being updated by another writer (it has held {lock.lock_file} for more than "
            f"{LOCK_TIMEOUT_S:g} s); try again when it has finished"
        ) from error
    except PermissionError as error:
        raise NWBFilePermissionError(
            f"cannot update {shown_as}: its lock file {lock.lock_file} cannot be opened ({error.strerror})"
        ) from error
    try:
        yield
    finally:
        lock.release()
