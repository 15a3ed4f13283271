"""The packaged spec is the generator's output and loads on import."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pynwb

from spikeinterface_xmodal.nwb import NAMESPACE, NAMESPACE_PATH, RegionPredictionTable, read_predictions

OLD_SPEC = Path(__file__).parent / "data" / "ndx-xmodal-0.1.0" / "ndx-xmodal.namespace.yaml"

# Writes a region table with ndx-xmodal 0.1.0 (no ood_score column), without this package.
OLD_WRITER = """
import sys
import numpy as np
from hdmf.common import DynamicTableRegion, VectorData
from pynwb import NWBHDF5IO, get_class, load_namespaces
from pynwb.testing.mock.ecephys import mock_ElectricalSeries
from pynwb.testing.mock.file import mock_NWBFile

load_namespaces(sys.argv[1])
nwbfile = mock_NWBFile()
mock_ElectricalSeries(nwbfile=nwbfile)
table = get_class("RegionPredictionTable", "ndx-xmodal")(
    name="lfp_region", description="old", ontology="Allen CCF", classes=["CA1", "DG"], model_name="m",
    model_version="0.0.1", model_card="{}",
    columns=[
        DynamicTableRegion(name="electrodes", description="e", data=[1, 0], table=nwbfile.electrodes),
        VectorData(name="predicted_region", description="p", data=["DG", "CA1"]),
        VectorData(name="probabilities", description="p", data=np.array([[0.2, 0.8], [0.9, 0.1]])),
    ],
)
nwbfile.create_processing_module(name="ecephys", description="e").add(table)
with NWBHDF5IO(sys.argv[2], "w") as io:
    io.write(nwbfile)
"""

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


def test_files_written_with_version_0_1_0_stay_readable(tmp_path):
    path = tmp_path / "old.nwb"
    done = subprocess.run([sys.executable, "-c", OLD_WRITER, str(OLD_SPEC), str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    frame = read_predictions(path)["lfp_region"]
    assert frame["predicted_region"].tolist() == ["DG", "CA1"]
    assert "ood_score" not in frame
