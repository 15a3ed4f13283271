"""The packaged spec is the generator's output and loads on import."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pynwb

from spikeinterface_xmodal.nwb import NAMESPACE, NAMESPACE_PATH, RegionPredictionTable

EXTENSION_DIR = Path(__file__).resolve().parents[2] / "extensions" / "ndx-xmodal"


def test_packaged_yaml_is_what_the_generator_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("create_extension_spec", EXTENSION_DIR / "create_extension_spec.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for generated in sorted(tmp_path.glob("*.yaml")):
        packaged = NAMESPACE_PATH.parent / generated.name
        assert packaged.read_text() == generated.read_text(), f"{packaged} is stale: rerun the generator"
    assert (EXTENSION_DIR / "spec").resolve() == NAMESPACE_PATH.parent.resolve()


def test_namespace_loaded_on_import():
    assert NAMESPACE in pynwb.available_namespaces()
    assert RegionPredictionTable.__name__ == "RegionPredictionTable"
    assert pynwb.get_class("CellSubclassPredictionTable", NAMESPACE) is not None
