"""SpikeInterface's extension contract: params round-trip, hard merges / splits recompute, failures keep results."""

import numpy as np
import pandas as pd
import pytest
import spikeinterface.core as si

import spikeinterface_xmodal  # noqa: F401  (registers lfp_region)


@pytest.fixture(scope="module")
def held_out(region_sessions):
    return region_sessions[3]


def _computed(session, model, format="memory", folder=None, extensions=("random_spikes", "templates")):
    analyzer = si.create_sorting_analyzer(
        session.sorting, session.recording, format=format, folder=folder, sparse=False
    )
    analyzer.compute(list(extensions))
    analyzer.compute("lfp_region", lfp_recording=session.lfp, model=model, n_windows=3)
    return analyzer


@pytest.fixture(scope="module")
def saved(held_out, region_model_folder, tmp_path_factory):
    """An analyzer saved as a binary folder, its LFP saved too so that params reload it."""
    folder = tmp_path_factory.mktemp("contract")
    lfp = held_out.lfp.save(folder=folder / "lfp")
    analyzer = si.create_sorting_analyzer(
        held_out.sorting, held_out.recording, format="binary_folder", folder=folder / "analyzer", sparse=False
    )
    analyzer.compute(["random_spikes", "templates", "unit_locations"])
    analyzer.compute("lfp_region", lfp_recording=lfp, model=region_model_folder, n_windows=3)
    return analyzer


def test_params_round_trip_through_set_params(saved):
    ext = saved.get_extension("lfp_region")
    before = ext.get_data()["channels"]
    assert "model_hash" not in ext.params  # the hash is a result of the run, not a parameter
    assert len(ext.data["model_info"]["model_hash"]) == 64
    again = saved.compute("lfp_region", **ext.params)
    pd.testing.assert_frame_equal(again.get_data()["channels"], before)


def test_hard_merge_recomputes_and_assigns_the_merged_unit(saved):
    pair = list(saved.unit_ids[:2])
    merged = saved.merge_units([pair], merging_mode="hard", new_id_strategy="append", format="memory")
    units = merged.get_extension("lfp_region").get_data()["units"].set_index("unit_id")
    assert list(units.index) == list(merged.unit_ids)
    new_unit = merged.unit_ids[-1]
    assert new_unit not in saved.unit_ids
    # the merged unit sits at the channel nearest to its own (recomputed) location
    location = merged.get_extension("unit_locations").get_data()[merged.sorting.id_to_index(new_unit)]
    channel_locations = merged.get_channel_locations()
    nearest = merged.channel_ids[np.argmin(np.linalg.norm(channel_locations - location[:2], axis=1))]
    assert units.loc[new_unit, "channel_id"] == nearest
    channels = merged.get_extension("lfp_region").get_data()["channels"].set_index("channel_id")
    assert units.loc[new_unit, "predicted_region"] == channels.loc[nearest, "predicted_region"]


@pytest.mark.parametrize("mode", ["soft", "hard"])
def test_split_assigns_each_new_unit_to_its_own_nearest_channel(saved, mode):
    unit = saved.unit_ids[2]
    spikes = saved.sorting.get_unit_spike_train(unit)
    halves = [np.arange(spikes.size // 2), np.arange(spikes.size // 2, spikes.size)]
    split = saved.split_units({unit: halves}, splitting_mode=mode, format="memory")
    units = split.get_extension("lfp_region").get_data()["units"].set_index("unit_id")
    channels = split.get_extension("lfp_region").get_data()["channels"].set_index("channel_id")
    assert list(units.index) == list(split.unit_ids)
    new_units = [u for u in split.unit_ids if u not in saved.unit_ids]
    assert len(new_units) == 2
    locations = split.get_extension("unit_locations").get_data()
    for new_unit in new_units:
        location = locations[split.sorting.id_to_index(new_unit)]
        distances = np.linalg.norm(split.get_channel_locations() - location[:2], axis=1)
        assert units.loc[new_unit, "channel_id"] == split.channel_ids[np.argmin(distances)]
        assert (
            units.loc[new_unit, "predicted_region"]
            == channels.loc[units.loc[new_unit, "channel_id"], "predicted_region"]
        )


def test_unit_locations_is_an_optional_dependency():
    from spikeinterface_xmodal.analyzer import ComputeLfpRegion

    assert ComputeLfpRegion.get_optional_dependencies() == ["unit_locations"]


@pytest.mark.parametrize("format", ["binary_folder", "zarr"])
def test_a_failed_recompute_keeps_the_saved_results(held_out, region_model_folder, tmp_path, format):
    folder = tmp_path / ("analyzer.zarr" if format == "zarr" else "analyzer")
    analyzer = _computed(held_out, region_model_folder, format=format, folder=folder)
    expected = analyzer.get_extension("lfp_region").get_data()["channels"]
    other_ids = held_out.lfp.rename_channels([f"x{c}" for c in held_out.lfp.channel_ids])
    moved = held_out.lfp.clone()
    moved.set_channel_locations(held_out.lfp.get_channel_locations()[::-1].copy())
    bad_calls = [
        (dict(model=tmp_path / "typo"), FileNotFoundError, "does not exist"),
        (dict(model=region_model_folder, n_windows=0), ValueError, "n_windows"),
        (dict(model=region_model_folder, window_s=2.0), ValueError, "3.0 s windows"),
        (dict(model=region_model_folder, lfp_recording=other_ids), ValueError, "lacks"),
        (dict(model=region_model_folder, lfp_recording=moved), ValueError, "locations"),
    ]
    for kwargs, error, message in bad_calls:
        kwargs.setdefault("lfp_recording", held_out.lfp)
        with pytest.raises(error, match=message):
            analyzer.compute("lfp_region", **kwargs)
        assert analyzer.has_extension("lfp_region"), kwargs
        pd.testing.assert_frame_equal(analyzer.get_extension("lfp_region").get_data()["channels"], expected)
        reloaded = si.load_sorting_analyzer(folder)
        pd.testing.assert_frame_equal(reloaded.get_extension("lfp_region").get_data()["channels"], expected)


def test_a_failure_while_running_keeps_the_saved_results(held_out, region_model_folder, tmp_path):
    from spikeinterface.core import NumpyRecording

    analyzer = _computed(held_out, region_model_folder, format="binary_folder", folder=tmp_path / "an")
    expected = analyzer.get_extension("lfp_region").get_data()["channels"]
    traces = held_out.lfp.get_traces().copy()
    traces[:, 5] = np.nan  # only found while reading the windows
    broken = NumpyRecording([traces], held_out.lfp.sampling_frequency, channel_ids=held_out.lfp.channel_ids)
    broken.set_probe(held_out.lfp.get_probe())
    with pytest.raises(ValueError, match="NaN or Inf"):
        analyzer.compute("lfp_region", lfp_recording=broken, model=region_model_folder, n_windows=None)
    reloaded = si.load_sorting_analyzer(tmp_path / "an")
    pd.testing.assert_frame_equal(reloaded.get_extension("lfp_region").get_data()["channels"], expected)


# Recomputes lfp_region on a saved analyzer and dies (no clean-up) right after the first array is saved.
KILLED_WHILE_SAVING = """
import os, sys
import numpy as np
import spikeinterface.core as si
import spikeinterface_xmodal  # noqa: F401

analyzer_folder, lfp_folder, model = sys.argv[1:4]
analyzer = si.load_sorting_analyzer(analyzer_folder)
save = np.save

def save_then_die(*args, **kwargs):
    save(*args, **kwargs)
    os._exit(9)

np.save = save_then_die
analyzer.compute("lfp_region", lfp_recording=si.load(lfp_folder), model=model, n_windows=3, seed=1)
"""


def test_a_process_killed_while_saving_keeps_the_saved_results(held_out, region_model_folder, tmp_path):
    import subprocess
    import sys

    held_out.lfp.save(folder=tmp_path / "lfp")
    analyzer = _computed(held_out, region_model_folder, format="binary_folder", folder=tmp_path / "an")
    expected = analyzer.get_extension("lfp_region").get_data()["channels"]
    child = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_SAVING, str(tmp_path / "an"), str(tmp_path / "lfp"), region_model_folder],
        capture_output=True,
        text=True,
    )
    assert child.returncode == 9, child.stderr
    reloaded = si.load_sorting_analyzer(tmp_path / "an")
    pd.testing.assert_frame_equal(reloaded.get_extension("lfp_region").get_data()["channels"], expected)
    assert reloaded.get_extension("lfp_region").params["seed"] == 0
