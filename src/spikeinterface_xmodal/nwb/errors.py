"""Errors about the NWB path itself (rather than about the predictions): each message names the user's path."""

from __future__ import annotations


class NWBFileError(ValueError):
    """The NWB path cannot be read or updated as asked; nothing was changed."""


class NotNWBFileError(NWBFileError):
    """The path exists but is not an NWB file (HDF5 file or Zarr directory) that pynwb can read."""

    MAX_REASON = 300  # characters: hdmf errors can print whole builders

    def __init__(self, path, why: str):
        why = " ".join(str(why).split())
        if len(why) > self.MAX_REASON:
            why = why[: self.MAX_REASON - 3] + "..."
        super().__init__(f"not an NWB file: {path} ({why})")


class NWBFileBusyError(NWBFileError):
    """Another program has the file open for writing, holds our writer lock, or changed the file meanwhile."""


class NWBFilePermissionError(NWBFileError, PermissionError):
    """The file, or the directory that holds it, is read-only or cannot be written by this user."""
