"""The worked pipeline of docs/pipelines.md, end to end on a small generated session."""

import pytest
from threadpoolctl import threadpool_limits

from spikeinterface_xmodal.pipelines.example import run_example_pipeline
from tests.datasets.test_session_nwb_dandi import dandi_issues


@pytest.mark.slow
def test_worked_pipeline_from_generated_session_to_nwb(tmp_path):
    with threadpool_limits(limits=1):
        result = run_example_pipeline(
            tmp_path, duration_s=8.0, channel_step=8, n_training_subjects=3, n_windows=4, progress_bar=False
        )
    channels = result["channels"]
    # the saline section at the top is found and removed; no outside group is left to sort
    assert channels["outside_truth"] > 0 and channels["removed_outside_truth"] >= 0.5 * channels["outside_truth"]
    assert "void" not in set(result["regions"].values())
    # one sorter run per predicted region: units of several regions, each unit tagged with its region
    assert len(result["units"]) >= 2 and set(result["units"]) <= set(result["regions"].values())
    # the predictions appended to the session's NWB file read back with plain pynwb, and the file is uploadable
    assert set(result["nwb_regions"]) <= set(result["regions"].values())
    assert len(result["nwb_regions"]) == len(result["regions"])
    assert dandi_issues(result["nwb_path"]) == []
    assert set(result["timings"]) >= {"localize_channels", "sort per predicted region (simple)"}
