"""The ``ndx-xmodal`` namespace: load the packaged spec and expose its generated classes."""

from __future__ import annotations

from pathlib import Path

from hdmf.common import DynamicTable
from pynwb import NWBFile, available_namespaces, get_class, load_namespaces

NAMESPACE = "ndx-xmodal"
NAMESPACE_PATH = Path(__file__).parent / "spec" / f"{NAMESPACE}.namespace.yaml"
REGION_TABLE_TYPE = "RegionPredictionTable"
SUBCLASS_TABLE_TYPE = "CellSubclassPredictionTable"

if NAMESPACE not in available_namespaces():
    load_namespaces(str(NAMESPACE_PATH))

RegionPredictionTable = get_class(REGION_TABLE_TYPE, NAMESPACE)
CellSubclassPredictionTable = get_class(SUBCLASS_TABLE_TYPE, NAMESPACE)


def is_prediction_table(obj: object) -> bool:
    """Return True if ``obj`` is one of our concrete prediction tables.

    Checks the NWB type name and namespace rather than the Python class, because a file read with its cached
    spec gets classes generated from that spec, not the ones defined here.
    """
    return getattr(obj, "namespace", None) == NAMESPACE and getattr(obj, "neurodata_type", None) in (
        REGION_TABLE_TYPE,
        SUBCLASS_TABLE_TYPE,
    )


def find_prediction_tables(nwbfile: NWBFile) -> dict[str, DynamicTable]:
    """Return name -> table for every prediction table in the file's processing modules."""
    return {
        name: obj
        for module in nwbfile.processing.values()
        for name, obj in module.data_interfaces.items()
        if is_prediction_table(obj)
    }
