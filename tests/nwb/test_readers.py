"""Reading tables back: DataFrames with probabilities and provenance, SpikeInterface channel properties."""

from __future__ import annotations

import numpy as np
import pytest

from spikeinterface_xmodal.nwb import read_predictions, set_region_properties, write_region_predictions
from spikeinterface_xmodal.nwb.fileio import open_nwb
from tests.nwb.conftest import REGIONS, copy_template, region_predictions

LFP_SERIES = "processing/ecephys/LFP/ElectricalSeriesLFP"


def test_file_without_predictions_reads_empty(mock_path):
    assert read_predictions(mock_path) == {}


def test_dataframe_carries_provenance(mock_path):
    with pytest.warns(UserWarning, match="matched by electrode 'id'"):  # the mock file has no channel_name
        write_region_predictions(mock_path, region_predictions([0, 1, 2, 3, 4]))
    frame = read_predictions(mock_path)["lfp_region"]
    assert frame.index.name == "channel_id"
    assert list(frame.columns) == ["electrode", "electrode_id", "predicted_region"] + [f"p_{c}" for c in REGIONS]
    assert frame.attrs["ontology"] == "Allen CCF"
    assert frame.attrs["classes"] == REGIONS
    assert frame.attrs["model_card"]["metrics"] == {"bacc": 0.5}
    assert frame.attrs["training_data"] == "synthetic probes"
    assert frame.attrs["model_version"] == "0.1.0"


def test_ood_score_round_trips_as_a_column(tmp_path, neuroconv_templates):
    neuroconv_path = copy_template(neuroconv_templates["nwb"], tmp_path)  # Zarr: see test_interop
    result = region_predictions(["CH2", "CH0", "CH5"])
    result.ood_score = np.array([0.1, 2.5, 7.0])
    write_region_predictions(neuroconv_path, result)
    write_region_predictions(neuroconv_path, region_predictions(["CH1"]), name="without")
    tables = read_predictions(neuroconv_path)
    assert tables["lfp_region"]["ood_score"].tolist() == [0.1, 2.5, 7.0]
    assert "ood_score" not in tables["without"]
    with open_nwb(neuroconv_path) as (_, nwbfile):
        table = nwbfile.processing["ecephys"]["lfp_region"]
        assert "higher = less like the training data" in table["ood_score"].description


def test_recording_read_with_spikeinterface_gets_channel_properties(neuroconv_path):
    from spikeinterface.extractors import read_nwb_recording

    result = region_predictions(["CH6", "CH1", "CH3"])
    write_region_predictions(neuroconv_path, result)
    recording = read_nwb_recording(str(neuroconv_path), electrical_series_path=LFP_SERIES)
    keys = set_region_properties(recording, neuroconv_path)
    assert keys == ["brain_area_predicted"] + [f"brain_area_p_{c}" for c in REGIONS]
    predicted = dict(zip(recording.channel_ids, recording.get_property("brain_area_predicted"), strict=True))
    assert [predicted[c] for c in ("CH6", "CH1", "CH3")] == result.predicted_region.tolist()
    assert predicted["CH0"] == ""
    p_dg = dict(zip(recording.channel_ids, recording.get_property("brain_area_p_DG"), strict=True))
    assert p_dg["CH1"] == pytest.approx(result.probabilities[1, 1])
    assert np.isnan(p_dg["CH0"])


def test_set_region_properties_errors(neuroconv_path):
    from spikeinterface.core import generate_recording
    from spikeinterface.extractors import read_nwb_recording

    write_region_predictions(neuroconv_path, region_predictions(["CH0"]))
    recording = read_nwb_recording(str(neuroconv_path), electrical_series_path=LFP_SERIES)
    with pytest.raises(ValueError, match="no region prediction table 'other'"):
        set_region_properties(recording, neuroconv_path, name="other")
    unrelated = generate_recording(num_channels=2, durations=[0.1], seed=0)
    with pytest.raises(ValueError, match="none of its channel ids"):
        set_region_properties(unrelated, neuroconv_path)
