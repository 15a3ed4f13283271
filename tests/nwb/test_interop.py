"""Our files validate, pass nwbinspector for our objects and open with plain pynwb."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pynwb

from spikeinterface_xmodal.nwb import write_cell_subclasses, write_region_predictions
from spikeinterface_xmodal.nwb.fileio import open_nwb
from tests.nwb.conftest import copy_template, region_predictions, subclass_predictions

OUR_TYPES = {"RegionPredictionTable", "CellSubclassPredictionTable"}
CHANNELS = [f"CH{i}" for i in range(8)]


def _write_both(path):
    """Both tables, with every optional part: an ood_score column and an electrodes column (rewritten once)."""
    write_region_predictions(path, region_predictions(CHANNELS), electrodes_column="predicted_region")
    result = region_predictions(CHANNELS, seed=3)
    result.ood_score = np.linspace(0.0, 4.0, len(CHANNELS))
    write_region_predictions(path, result, overwrite=True, electrodes_column="predicted_region")
    write_cell_subclasses(path, subclass_predictions(["u0", "u2"]))


def test_schema_validation_and_inspector_pass(neuroconv_path):
    from nwbinspector import inspect_nwbfile_object

    _write_both(neuroconv_path)
    if neuroconv_path.is_dir():
        from hdmf_zarr import NWBZarrIO

        with NWBZarrIO(str(neuroconv_path), "r") as io:
            assert pynwb.validate(io=io) == []
    else:
        assert pynwb.validate(path=str(neuroconv_path)) == []
    with open_nwb(neuroconv_path) as (_, nwbfile):
        messages = list(inspect_nwbfile_object(nwbfile))
    flagged = [
        m
        for m in messages
        if m.object_type in OUR_TYPES or any(name in str(m.location) for name in ("lfp_region", "cell_subclass"))
    ]
    assert not flagged, [m.message for m in flagged]


def test_file_opens_with_plain_pynwb_without_our_package(neuroconv_templates, tmp_path):
    path = copy_template(neuroconv_templates["nwb"], tmp_path)
    _write_both(path)
    script = (
        "import sys, pynwb\n"
        "with pynwb.NWBHDF5IO(sys.argv[1], 'r', load_namespaces=True) as io:\n"
        "    table = io.read().processing['ecephys']['lfp_region']\n"
        "    print(table.neurodata_type, table.ontology, table.electrodes.table.name, len(table))\n"
        "assert not any(name.startswith('spikeinterface_xmodal') for name in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["RegionPredictionTable", "Allen", "CCF", "electrodes", "8"]
