"""Fixtures: NWB files made the way other tools make them, and small seeded predictions."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from pynwb import NWBHDF5IO, NWBFile
from pynwb.ecephys import LFP, ElectricalSeries
from pynwb.testing.mock.ecephys import mock_ElectricalSeries
from pynwb.testing.mock.file import mock_NWBFile
from pynwb.testing.mock.icephys import mock_IntracellularRecordingsTable

from spikeinterface_xmodal.predictions import CellSubclassPredictions, RegionPredictions

SRC = Path(__file__).resolve().parents[2] / "src"
REGIONS = ["CA1", "DG", "VISp"]
SUBCLASSES = ["Lamp5", "Pvalb", "Sst", "Vip"]
FAMILIES = ["ap", "isi", "subthreshold"]


def nwb_only_script(body: str) -> str:
    """Return a Python script that imports only the nwb part of the package (a child starts in about a second).

    The package is stubbed so that its heavy siblings (torch, training, analyzer) are not imported; the script
    can import from this conftest (``from conftest import region_predictions``) and then runs ``body``.
    """
    prelude = (
        "import sys, types\n"
        f"sys.path[:0] = [{str(Path(__file__).parent)!r}]\n"
        "package = types.ModuleType('spikeinterface_xmodal')\n"
        f"package.__path__ = [{str(SRC / 'spikeinterface_xmodal')!r}]\n"
        "sys.modules['spikeinterface_xmodal'] = package\n"
    )
    return prelude + body


def working_copies(path: Path) -> list[Path]:
    """Hidden working copies (``.<name>.xmodal-*``) next to ``path``; the lock ``.<name>.xmodal.lock`` is not one."""
    return sorted(path.parent.glob(f".{path.name}.xmodal-*"))


def save_nwb(nwbfile: NWBFile, path: Path) -> Path:
    """Write ``nwbfile`` as HDF5 (``*.nwb``) or Zarr (``*.zarr``)."""
    if path.suffix == ".zarr":
        from hdmf_zarr import NWBZarrIO

        with NWBZarrIO(str(path), mode="w") as io:
            io.write(nwbfile)
    else:
        with NWBHDF5IO(path, mode="w") as io:
            io.write(nwbfile)
    return path


def neuroconv_like_nwbfile(num_channels: int = 8, num_units: int = 4) -> NWBFile:
    """An NWBFile laid out the way NeuroConv writes a SpikeInterface recording and sorting.

    Electrodes carry ``channel_name`` (the recording's channel ids), ``group_name``, ``rel_x`` / ``rel_y``;
    the LFP is an ElectricalSeries in ``processing/ecephys/LFP``; units carry ``unit_name``.
    """
    from spikeinterface.core import generate_ground_truth_recording

    recording, sorting = generate_ground_truth_recording(
        durations=[0.5], sampling_frequency=2500.0, num_channels=num_channels, num_units=num_units, seed=0
    )
    nwbfile = mock_NWBFile(session_description="neuroconv-like session")
    device = nwbfile.create_device(name="ProbeDevice", description="a probe")
    group = nwbfile.create_electrode_group(name="probe0", description="shank", location="unknown", device=device)
    for name in ("channel_name", "group_name", "rel_x", "rel_y"):
        nwbfile.add_electrode_column(name=name, description=f"{name} from SpikeInterface")
    locations = recording.get_channel_locations()
    for i, channel_id in enumerate(recording.channel_ids):
        nwbfile.add_electrode(
            group=group,
            location="unknown",
            channel_name=f"CH{channel_id}",
            group_name="probe0",
            rel_x=float(locations[i, 0]),
            rel_y=float(locations[i, 1]),
        )
    region = nwbfile.create_electrode_table_region(list(range(num_channels)), "all electrodes")
    lfp = ElectricalSeries(
        name="ElectricalSeriesLFP",
        data=recording.get_traces().astype("float32"),
        electrodes=region,
        rate=recording.sampling_frequency,
        description="LFP",
    )
    ecephys = nwbfile.create_processing_module(name="ecephys", description="Processed extracellular data.")
    ecephys.add(LFP(name="LFP"))
    ecephys["LFP"].add_electrical_series(lfp)
    nwbfile.add_unit_column(name="unit_name", description="unit id from SpikeInterface")
    for unit_id in sorting.unit_ids:
        spike_times = sorting.get_unit_spike_train(unit_id, return_times=True)
        nwbfile.add_unit(spike_times=spike_times, unit_name=f"u{unit_id}")
    return nwbfile


@pytest.fixture(scope="session")
def neuroconv_templates(tmp_path_factory) -> dict[str, Path]:
    """NeuroConv-like files written once per session, as HDF5 (``nwb``) and Zarr (``zarr``); copy before use."""
    folder = tmp_path_factory.mktemp("templates")
    return {suffix: save_nwb(neuroconv_like_nwbfile(), folder / f"session.{suffix}") for suffix in ("nwb", "zarr")}


def copy_template(template: Path, folder: Path) -> Path:
    """Copy a template file (HDF5) or directory (Zarr) into ``folder``."""
    target = folder / template.name
    if template.is_dir():
        shutil.copytree(template, target)
    else:
        shutil.copyfile(template, target)
    return target


@pytest.fixture(params=["nwb", "zarr"])
def neuroconv_path(request, tmp_path, neuroconv_templates) -> Path:
    """A NeuroConv-like file with 8 electrodes (CH0..CH7) and 4 units (u0..u3), as HDF5 and as Zarr."""
    return copy_template(neuroconv_templates[request.param], tmp_path)


@pytest.fixture
def mock_path(tmp_path) -> Path:
    """A pynwb mock file: 5 electrodes (ids 0..4, no channel_name) and an ElectricalSeries."""
    nwbfile = mock_NWBFile()
    mock_ElectricalSeries(nwbfile=nwbfile)
    return save_nwb(nwbfile, tmp_path / "mock.nwb")


@pytest.fixture
def icephys_path(tmp_path) -> Path:
    """A pynwb mock icephys file: intracellular_recordings table with one row and its electrode."""
    nwbfile = mock_NWBFile()
    mock_IntracellularRecordingsTable(nwbfile=nwbfile, n_rows=1)
    return save_nwb(nwbfile, tmp_path / "icephys.nwb")


def region_predictions(channel_ids, seed: int = 0, model_name: str = "lfp2vec-test") -> RegionPredictions:
    """Seeded random region predictions for ``channel_ids``."""
    probabilities = np.random.default_rng(seed).dirichlet(np.ones(len(REGIONS)), size=len(channel_ids))
    return RegionPredictions(
        channel_ids=np.asarray(channel_ids),
        predicted_region=np.asarray(REGIONS)[probabilities.argmax(axis=1)],
        probabilities=probabilities,
        classes=REGIONS,
        ontology="Allen CCF",
        model_name=model_name,
        model_version="0.1.0",
        model_card={"kind": "lfp_region", "training_data": "synthetic probes", "metrics": {"bacc": 0.5}},
    )


def subclass_predictions(ids, target: str = "units", seed: int = 1, attention: bool = True):
    """Seeded random subclass predictions, with per-family attention weights when ``attention``."""
    rng = np.random.default_rng(seed)
    probabilities = rng.dirichlet(np.ones(len(SUBCLASSES)), size=len(ids))
    return CellSubclassPredictions(
        ids=np.asarray(ids),
        target=target,
        predicted_subclass=np.asarray(SUBCLASSES)[probabilities.argmax(axis=1)],
        probabilities=probabilities,
        classes=SUBCLASSES,
        taxonomy="Allen mouse VISp",
        model_name="bilstm-test",
        model_version="0.1.0",
        model_card={"kind": "subclass"},
        attention_weights=rng.dirichlet(np.ones(len(FAMILIES)), size=len(ids)) if attention else None,
        feature_families=FAMILIES if attention else None,
    )


def _plain(value, file: h5py.File):
    """Make HDF5 values comparable: references become the path they point to, arrays their bytes."""
    if isinstance(value, h5py.Reference):
        return file[value].name if value else None
    if isinstance(value, np.ndarray) and value.dtype.kind in "OV":
        return [_plain(v, file) for v in value.tolist()]
    if isinstance(value, tuple | list):
        return [_plain(v, file) for v in value]
    if isinstance(value, np.ndarray):
        return value.tobytes()
    return value


def checksums(path: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Return path -> sha256 of every object (data and attributes) of an NWB file, except under ``skip``.

    Zarr files are hashed file by file (their bytes are what is stored); HDF5 files object by object.
    """
    if path.is_dir():
        return {
            str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*"))
            if p.is_file() and p.name != ".zmetadata" and not str(p.relative_to(path)).startswith(skip)
        }
    sums = {}
    with h5py.File(path, "r") as file:

        def visit(name, obj):
            if name.startswith(skip):
                return
            attrs = {key: _plain(value, file) for key, value in obj.attrs.items()}
            data = _plain(obj[()], file) if isinstance(obj, h5py.Dataset) else None
            sums[name] = hashlib.sha256(repr((attrs, data)).encode()).hexdigest()

        file.visititems(visit)
    return sums


def assert_kept(before: dict[str, str], after: dict[str, str]) -> None:
    """Assert that every object of ``before`` is still in ``after``, unchanged."""
    assert set(before) <= set(after), f"objects lost: {sorted(set(before) - set(after))[:5]}"
    changed = [key for key in before if before[key] != after[key]]
    assert not changed, f"objects changed: {changed[:5]}"
