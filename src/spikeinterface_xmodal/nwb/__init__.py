"""NWB output: the ``ndx-xmodal`` extension (loaded on import), writers and readers of prediction tables.

Tables live in the standard processing module of their modality: a ``RegionPredictionTable`` per region
model (one row per electrode) and a ``CellSubclassPredictionTable`` per units model in ``ecephys``, a
``CellSubclassPredictionTable`` per Patch-seq model (one row per cell) in ``icephys``.
"""

from .errors import NotNWBFileError, NWBFileBusyError, NWBFileError, NWBFilePermissionError
from .namespace import NAMESPACE, NAMESPACE_PATH, CellSubclassPredictionTable, RegionPredictionTable
from .properties import set_region_properties
from .readers import read_predictions, table_to_dataframe
from .writers import write_cell_subclasses, write_region_predictions

__all__ = [
    "NAMESPACE",
    "NAMESPACE_PATH",
    "CellSubclassPredictionTable",
    "NWBFileBusyError",
    "NWBFileError",
    "NWBFilePermissionError",
    "NotNWBFileError",
    "RegionPredictionTable",
    "read_predictions",
    "set_region_properties",
    "table_to_dataframe",
    "write_cell_subclasses",
    "write_region_predictions",
]
