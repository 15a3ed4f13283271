"""Real region layouts from IBL Neuropixels insertions (histology-aligned Allen regions per channel)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from .layouts import RegionLayout

#: Environment variable naming the folder that holds ``ibl_insertions_channels.pqt``.
IBL_DATA_ENV = "XMODAL_IBL_DATA"
IBL_CHANNELS_FILE = "ibl_insertions_channels.pqt"


def resolve_ibl_channels_file(path: str | os.PathLike | None = None) -> Path:
    """Locate ``ibl_insertions_channels.pqt``.

    Parameters
    ----------
    path : str, PathLike or None
        The parquet file or the folder holding it; None reads the ``XMODAL_IBL_DATA`` environment variable.

    Returns
    -------
    Path
        The parquet file.

    Raises
    ------
    FileNotFoundError
        When neither the argument nor the environment variable points to an existing file.
    """
    source = path if path is not None else os.environ.get(IBL_DATA_ENV)
    if source is None:
        raise FileNotFoundError(
            f"No IBL channel table: pass path= (the folder holding {IBL_CHANNELS_FILE} or the file itself) "
            f"or set the {IBL_DATA_ENV} environment variable to that folder."
        )
    candidate = Path(source)
    if candidate.is_dir():
        candidate = candidate / IBL_CHANNELS_FILE
    if not candidate.is_file():
        origin = "path argument" if path is not None else f"{IBL_DATA_ENV} environment variable"
        raise FileNotFoundError(
            f"{candidate} does not exist (from the {origin}); pass path= or set {IBL_DATA_ENV} "
            f"to the folder holding {IBL_CHANNELS_FILE}."
        )
    return candidate


@lru_cache(maxsize=1)
def _brain_regions():
    from iblatlas.regions import BrainRegions

    return BrainRegions()


def allen_to_coarse(acronyms: np.ndarray) -> np.ndarray:
    """Map Allen acronyms to the coarse classes of :data:`~.layouts.COARSE_REGIONS`.

    Cosmos groups (Isocortex, OLF, HPF, CTXsp, CNU, TH, HY, MB, HB, CB) are kept; ``void`` stays ``void``;
    everything Cosmos sends to ``root`` (fiber tracts, ventricles, unassigned ``root``) becomes ``WM``.

    Parameters
    ----------
    acronyms : np.ndarray
        Allen structure acronyms.

    Returns
    -------
    np.ndarray
        Coarse class of each acronym.
    """
    acronyms = np.asarray(acronyms, dtype=str)
    unique, inverse = np.unique(acronyms, return_inverse=True)
    cosmos = np.asarray(_brain_regions().acronym2acronym(unique, mapping="Cosmos"), dtype=str)
    cosmos = np.where(cosmos == "root", "WM", cosmos)
    return cosmos[inverse]


@lru_cache(maxsize=4)
def _load_cached(file: Path) -> tuple[RegionLayout, ...]:
    import pandas as pd

    table = pd.read_parquet(file, columns=["acronym", "axial_um", "lateral_um"]).reset_index()
    table = table.sort_values(["pid", "raw_ind"], kind="stable")
    coarse = allen_to_coarse(table["acronym"].to_numpy())
    positions = table[["lateral_um", "axial_um"]].to_numpy(dtype=float)
    fine = table["acronym"].to_numpy(dtype=str)
    pids = table["pid"].to_numpy(dtype=str)
    starts = np.flatnonzero(np.r_[True, pids[1:] != pids[:-1]])
    ends = np.r_[starts[1:], pids.size]
    return tuple(
        RegionLayout(name=pids[s], labels=coarse[s:e], positions=positions[s:e], fine_labels=fine[s:e])
        for s, e in zip(starts, ends, strict=True)
    )


def load_ibl_layouts(path: str | os.PathLike | None = None) -> list[RegionLayout]:
    """Region layouts of the 479 IBL brain-wide-map insertions.

    Parameters
    ----------
    path : str, PathLike or None
        Folder holding ``ibl_insertions_channels.pqt`` (or the file); None reads ``XMODAL_IBL_DATA``.

    Returns
    -------
    list of RegionLayout
        One per insertion (named by its probe insertion id), channels in raw index order, with Allen
        acronyms as fine labels and coarse classes from :func:`allen_to_coarse`.

    Raises
    ------
    FileNotFoundError
        When the table cannot be found.
    """
    return list(_load_cached(resolve_ibl_channels_file(path).resolve()))
