"""All-or-nothing updates of a file or directory: edit a copy, flush it, then swap it in.

The copy is made in the same directory (so the final rename stays on one file system) with a reflink
(copy-on-write clone, instant on btrfs / XFS / APFS-like file systems) when the file system supports it,
else with a plain copy. A process killed at any point leaves the original untouched; at worst a hidden
``.<name>.xmodal-*`` copy is left next to it. The copy is swapped in only if the original did not change
meanwhile, and with the original's owner and mode.
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..atomic_paths import fsync_tree, swap_in
from .errors import NWBFileBusyError, NWBFileError, NWBFilePermissionError
from .ownership import match_owner_and_mode

try:
    import fcntl
except ImportError:  # Windows: no reflinks, plain copies only
    fcntl = None

_FICLONE = 0x40049409  # Linux ioctl: clone a whole file (reflink)


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


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


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
