"""NWB output: the ``ndx-xmodal`` extension (loaded on import), writers and readers of prediction tables.

Tables live in the standard processing module of their modality: a ``RegionPredictionTable`` per region
model (one row per electrode) and a ``CellSubclassPredictionTable`` per units model in ``ecephys``, a
``CellSubclassPredictionTable`` per Patch-seq model (one row per cell) in ``icephys``. Latents of distillation
models over time are TimeSeries in ``ecephys`` (``write_latents``).
"""

from .._lazy import lazy_attributes
from .namespace import NAMESPACE, NAMESPACE_PATH, CellSubclassPredictionTable, RegionPredictionTable

# writers and readers load on first use: importing the package only registers the namespace
__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "Latents": ".latents",
        "NWBFileBusyError": ".errors",
        "NWBFileError": ".errors",
        "NWBFilePermissionError": ".errors",
        "NotNWBFileError": ".errors",
        "set_region_properties": ".properties",
        "read_latents": ".latents",
        "read_predictions": ".readers",
        "table_to_dataframe": ".readers",
        "write_analyzer_latents": ".latents",
        "write_cell_subclasses": ".writers",
        "write_latents": ".latents",
        "write_region_predictions": ".writers",
    },
)

__all__ = [
    "NAMESPACE",
    "NAMESPACE_PATH",
    "CellSubclassPredictionTable",
    "Latents",
    "NWBFileBusyError",
    "NWBFileError",
    "NWBFilePermissionError",
    "NotNWBFileError",
    "RegionPredictionTable",
    "read_latents",
    "read_predictions",
    "set_region_properties",
    "table_to_dataframe",
    "write_analyzer_latents",
    "write_cell_subclasses",
    "write_latents",
    "write_region_predictions",
]
