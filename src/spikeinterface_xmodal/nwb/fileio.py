"""Open NWB files with the right backend: HDF5 (a file) or Zarr (a directory)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hdmf.backends.io import HDMFIO
from pynwb import NWBHDF5IO, NWBFile


def check_nwb_path(nwb_path: str | Path) -> Path:
    """Return ``nwb_path`` as a Path, or raise ValueError if nothing exists there."""
    path = Path(nwb_path)
    if not path.exists():
        raise ValueError(f"nwb_path {str(path)!r} does not exist")
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
def open_nwb(nwb_path: str | Path, mode: str = "r") -> Iterator[tuple[HDMFIO, NWBFile]]:
    """Open an NWB file (HDF5 or Zarr) and yield ``(io, nwbfile)``; the file is closed on exit.

    Parameters
    ----------
    nwb_path : str or Path
        An existing HDF5 file or Zarr directory.
    mode : {"r", "a"}
        Read only, or append.
    """
    path = check_nwb_path(nwb_path)
    io = backend_for(path)(str(path), mode=mode)
    try:
        yield io, io.read()
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
        import h5py

        with h5py.File(path, "r+") as file:
            del file[group_path]
