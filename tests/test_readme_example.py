"""The README's "use it on your own data" example runs as written (generated sessions stand in for yours)."""

import spikeinterface.full as si

import spikeinterface_xmodal as sx


def test_readme_example_runs(region_sessions, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    training_recordings = [s.recording for s in region_sessions[:2]]  # wide-band, as users usually have
    training_regions = [s.recording.get_property("brain_area") for s in region_sessions[:2]]
    held_out = region_sessions[3]
    recording, sorting = held_out.recording, held_out.sorting
    sx.datasets.write_session_nwb(held_out, "session.nwb")

    for rec, regions in zip(training_recordings, training_regions, strict=True):
        rec.set_property("brain_area", regions)
    sx.training.fit_region_baseline(
        training_recordings, folder="region_model", ontology="Allen CCF / Cosmos", n_windows=3
    )
    lfp = sx.preprocessing.extract_lfp(recording)
    analyzer = si.create_sorting_analyzer(sorting, recording, format="binary_folder", folder="analyzer")
    analyzer.compute(["random_spikes", "templates", "unit_locations"])
    analyzer.compute("lfp_region", lfp_recording=lfp, model="region_model", n_windows=3)
    tables = analyzer.get_extension("lfp_region").get_data()
    assert {"channel_id", "x", "y", "predicted_region", "probability"} <= set(tables["channels"].columns)
    assert {"unit_id", "channel_id", "predicted_region", "probability"} <= set(tables["units"].columns)
    sx.nwb.write_region_predictions("session.nwb", analyzer)
    assert len(sx.nwb.read_predictions("session.nwb")["lfp_region"]) == recording.get_num_channels()
