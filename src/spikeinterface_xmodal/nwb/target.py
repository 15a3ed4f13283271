"""Which file a write updates: the real file behind any symlink, refused when read-only or hard-linked."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import NWBFileError, NWBFilePermissionError
from .fileio import check_nwb_path


def _is_writable(path: Path, info: os.stat_result) -> bool:
    """Writable by this user, and not marked read-only for everybody (which even root's writes respect here)."""
    access = os.W_OK | (os.X_OK if stat.S_ISDIR(info.st_mode) else 0)
    return bool(info.st_mode & 0o222) and os.access(path, access)


def writable_target(nwb_path: str | Path) -> Path:
    """Return the real path that a write to ``nwb_path`` updates, or raise if it must not be updated.

    Symlinks are followed, so the file the link points to is updated and the link stays a link. A file
    with several hard links is refused: replacing it with an updated copy would split the links (the other
    names would keep the old content), and writing it in place would not survive a crash. A read-only file
    (or Zarr directory), or a read-only directory holding it, is refused as well.

    Parameters
    ----------
    nwb_path : str or Path
        The path the user gave.

    Returns
    -------
    Path
        The resolved path of the file or Zarr directory to update.

    Raises
    ------
    ValueError
        If nothing exists at ``nwb_path``.
    NWBFileError
        If the file has several hard links.
    NWBFilePermissionError
        If the file, or the directory holding it, is read-only or not writable by this user.
    """
    check_nwb_path(nwb_path)
    target = Path(nwb_path).resolve(strict=True)
    info = target.stat()
    through = "" if target == Path(os.path.abspath(nwb_path)) else f" (the target of the link, {target})"
    if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
        raise NWBFileError(
            f"{nwb_path}{through} has {info.st_nlink} hard links: it is updated by writing a copy and swapping it "
            "in, which would leave the other names with the old content, and updating it in place would not "
            "survive a crash. Remove the other links, or write to a separate copy of the file"
        )
    if not _is_writable(target, info):
        raise NWBFilePermissionError(
            f"cannot update {nwb_path}{through}: it is read-only for you (mode {stat.filemode(info.st_mode)}); "
            "make it writable to add predictions"
        )
    folder = target.parent
    if not _is_writable(folder, folder.stat()):
        raise NWBFilePermissionError(
            f"cannot update {nwb_path}{through}: its directory {folder} is read-only for you; the update is "
            "written to a copy next to the file and swapped in, so the directory must be writable"
        )
    return target
