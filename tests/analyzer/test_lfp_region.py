import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import spikeinterface.core as si
from spikeinterface.core import NumpyRecording

import spikeinterface_xmodal  # noqa: F401  (registers lfp_region)
from spikeinterface_xmodal import RegionPredictions


@pytest.fixture(scope="module")
def held_out(region_sessions):
    return region_sessions[3]


def _analyzer(session, format="memory", folder=None, extensions=("random_spikes", "templates")):
    analyzer = si.create_sorting_analyzer(
        session.sorting, session.recording, format=format, folder=folder, sparse=False
    )
    analyzer.compute(list(extensions))
    return analyzer


@pytest.fixture(scope="module")
def computed(held_out, region_model_folder):
    analyzer = _analyzer(held_out)
    analyzer.compute("lfp_region", lfp_recording=held_out.lfp, model=region_model_folder, n_windows=4)
    return analyzer


def test_tables_follow_channels_and_units(computed, held_out):
    ext = computed.get_extension("lfp_region")
    tables = ext.get_data()
    channels, units = tables["channels"], tables["units"]
    assert list(channels["channel_id"]) == list(computed.channel_ids)
    assert list(units["unit_id"]) == list(computed.unit_ids)
    p_columns = [f"p_{c}" for c in ext.classes]
    np.testing.assert_allclose(channels[p_columns].sum(axis=1), 1.0)
    np.testing.assert_allclose(channels["probability"], channels[p_columns].max(axis=1))
    assert set(channels["predicted_region"]) <= set(ext.classes)
    assert {f"log_power_{b}" for b in ("theta", "ripple", "rms")} <= set(channels.columns)
    # a unit takes the region of its assigned channel
    by_channel = channels.set_index("channel_id")["predicted_region"]
    assert list(units["predicted_region"]) == list(by_channel.loc[units["channel_id"]])
    truth = held_out.lfp.get_property("brain_area")
    assert np.mean(channels["predicted_region"].to_numpy(dtype=str) == truth) > 0.5


def test_predictions_for_nwb(computed):
    predictions = computed.get_extension("lfp_region").get_predictions()
    assert isinstance(predictions, RegionPredictions)
    assert predictions.ontology == "synthetic"
    assert predictions.model_card["kind"] == "lfp_region_baseline"
    assert predictions.probabilities.shape == (computed.get_num_channels(), len(predictions.classes))
    channels = computed.get_extension("lfp_region").get_data()["channels"]
    np.testing.assert_allclose(predictions.ood_score, channels["ood_score"])
    assert np.all(predictions.ood_score >= 0)


def test_params_are_json_and_name_the_model(computed, region_model_folder):
    params = computed.get_extension("lfp_region").params
    json.dumps(params)
    assert params["model"] == str(region_model_folder.resolve())
    assert params["window_s"] == 3.0
    from spikeinterface_xmodal.model_folder import folder_hash

    info = computed.get_extension("lfp_region").data["model_info"]
    assert info["model_hash"] == folder_hash(region_model_folder)


@pytest.mark.parametrize("format", ["binary_folder", "zarr"])
def test_saved_analyzer_reloads_in_a_new_process(computed, held_out, region_model_folder, tmp_path, format):
    folder = tmp_path / ("analyzer.zarr" if format == "zarr" else "analyzer")
    analyzer = _analyzer(held_out, format=format, folder=folder)
    analyzer.compute("lfp_region", lfp_recording=held_out.lfp, model=region_model_folder, n_windows=4)
    expected = analyzer.get_extension("lfp_region").get_data()
    script = (
        "import sys, spikeinterface.core as si, spikeinterface_xmodal\n"
        "a = si.load_sorting_analyzer(sys.argv[1])\n"
        "t = a.get_extension('lfp_region').get_data()\n"
        "t['channels'].to_csv(sys.argv[2] + '_c.csv', index=False)\n"
        "t['units'].to_csv(sys.argv[2] + '_u.csv', index=False)\n"
    )
    out = str(tmp_path / "reloaded")
    subprocess.run([sys.executable, "-c", script, str(folder), out], check=True, env=os.environ.copy())
    for key, suffix in (("channels", "_c.csv"), ("units", "_u.csv")):
        reloaded = pd.read_csv(out + suffix)
        pd.testing.assert_frame_equal(
            reloaded.drop(columns=[c for c in reloaded.columns if c.endswith("_id")]),
            expected[key].drop(columns=[c for c in expected[key].columns if c.endswith("_id")]).reset_index(drop=True),
            check_dtype=False,
        )
        assert [str(v) for v in reloaded.iloc[:, 0]] == [str(v) for v in expected[key].iloc[:, 0]]


def test_select_and_soft_merge_keep_units_consistent(computed):
    ext_rows = computed.get_extension("lfp_region").get_data()["units"].set_index("unit_id")
    kept = computed.unit_ids[::2]
    selected_analyzer = computed.select_units(kept)  # extensions hold only a weak reference to their analyzer
    selected = selected_analyzer.get_extension("lfp_region").get_data()["units"]
    assert list(selected["unit_id"]) == list(kept)
    assert list(selected["predicted_region"]) == list(ext_rows.loc[kept, "predicted_region"])

    pair = list(computed.unit_ids[:2])
    merged = computed.merge_units([pair], new_id_strategy="append")
    merged_units = merged.get_extension("lfp_region").get_data()["units"]
    assert list(merged_units["unit_id"]) == list(merged.unit_ids)
    untouched = [u for u in computed.unit_ids if u not in pair]
    assert list(merged_units.set_index("unit_id").loc[untouched, "channel_id"]) == list(
        ext_rows.loc[untouched, "channel_id"]
    )
    # without unit_locations the merged unit takes the merged analyzer's main channel
    new_unit = merged.unit_ids[-1]
    main_channel = merged.get_main_channels(outputs="id")[merged.sorting.id_to_index(new_unit)]
    assert merged_units.set_index("unit_id").loc[new_unit, "channel_id"] == main_channel


def test_analyzer_recording_is_used_and_downsampled_when_no_lfp_is_given(held_out, region_model_folder):
    from spikeinterface_xmodal.preprocessing import extract_lfp

    analyzer = _analyzer(held_out)
    analyzer.compute("lfp_region", model=region_model_folder, n_windows=2)
    implicit = analyzer.get_extension("lfp_region").get_data()["channels"]
    # the same as handing over the 30 kHz recording downsampled to the model's 2500 Hz explicitly
    lfp = extract_lfp(held_out.recording, lfp_sampling_frequency=2500.0)
    analyzer.compute("lfp_region", lfp_recording=lfp, model=region_model_folder, n_windows=2)
    explicit = analyzer.get_extension("lfp_region").get_data()["channels"]
    pd.testing.assert_frame_equal(implicit, explicit)


def test_bad_input_is_refused_clearly(computed, held_out, region_model_folder, tmp_path):
    # a saved analyzer whose (in-memory, generated) recording could not be saved has none attached
    si.create_sorting_analyzer(
        held_out.sorting, held_out.recording, format="binary_folder", folder=tmp_path / "an", sparse=False
    )
    without_recording = si.load_sorting_analyzer(tmp_path / "an")
    assert not without_recording.has_recording()
    with pytest.raises(ValueError, match="needs an LFP recording"):
        without_recording.compute("lfp_region", model=region_model_folder)
    with pytest.raises(ValueError, match="needs model="):
        computed.compute("lfp_region", lfp_recording=held_out.lfp)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        computed.compute("lfp_region", lfp_recording=held_out.lfp, model=tmp_path / "missing")
    with pytest.raises(ValueError, match=r"trained on 3\.0 s windows"):
        computed.compute("lfp_region", lfp_recording=held_out.lfp, model=region_model_folder, window_s=2.0)
    fewer = held_out.lfp.select_channels(held_out.lfp.channel_ids[:-3])
    with pytest.raises(ValueError, match="lacks 3 of the analyzer's"):
        computed.compute("lfp_region", lfp_recording=fewer, model=region_model_folder)
    no_probe = NumpyRecording([held_out.lfp.get_traces()], 2500.0, channel_ids=held_out.lfp.channel_ids)
    with pytest.raises(ValueError, match="no channel locations"):
        computed.compute("lfp_region", lfp_recording=no_probe, model=region_model_folder)
    short = held_out.lfp.frame_slice(0, 2000)
    with pytest.raises(ValueError, match="shorter than one window"):
        computed.compute("lfp_region", lfp_recording=short, model=region_model_folder)
    traces = held_out.lfp.get_traces().copy()
    traces[:, 5] = np.nan
    broken = NumpyRecording([traces], held_out.lfp.sampling_frequency, channel_ids=held_out.lfp.channel_ids)
    broken.set_probe(held_out.lfp.get_probe())
    with pytest.raises(ValueError, match="NaN or Inf"):
        computed.compute("lfp_region", lfp_recording=broken, model=region_model_folder, n_windows=None)
    # on the wide-band path the NaN would first meet the resampler, which does not say where it came from
    wide = held_out.recording.frame_slice(0, 4 * 30000).get_traces().copy()
    wide[:, 7] = np.nan
    broken_wide = NumpyRecording([wide], held_out.recording.sampling_frequency, channel_ids=held_out.lfp.channel_ids)
    broken_wide.set_probe(held_out.lfp.get_probe(), in_place=True)
    with pytest.raises(
        ValueError, match=rf"NaN or Inf samples on channels \[{held_out.lfp.channel_ids.tolist()[7]!r}\]"
    ):
        computed.compute("lfp_region", lfp_recording=broken_wide, model=region_model_folder, n_windows=1)
    slow = held_out.lfp.frame_slice(0, 30000)
    slow = NumpyRecording([slow.get_traces()[::8]], slow.sampling_frequency / 8, channel_ids=slow.channel_ids)
    slow.set_probe(held_out.lfp.get_probe())
    with pytest.raises(ValueError, match="cannot resolve"):
        computed.compute("lfp_region", lfp_recording=slow, model=region_model_folder)


def test_corrupt_or_changed_model_is_refused(computed, held_out, region_model_folder, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(region_model_folder, copy)
    (copy / "classifier.skops").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="corrupt"):
        computed.compute("lfp_region", lfp_recording=held_out.lfp, model=copy)
    shutil.rmtree(copy)
    shutil.copytree(region_model_folder, copy)
    ext = computed.compute("lfp_region", lfp_recording=held_out.lfp, model=copy, n_windows=2)
    before = ext.data["model_info"]["model_hash"]
    (copy / "card.json").write_text((copy / "card.json").read_text().replace('"ontology"', '"ontology_"'))
    again = computed.compute("lfp_region", **{**ext.params, "lfp_recording": held_out.lfp})
    # the results record the folder they were computed with
    assert again.data["model_info"]["model_hash"] != before


def test_predictions_land_in_the_sessions_nwb_file(computed, tmp_path):
    from pynwb import NWBHDF5IO
    from pynwb.testing.mock.file import mock_NWBFile

    from spikeinterface_xmodal.nwb import read_predictions, write_region_predictions

    nwbfile = mock_NWBFile()
    device = nwbfile.create_device(name="probe")
    group = nwbfile.create_electrode_group(name="shank0", description="", location="unknown", device=device)
    nwbfile.add_electrode_column(name="channel_name", description="SpikeInterface channel id")
    for channel_id in computed.channel_ids[::-1]:  # rows in another order than the analyzer's channels
        nwbfile.add_electrode(group=group, location="unknown", channel_name=str(channel_id))
    path = tmp_path / "session.nwb"
    with NWBHDF5IO(path, mode="w") as io:
        io.write(nwbfile)

    write_region_predictions(path, computed)
    table = read_predictions(path)["lfp_region"]
    expected = computed.get_extension("lfp_region").get_data()["channels"].set_index("channel_id")
    assert len(table) == computed.get_num_channels()
    for channel_id, row in table.iterrows():
        expected_row = expected.loc[type(expected.index[0])(channel_id)]
        assert row["predicted_region"] == expected_row["predicted_region"]
        assert np.isclose(row["ood_score"], expected_row["ood_score"])


def test_other_lab_at_1250_hz_on_a_four_shank_probe(region_model_folder):
    """A 2500 Hz model runs on a 1250 Hz LF stream of another lab's four-shank probe, smoothing per shank."""
    import dataclasses

    from spikeinterface_xmodal.datasets import LAB_PRESETS, generate_region_session
    from spikeinterface_xmodal.region_models import recording_probe_order

    lab = dataclasses.replace(LAB_PRESETS["lab_b"], name="lab_b_4shank", num_shanks=4)
    session = generate_region_session(lab=lab, duration_s=12.0, channel_step=8, seed=11)
    assert session.lfp.sampling_frequency == 1250.0
    orders = recording_probe_order(session.lfp)
    assert len(orders) == 4
    for order in orders:
        assert len(set(session.lfp.get_property("group")[order])) == 1
        assert np.all(np.diff(session.lfp.get_channel_locations()[order, 1]) >= 0)

    analyzer = _analyzer(session)
    analyzer.compute("lfp_region", lfp_recording=session.lfp, model=region_model_folder, n_windows=3, smoothing=True)
    channels = analyzer.get_extension("lfp_region").get_data()["channels"]
    assert len(channels) == session.lfp.get_num_channels()
    assert analyzer.get_extension("lfp_region").data["model_info"]["smoothed"]


def test_channel_selection_slices_channel_rows_and_reassigns_units(computed):
    kept = computed.channel_ids[::2]
    selected = computed._select_channels(kept)  # what SpikeInterface uses to subset channels
    tables = selected.get_extension("lfp_region").get_data()
    before = computed.get_extension("lfp_region").get_data()["channels"].set_index("channel_id")
    assert list(tables["channels"]["channel_id"]) == list(kept)
    assert list(tables["channels"]["predicted_region"]) == list(before.loc[kept, "predicted_region"])
    assert set(tables["units"]["channel_id"]) <= set(kept)
