"""Open NWB files with the right backend, HDF5 (a file) or Zarr (a directory); say clearly when a path is not one."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import h5py
from hdmf.backends.io import HDMFIO
from pynwb import NWBHDF5IO, NWBFile

from .errors import NotNWBFileError, NWBFileBusyError, NWBFileError, NWBFilePermissionError

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# the HDF5 superblock is at offset 0 or, after a user block, at 512, 1024, 2048, ...
_SUPERBLOCK_OFFSETS = (0, *(512 << i for i in range(12)))


def check_nwb_path(nwb_path: str | Path) -> Path:
    """Return ``nwb_path`` as a Path, or raise ValueError if nothing exists there."""
    path = Path(nwb_path)
    if not path.exists():
        raise ValueError(f"nwb_path {str(path)!r} does not exist")
    return path


def write_new_nwb_file(nwbfile: NWBFile, path: str | Path, overwrite: bool = False) -> Path:
    """Write an in-memory NWBFile to a new HDF5 file, all or nothing.

    The file is written beside ``path`` under a hidden name and renamed over it only once complete, so a
    write that fails or is killed half-way leaves whatever was at ``path`` unchanged (and no partial file).

    Parameters
    ----------
    nwbfile : NWBFile
        The file's contents.
    path : str or Path
        Destination ``.nwb`` file; its folder is created when missing.
    overwrite : bool, default: False
        Replace an existing file (else FileExistsError).

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with NWBHDF5IO(str(partial), mode="w") as io:
            io.write(nwbfile)
        with open(partial, "rb") as written:
            os.fsync(written.fileno())  # on disk before it takes the name
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _has_hdf5_signature(path: Path) -> bool:
    size = path.stat().st_size
    with open(path, "rb") as file:
        for offset in _SUPERBLOCK_OFFSETS:
            if offset + len(_HDF5_SIGNATURE) > size:
                return False
            file.seek(offset)
            if file.read(len(_HDF5_SIGNATURE)) == _HDF5_SIGNATURE:
                return True
    return False


def _os_error(error: OSError, shown_as: str | Path) -> NWBFileError | None:
    """Translate a lock or permission error into one that names the user's path; None for other errors."""
    if isinstance(error, BlockingIOError) or error.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
        return NWBFileBusyError(
            f"{shown_as} is open for writing in another program (its HDF5 file lock is held); "
            "close it there and try again"
        )
    if isinstance(error, PermissionError):
        return NWBFilePermissionError(f"cannot read {shown_as}: permission denied")
    return None


def _check_hdf5(path: Path, shown_as: str | Path) -> None:
    if path.stat().st_size == 0:
        raise NotNWBFileError(shown_as, "empty file")
    try:
        with h5py.File(path, "r") as file:
            is_nwb = "nwb_version" in file.attrs
    except OSError as error:
        translated = _os_error(error, shown_as)
        if translated is not None:
            raise translated from error
        if not _has_hdf5_signature(path):
            raise NotNWBFileError(shown_as, "not an HDF5 file") from error
        raise NotNWBFileError(shown_as, f"an HDF5 file that is truncated or damaged: {error}") from error
    if not is_nwb:
        raise NotNWBFileError(shown_as, "an HDF5 file with no 'nwb_version' attribute, so not written as NWB")


def _check_zarr(path: Path, shown_as: str | Path) -> None:
    if not (path / ".zgroup").is_file():
        raise NotNWBFileError(shown_as, "a directory that is not a Zarr store: no .zgroup")
    attributes = path / ".zattrs"
    try:
        is_nwb = attributes.is_file() and "nwb_version" in json.loads(attributes.read_text())
    except (ValueError, TypeError) as error:
        raise NotNWBFileError(shown_as, f"a Zarr store whose .zattrs is damaged: {error}") from error
    if not is_nwb:
        raise NotNWBFileError(shown_as, "a Zarr store with no 'nwb_version' attribute, so not written as NWB")


def check_nwb_file(nwb_path: str | Path, shown_as: str | Path | None = None) -> Path:
    """Return ``nwb_path`` as a Path if it looks like an NWB file, else raise a clear error.

    An NWB file is an HDF5 file or a Zarr directory whose root has an ``nwb_version`` attribute.

    Parameters
    ----------
    nwb_path : str or Path
        The path to check.
    shown_as : str or Path or None
        The path to name in messages (the user's path when ``nwb_path`` is a resolved link); default
        ``nwb_path``.

    Raises
    ------
    ValueError
        If nothing exists at ``nwb_path``.
    NotNWBFileError
        ``"not an NWB file: <path> (<why>)"``.
    NWBFileBusyError
        If another program has the HDF5 file open for writing.
    """
    path = check_nwb_path(nwb_path)
    shown_as = nwb_path if shown_as is None else shown_as
    (_check_zarr if path.is_dir() else _check_hdf5)(path, shown_as)
    return path


def backend_for(path: Path) -> type[HDMFIO]:
    """Return the IO class for ``path``: ``NWBZarrIO`` for a directory, ``NWBHDF5IO`` for a file."""
    if not path.is_dir():
        return NWBHDF5IO
    try:
        from hdmf_zarr import NWBZarrIO
    except ImportError as error:
        raise ValueError(
            f"nwb_path {str(path)!r} is a directory (a Zarr NWB file) but hdmf-zarr is not installed; "
            "install spikeinterface-xmodal[zarr]"
        ) from error
    return NWBZarrIO


@contextmanager
def open_nwb(
    nwb_path: str | Path, mode: str = "r", shown_as: str | Path | None = None
) -> Iterator[tuple[HDMFIO, NWBFile]]:
    """Open an NWB file (HDF5 or Zarr) and yield ``(io, nwbfile)``; the file is closed on exit.

    Parameters
    ----------
    nwb_path : str or Path
        An existing HDF5 file or Zarr directory.
    mode : {"r", "a"}
        Read only, or append.
    shown_as : str or Path or None
        The path to name in error messages; default ``nwb_path``.

    Raises
    ------
    NotNWBFileError
        If the path is not an NWB file, or pynwb cannot read it.
    NWBFileBusyError, NWBFilePermissionError
        If the file is open for writing elsewhere, or cannot be read.
    """
    shown_as = nwb_path if shown_as is None else shown_as
    path = check_nwb_file(nwb_path, shown_as)
    io = None
    try:
        io = backend_for(path)(str(path), mode=mode)
        nwbfile = io.read()
    except NWBFileError:
        raise
    except OSError as error:
        translated = _os_error(error, shown_as)
        if io is not None:
            io.close()
        if translated is not None:
            raise translated from error
        raise NotNWBFileError(shown_as, f"pynwb cannot read it: {error}") from error
    except Exception as error:
        if io is not None:
            io.close()
        raise NotNWBFileError(shown_as, f"pynwb cannot read it: {type(error).__name__}: {error}") from error
    try:
        yield io, nwbfile
    finally:
        io.close()


def delete_group(nwb_path: str | Path, group_path: str) -> None:
    """Delete one group (and everything under it) from an HDF5 or Zarr file, outside of pynwb.

    HDF5 does not give the space back (run ``h5repack`` to shrink the file); Zarr deletes the chunks.
    """
    path = check_nwb_path(nwb_path)
    if path.is_dir():
        import zarr

        root = zarr.open_group(str(path), mode="r+")
        del root[group_path]
        if (path / ".zmetadata").exists():
            zarr.consolidate_metadata(str(path))
    else:
        with h5py.File(path, "r+") as file:
            del file[group_path]


def delete_column(nwb_path: str | Path, table_path: str, column: str) -> None:
    """Delete one column of a DynamicTable (its dataset and its entry in ``colnames``), outside of pynwb."""
    path = check_nwb_path(nwb_path)
    if path.is_dir():
        import zarr

        table = zarr.open_group(str(path), mode="r+")[table_path]
        del table[column]
        table.attrs["colnames"] = [name for name in table.attrs["colnames"] if name != column]
        if (path / ".zmetadata").exists():
            zarr.consolidate_metadata(str(path))
    else:
        with h5py.File(path, "r+") as file:
            table = file[table_path]
            del table[column]
            kept = [name for name in table.attrs["colnames"] if name != column]
            table.attrs.create("colnames", kept, dtype=h5py.string_dtype())
