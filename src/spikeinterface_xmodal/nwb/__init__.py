"""NWB output: the ``ndx-xmodal`` extension (loaded on import), writers and readers of prediction tables.

Tables live in the standard processing module of their modality: a ``RegionPredictionTable`` per region
model (one row per electrode) and a ``CellSubclassPredictionTable`` per units model in ``ecephys``, a
``CellSubclassPredictionTable`` per Patch-seq model (one row per cell) in ``icephys``.
"""

from .._lazy import lazy_attributes
from .namespace import NAMESPACE, NAMESPACE_PATH, CellSubclassPredictionTable, RegionPredictionTable

# writers and readers load on first use: importing the package only registers the namespace
__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "NWBFileBusyError": ".errors",
        "NWBFileError": ".errors",
        "NWBFilePermissionError": ".errors",
        "NotNWBFileError": ".errors",
        "set_region_properties": ".properties",
        "read_predictions": ".readers",
        "table_to_dataframe": ".readers",
        "write_cell_subclasses": ".writers",
        "write_region_predictions": ".writers",
    },
)

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
