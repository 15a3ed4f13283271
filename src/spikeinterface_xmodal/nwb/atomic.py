"""All-or-nothing updates of a file or directory: edit a copy, flush it, then swap it in.

The copy is made in the same directory (so the final rename stays on one file system) with a reflink
(copy-on-write clone, instant on btrfs / XFS / APFS-like file systems) when the file system supports it,
else with a plain copy. A process killed at any point leaves the original untouched; at worst a hidden
``.<name>.xmodal-*`` copy is left next to it. The copy is swapped in only if the original did not change
meanwhile, and with the original's owner and mode.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import NWBFileBusyError, NWBFileError, NWBFilePermissionError
from .ownership import match_owner_and_mode

try:
    import fcntl
except ImportError:  # Windows: no reflinks, plain copies only
    fcntl = None

_FICLONE = 0x40049409  # Linux ioctl: clone a whole file (reflink)
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2  # Linux renameat2: paths relative to the cwd, swap the two entries
_NO_EXCHANGE = (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP)  # kernel or file system lacks it


def copy_file(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Copy one file with its permission bits and extended attributes, as a reflink when possible."""
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
    shutil.copystat(source, target)


def fingerprint(path: Path) -> tuple:
    """Return what changes when another program writes ``path``: inode, size and times of every entry."""
    entries = [path, *sorted(path.rglob("*"))] if path.is_dir() else [path]
    return tuple(
        (str(entry.relative_to(path)), info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        for entry in entries
        for info in (entry.lstat(),)
    )


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


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


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


def _warn_owner_not_kept(not_kept: list[Path], work: Path, shown_as: str | Path) -> None:
    if not_kept:
        inside = [str(entry.relative_to(work)) for entry in not_kept[:3]]
        warnings.warn(
            f"{shown_as}: you may not give files to their owner, so {len(not_kept)} updated entries are now "
            f"owned by you ({', '.join(inside)}); their group and mode were kept",
            UserWarning,
            stacklevel=4,
        )


@contextmanager
def updated_copy(target: str | os.PathLike, shown_as: str | os.PathLike | None = None) -> Iterator[Path]:
    """Yield a fresh copy of ``target`` to edit; on success it replaces ``target``, on error it is deleted.

    The caller holds the writer lock of ``target`` (see :func:`.locking.writer_lock`).

    Parameters
    ----------
    target : path-like
        The file or directory to update (already resolved: not a symlink).
    shown_as : path-like or None
        The path to name in error messages (the user's path); default ``target``.

    Yields
    ------
    Path
        The copy, in the same directory as ``target``.

    Raises
    ------
    NWBFileBusyError
        If ``target`` changed while the copy was being edited (another program wrote it): the copy is
        discarded and ``target`` is left as that program wrote it.
    NWBFilePermissionError
        If writing the copy is not permitted.
    """
    target = Path(target)
    shown_as = target if shown_as is None else shown_as
    work = target.with_name(f".{target.name}.xmodal-{uuid.uuid4().hex[:8]}")
    before = fingerprint(target)
    try:
        if target.is_dir():
            shutil.copytree(target, work, copy_function=copy_file)
        else:
            copy_file(target, work)
        yield work
        not_kept = match_owner_and_mode(work, target)
        fsync_tree(work)
        if fingerprint(target) != before:
            raise NWBFileBusyError(
                f"{shown_as} was changed by another program while the predictions were being added; it is left "
                "as that program wrote it and nothing was added: try again"
            )
        swap_in(work, target)
    except PermissionError as error:
        _remove(work)
        if isinstance(error, NWBFileError):
            raise
        reason = str(error).replace(str(work), str(shown_as))
        raise NWBFilePermissionError(f"cannot update {shown_as}: {reason}") from error
    except BaseException:
        _remove(work)
        raise
    _warn_owner_not_kept(not_kept, work, shown_as)
