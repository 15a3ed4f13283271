"""Generated session files pass nwbinspector's DANDI configuration: a user can upload what the demo shows."""

import pytest

from spikeinterface_xmodal.datasets import generate_region_session, write_session_nwb

nwbinspector = pytest.importorskip("nwbinspector")


def dandi_issues(path) -> list[str]:
    """CRITICAL and BEST_PRACTICE_VIOLATION messages of ``nwbinspector --config dandi``."""
    messages = nwbinspector.inspect_nwbfile(
        nwbfile_path=path, config=nwbinspector.load_config("dandi"), importance_threshold="BEST_PRACTICE_VIOLATION"
    )
    return [f"{m.importance.name} {m.check_function_name}: {m.message}" for m in messages if m is not None]


def test_generated_session_passes_the_dandi_configuration(tmp_path):
    session = generate_region_session(duration_s=3.0, channel_step=16, seed=4)
    path = write_session_nwb(session, tmp_path / "session.nwb")
    assert dandi_issues(path) == []
