"""The published Patch-seq feature tables: features, subclass labels at 4 or 5 classes, donor groups.

The tables live outside the package (``../shared/data/patchseq/`` in this repository, see its README); they are
located through the ``path`` argument or the ``XMODAL_PATCHSEQ_DATA`` environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Environment variable naming the folder that holds the Patch-seq tables.
PATCHSEQ_DATA_ENV = "XMODAL_PATCHSEQ_DATA"
MOUSE_FEATURES = "mouse_visp_gouwens2020_ephys_features.csv"
MOUSE_METADATA = "mouse_visp_gouwens2020_metadata.csv"
HUMAN_FEATURES = "human_mtg_leedalley2023_ephys_features.csv"
HUMAN_METADATA = "human_mtg_leedalley2023_metadata.csv"

#: The four subclasses shared by mouse and human (Sncg merged into Vip; human LAMP5/PAX6/Other into Lamp5).
ALIGNED_SUBCLASSES = ("Lamp5", "Pvalb", "Sst", "Vip")
#: Mouse subclass (first word of the AIT2.3.1 alias) -> label, per number of classes. Subclasses not listed
#: (Serpinf1, 47 cells; Meis2 and L2/3, one cell each) are left out of both label sets.
MOUSE_LABELS = {
    4: {"Lamp5": "Lamp5", "Pvalb": "Pvalb", "Sst": "Sst", "Vip": "Vip", "Sncg": "Vip"},
    5: {"Lamp5": "Lamp5", "Pvalb": "Pvalb", "Sst": "Sst", "Vip": "Vip", "Sncg": "Sncg"},
}
HUMAN_LABELS = {"LAMP5/PAX6/Other": "Lamp5", "PVALB": "Pvalb", "SST": "Sst", "VIP": "Vip"}
# columns of the mouse feature table that are not cell features: row index, file key, recording quality
_MOUSE_NON_FEATURES = ("Unnamed: 0", "filename")


@dataclass
class PatchseqTable:
    """Labelled cells of one published table.

    Attributes
    ----------
    features : pandas.DataFrame
        One row per cell, IPFX features by the table's own column names (NaN where the extractor gave none),
        indexed by cell id.
    labels : pandas.Series
        Subclass string per cell, same index.
    donors : numpy.ndarray
        Donor id per cell (strings), for splits that hold out whole donors.
    species : str
        ``"mouse"`` or ``"human"``.
    """

    features: pd.DataFrame
    labels: pd.Series
    donors: np.ndarray
    species: str

    def __len__(self) -> int:
        return len(self.labels)


def resolve_patchseq_folder(path: str | os.PathLike | None = None) -> Path:
    """The folder holding the Patch-seq tables.

    Parameters
    ----------
    path : str, PathLike or None
        The folder; None reads the ``XMODAL_PATCHSEQ_DATA`` environment variable.

    Raises
    ------
    FileNotFoundError
        Neither points to a folder holding the mouse feature table.
    """
    source = path if path is not None else os.environ.get(PATCHSEQ_DATA_ENV)
    if source is None:
        raise FileNotFoundError(
            f"No Patch-seq tables: pass path= (the folder holding {MOUSE_FEATURES}) or set the "
            f"{PATCHSEQ_DATA_ENV} environment variable to that folder."
        )
    folder = Path(source)
    if not (folder / MOUSE_FEATURES).is_file():
        raise FileNotFoundError(f"{folder} does not hold {MOUSE_FEATURES}; pass path= or set {PATCHSEQ_DATA_ENV}.")
    return folder


def load_mouse_visp(path: str | os.PathLike | None = None, n_classes: int = 4) -> PatchseqTable:
    """Mouse VISp Patch-seq (Gouwens et al. 2020): 28 IPFX scalar features, subclass labels, donors.

    Parameters
    ----------
    path : str, PathLike or None
        Folder of the tables (see ``resolve_patchseq_folder``).
    n_classes : {4, 5}, default: 4
        4: Lamp5, Pvalb, Sst, Vip with Sncg merged into Vip (the classes aligned with human); 5: Sncg kept apart.
        Serpinf1, Meis2 and L2/3 cells are left out.

    Returns
    -------
    PatchseqTable
        Features without the QC columns (``qc_*``), indexed by ``ephys_session_id``.
    """
    if n_classes not in MOUSE_LABELS:
        raise ValueError(f"n_classes must be one of {sorted(MOUSE_LABELS)}, got {n_classes!r}")
    folder = resolve_patchseq_folder(path)
    features = pd.read_csv(folder / MOUSE_FEATURES)
    metadata = pd.read_csv(folder / MOUSE_METADATA)
    session = features["filename"].str.extract(r"_ses-(\d+)_", expand=False).astype("int64")
    features = features.set_index(session.rename("ephys_session_id"))
    metadata = metadata.set_index("ephys_session_id").loc[features.index]
    subclass = metadata["corresponding_AIT2.3.1_alias"].str.split().str[0].map(MOUSE_LABELS[n_classes])
    keep = subclass.notna().to_numpy()
    columns = [c for c in features.columns if c not in _MOUSE_NON_FEATURES and not c.startswith("qc_")]
    return PatchseqTable(
        features=features.loc[keep, columns].astype(float),
        labels=subclass[keep].rename("subclass"),
        donors=metadata.loc[keep, "donor_id"].astype(str).to_numpy(),
        species="mouse",
    )


def load_human_mtg(path: str | os.PathLike | None = None) -> PatchseqTable:
    """Human MTG GABAergic Patch-seq (Lee, Dalley et al. 2023): 93 IPFX features, 4 aligned subclasses, donors.

    Parameters
    ----------
    path : str, PathLike or None
        Folder of the tables (see ``resolve_patchseq_folder``).

    Returns
    -------
    PatchseqTable
        Indexed by ``specimen_id``; PVALB, SST, VIP and LAMP5/PAX6/Other become Pvalb, Sst, Vip and Lamp5.
    """
    folder = resolve_patchseq_folder(path)
    features = pd.read_csv(folder / HUMAN_FEATURES)
    features = features.assign(specimen_id=features["specimen_id"].astype("int64"))
    features = features.drop_duplicates("specimen_id").set_index("specimen_id")
    metadata = pd.read_csv(folder / HUMAN_METADATA).drop_duplicates("specimen_id_x").set_index("specimen_id_x")
    metadata = metadata.reindex(features.index)
    subclass = metadata["Revised_subclass_label"].map(HUMAN_LABELS)
    keep = subclass.notna().to_numpy()
    return PatchseqTable(
        features=features.loc[keep].astype(float),
        labels=subclass[keep].rename("subclass"),
        donors=metadata.loc[keep, "Donor"].astype(str).to_numpy(),
        species="human",
    )
