"""Writing prediction tables: matching to the file's rows, refusals, nothing lost."""

from __future__ import annotations

import numpy as np
import pytest
from pynwb import NWBHDF5IO
from pynwb.testing.mock.file import mock_NWBFile

from spikeinterface_xmodal.nwb import read_predictions, write_cell_subclasses, write_region_predictions
from spikeinterface_xmodal.nwb.fileio import open_nwb
from tests.nwb.conftest import (
    REGIONS,
    assert_kept,
    checksums,
    copy_template,
    region_predictions,
    save_nwb,
    subclass_predictions,
    working_copies,
)

CHANNELS = [f"CH{i}" for i in range(8)]


def _electrode_rows(path, name="lfp_region"):
    with open_nwb(path) as (_, nwbfile):
        return np.asarray(nwbfile.processing["ecephys"][name]["electrodes"].data[:])


def test_region_rows_follow_channel_name_not_order(neuroconv_path):
    channel_ids = CHANNELS[::-1][:6]  # reversed, and only 6 of the 8 electrodes
    result = region_predictions(channel_ids)
    write_region_predictions(neuroconv_path, result)
    assert _electrode_rows(neuroconv_path).tolist() == [7, 6, 5, 4, 3, 2]
    frame = read_predictions(neuroconv_path)["lfp_region"]
    assert frame.index.tolist() == channel_ids
    np.testing.assert_allclose(frame[[f"p_{c}" for c in REGIONS]].to_numpy(), result.probabilities)
    assert frame["predicted_region"].tolist() == result.predicted_region.tolist()


def _probe_file(path, probes=("probeA",), per_probe=4, channel_names=None, contact_ids=None):
    """A file with ``per_probe`` electrodes on each probe (one device and electrode group per probe)."""
    nwbfile = mock_NWBFile()
    if channel_names is not None:
        nwbfile.add_electrode_column(name="channel_name", description="name")
    if contact_ids is not None:
        nwbfile.add_electrode_column(name="contact_ids", description="probe contact ids")
    row = 0
    for probe in probes:
        device = nwbfile.create_device(name=probe)
        group = nwbfile.create_electrode_group(
            name=f"{probe}_shank", description="s", location="unknown", device=device
        )
        for _ in range(per_probe):
            extra = {}
            if channel_names is not None:
                extra["channel_name"] = channel_names[row]
            if contact_ids is not None:
                extra["contact_ids"] = contact_ids[row]
            nwbfile.add_electrode(group=group, location="unknown", **extra)
            row += 1
    return save_nwb(nwbfile, path)


def test_one_probe_without_channel_name_falls_back_to_electrode_id_with_a_warning(tmp_path):
    path = _probe_file(tmp_path / "one_probe.nwb")
    with pytest.warns(UserWarning, match="by electrode 'id'"):
        write_region_predictions(path, region_predictions([3, 1, 0, 2]))
    assert _electrode_rows(path).tolist() == [3, 1, 0, 2]


def test_one_probe_contact_ids_fall_back_with_a_warning(tmp_path):
    path = _probe_file(tmp_path / "contacts.nwb", per_probe=3, contact_ids=["e10", "e11", "e12"])
    with pytest.warns(UserWarning, match="by electrode 'contact_ids'"):
        write_region_predictions(path, region_predictions(["e12", "e10", "e11"]))
    assert _electrode_rows(path).tolist() == [2, 0, 1]


@pytest.mark.parametrize(
    ("probes", "channel_names", "channel_ids", "reason"),
    [
        # two probes, no channel_name: ids 0..3 would land on the first probe's electrodes
        (("probeA", "probeB"), None, [0, 1, 2, 3], "2 devices"),
        # channel_name values match none of the channel ids
        (("probeA", "probeB"), [f"{p}{i}" for p in "AB" for i in range(4)], [0, 1, 2, 3], "2 devices"),
        # one probe, but predictions for only some of its electrodes
        (("probeA",), None, [3, 1], "4 electrodes for 2 predictions"),
    ],
)
def test_ambiguous_fallback_is_refused(tmp_path, probes, channel_names, channel_ids, reason):
    path = _probe_file(tmp_path / "probes.nwb", probes=probes, channel_names=channel_names)
    before = checksums(path)
    with pytest.raises(ValueError, match="channel_name") as error:
        write_region_predictions(path, region_predictions(channel_ids))
    assert reason in str(error.value)
    assert checksums(path) == before


@pytest.mark.parametrize(
    ("channel_ids", "message"),
    [
        (["CH0", "CH99"], "do not match the rows of the electrodes table"),
        ([f"CH{i}" for i in range(9)], "only 8 rows"),
        (["CH1", "CH1"], "duplicated ids"),
    ],
)
def test_region_bad_channel_ids_refused_and_file_unchanged(neuroconv_path, channel_ids, message):
    before = checksums(neuroconv_path)
    with pytest.raises(ValueError, match=message):
        write_region_predictions(neuroconv_path, region_predictions(channel_ids))
    assert checksums(neuroconv_path) == before
    assert working_copies(neuroconv_path) == [], "temporary copy left behind"


def test_region_file_without_electrodes_refused(tmp_path):
    path = save_nwb(mock_NWBFile(), tmp_path / "empty.nwb")
    with pytest.raises(ValueError, match="no electrodes table"):
        write_region_predictions(path, region_predictions([0]))


def test_ambiguous_channel_names_refused(tmp_path):
    nwbfile = mock_NWBFile()
    device = nwbfile.create_device(name="probe")
    nwbfile.add_electrode_column(name="channel_name", description="name")
    for shank in ("a", "b"):
        group = nwbfile.create_electrode_group(name=shank, description="s", location="unknown", device=device)
        nwbfile.add_electrode(group=group, location="unknown", channel_name="CH0")
    path = save_nwb(nwbfile, tmp_path / "two_shanks.nwb")
    with pytest.raises(ValueError, match="match several rows"):
        write_region_predictions(path, region_predictions(["CH0"]))


def test_missing_path_refused(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        write_region_predictions(tmp_path / "nope.nwb", region_predictions([0]))


def test_wrong_result_type_refused(mock_path):
    with pytest.raises(TypeError, match="analyzer_or_result"):
        write_region_predictions(mock_path, {"channel_ids": [0]})
    with pytest.raises(TypeError, match="result"):
        write_cell_subclasses(mock_path, region_predictions([0]))


def test_analyzer_without_region_extension_refused(mock_path):
    from spikeinterface.core import create_sorting_analyzer, generate_ground_truth_recording

    recording, sorting = generate_ground_truth_recording(durations=[0.5], num_channels=4, num_units=2, seed=0)
    analyzer = create_sorting_analyzer(sorting, recording, format="memory", sparse=False)
    with pytest.raises(ValueError, match="no 'lfp_region' extension"):
        write_region_predictions(mock_path, analyzer)


def test_same_name_refused_then_overwritten_other_names_side_by_side(neuroconv_path):
    write_region_predictions(neuroconv_path, region_predictions(CHANNELS, seed=0))
    write_region_predictions(neuroconv_path, region_predictions(CHANNELS, model_name="band-power"), name="bp")
    with pytest.raises(ValueError, match="already exist"):
        write_region_predictions(neuroconv_path, region_predictions(CHANNELS, seed=5))
    replacement = region_predictions(CHANNELS[:3], seed=5, model_name="v2")
    write_region_predictions(neuroconv_path, replacement, overwrite=True)
    tables = read_predictions(neuroconv_path)
    assert sorted(tables) == ["bp", "lfp_region"]
    assert tables["lfp_region"].attrs["model_name"] == "v2"
    assert len(tables["lfp_region"]) == 3
    assert tables["bp"].attrs["model_name"] == "band-power"


def test_name_of_a_foreign_object_is_never_overwritten(neuroconv_path):
    with pytest.raises(ValueError, match="not an ndx-xmodal prediction table"):
        write_region_predictions(neuroconv_path, region_predictions(CHANNELS), name="LFP", overwrite=True)


BAD_NAMES = ["", "a/b", "a:b", "a\\b", ".", "..", ".zattrs", " padded", "line\nbreak", 3]
RESERVED_COLUMNS = ["id", "description", "colnames", "x", "rel_z", "channel_name", "location"]


def test_bad_names_refused_up_front_the_same_for_hdf5_and_zarr(neuroconv_path):
    before = checksums(neuroconv_path)
    result = region_predictions(CHANNELS)
    for name in BAD_NAMES:
        with pytest.raises(ValueError, match=r"^name: "):
            write_region_predictions(neuroconv_path, result, name=name)
    for column in BAD_NAMES + RESERVED_COLUMNS:
        with pytest.raises(ValueError, match=r"^electrodes_column: "):
            write_region_predictions(neuroconv_path, result, electrodes_column=column)
    assert checksums(neuroconv_path) == before
    assert working_copies(neuroconv_path) == []


def test_unusual_but_valid_names_round_trip(neuroconv_path):
    write_region_predictions(
        neuroconv_path, region_predictions(CHANNELS), name="model A-1.2 (v2)", electrodes_column="region v2.1"
    )
    assert list(read_predictions(neuroconv_path)) == ["model A-1.2 (v2)"]


def test_append_keeps_every_existing_object(neuroconv_path):
    before = checksums(neuroconv_path)
    write_region_predictions(neuroconv_path, region_predictions(CHANNELS))
    write_cell_subclasses(neuroconv_path, subclass_predictions(["u0", "u1", "u2", "u3"]))
    assert_kept(before, checksums(neuroconv_path))


def test_electrodes_column_is_opt_in_and_location_untouched(tmp_path, neuroconv_templates):
    path = copy_template(neuroconv_templates["nwb"], tmp_path)
    result = region_predictions(["CH2", "CH5"])
    write_region_predictions(path, result, electrodes_column="predicted_region")
    with NWBHDF5IO(path, "r") as io:
        electrodes = io.read().electrodes.to_dataframe()
    assert electrodes["location"].tolist() == ["unknown"] * 8
    expected = [""] * 8
    expected[2], expected[5] = result.predicted_region
    assert electrodes["predicted_region"].tolist() == expected
    for column in ("location", "predicted_region"):
        with pytest.raises(ValueError, match="never overwritten"):
            write_region_predictions(path, result, name="again", electrodes_column=column)


def _electrodes_frame(path):
    """The electrodes' text columns (hdmf-zarr pickles the group column, which cannot be read by default)."""
    with open_nwb(path) as (_, nwbfile):
        electrodes = nwbfile.electrodes
        return {name: list(electrodes[name].data[:]) for name in electrodes.colnames if name != "group"}


def test_overwrite_keeps_the_electrodes_column_consistent(neuroconv_path):
    first = region_predictions(CHANNELS, seed=0)
    write_region_predictions(neuroconv_path, first, electrodes_column="region")
    assert _electrodes_frame(neuroconv_path)["region"] == first.predicted_region.tolist()
    # same column again: rewritten with the new predictions
    second = region_predictions(CHANNELS[:4], seed=3)
    write_region_predictions(neuroconv_path, second, overwrite=True, electrodes_column="region")
    assert _electrodes_frame(neuroconv_path)["region"] == [*second.predicted_region, "", "", "", ""]
    # overwritten without the column: the old predictions do not stay behind in the electrodes table
    write_region_predictions(neuroconv_path, region_predictions(CHANNELS, seed=4), overwrite=True)
    assert "region" not in _electrodes_frame(neuroconv_path)
    # and the name is free again
    third = region_predictions(CHANNELS, seed=5)
    write_region_predictions(neuroconv_path, third, overwrite=True, electrodes_column="region")
    assert _electrodes_frame(neuroconv_path)["region"] == third.predicted_region.tolist()
    assert _electrodes_frame(neuroconv_path)["location"] == ["unknown"] * 8


def test_overwrite_never_takes_a_column_it_did_not_write(tmp_path, neuroconv_templates):
    neuroconv_path = copy_template(neuroconv_templates["nwb"], tmp_path)  # refused before any backend work
    write_region_predictions(neuroconv_path, region_predictions(CHANNELS), electrodes_column="region")
    write_region_predictions(neuroconv_path, region_predictions(CHANNELS), name="other", electrodes_column="other_col")
    with pytest.raises(ValueError, match="already has a column 'other_col'"):
        write_region_predictions(
            neuroconv_path, region_predictions(CHANNELS), overwrite=True, electrodes_column="other_col"
        )
    assert "other_col" in _electrodes_frame(neuroconv_path)


def test_cell_subclasses_for_units_by_unit_name(neuroconv_path):
    result = subclass_predictions(["u3", "u1"])
    write_cell_subclasses(neuroconv_path, result)
    frame = read_predictions(neuroconv_path)["cell_subclass"]
    assert frame.index.tolist() == ["u3", "u1"]
    assert frame["unit"].tolist() == [3, 1]
    np.testing.assert_allclose(
        frame[["attention_ap", "attention_isi", "attention_subthreshold"]], result.attention_weights
    )
    assert frame.attrs["feature_families"] == ["ap", "isi", "subthreshold"]


def test_cell_subclasses_without_units_table_refused(mock_path):
    with pytest.raises(ValueError, match="no units table"):
        write_cell_subclasses(mock_path, subclass_predictions([0]))


def test_cell_subclasses_for_icephys_electrode_and_recording(icephys_path):
    with open_nwb(icephys_path) as (_, nwbfile):
        electrode_name = next(iter(nwbfile.icephys_electrodes))
    write_cell_subclasses(icephys_path, subclass_predictions([electrode_name], target="intracellular_recordings"))
    write_cell_subclasses(
        icephys_path, subclass_predictions([0], target="intracellular_recordings", attention=False), name="by_rec"
    )
    tables = read_predictions(icephys_path)
    assert tables["cell_subclass"].index.tolist() == [electrode_name]
    assert tables["by_rec"].index.tolist() == [0]
    assert "attention_ap" not in tables["by_rec"]
    with pytest.raises(ValueError, match="not intracellular electrode names either"):
        write_cell_subclasses(
            icephys_path, subclass_predictions(["cell9"], target="intracellular_recordings"), name="x"
        )


def test_overwrite_does_not_trust_the_attribute_alone(tmp_path, neuroconv_templates):
    """A table whose electrodes_column attribute names a column this package did not write (here 'location')."""
    import h5py

    path = copy_template(neuroconv_templates["nwb"], tmp_path)
    write_region_predictions(path, region_predictions(CHANNELS))
    with h5py.File(path, "r+") as file:
        file["processing/ecephys/lfp_region"].attrs["electrodes_column"] = "location"
    write_region_predictions(path, region_predictions(CHANNELS, seed=2), overwrite=True)
    assert _electrodes_frame(path)["location"] == ["unknown"] * 8
