"""The lfp_latents and spike_latents extensions: the models' latents of the analyzer's session, kept through
saves, reloads, merges and splits, and never lost to a failed recompute."""

import subprocess
import sys

import numpy as np
import pytest
import spikeinterface.core as si

import spikeinterface_xmodal  # noqa: F401  (registers the extensions)
from spikeinterface_xmodal import load_model
from spikeinterface_xmodal.distillation import DistillationSession

from ..distillation.tiny_latent_models import tiny_latent_models


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_latent_models(tmp_path_factory.mktemp("analyzer_latents"))


@pytest.fixture(scope="module")
def expected(tiny):
    """The student's and the teacher's own latents of the session."""
    session = tiny["session"]
    teacher_session = DistillationSession(session.sorting, tiny["lfp"], None, None, session.session_id)
    return {
        "lfp_latents": load_model(tiny["student"]).latents(tiny["lfp"]),
        "spike_latents": load_model(tiny["teacher"]).latents(teacher_session),
    }


def _analyzer(tiny, format="memory", folder=None):
    lfp = tiny["lfp"]
    recording = si.generate_recording(num_channels=4, sampling_frequency=30000.0, durations=[lfp.get_duration()])
    return si.create_sorting_analyzer(tiny["session"].sorting, recording, format=format, folder=folder, sparse=False)


def _compute(analyzer, tiny):
    analyzer.compute("lfp_latents", lfp_recording=tiny["lfp"], model=tiny["student"])
    analyzer.compute("spike_latents", model=tiny["teacher"], lfp_recording=tiny["lfp"])
    return analyzer


def _assert_latents(analyzer, expected):
    for name in ("lfp_latents", "spike_latents"):
        times, latents = analyzer.get_extension(name).get_data()
        np.testing.assert_allclose(times, expected[name][0])
        np.testing.assert_allclose(latents, expected[name][1], atol=1e-5)


@pytest.fixture(scope="module")
def saved(tiny, tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved_analyzer")
    return _compute(_analyzer(tiny, "binary_folder", folder / "analyzer"), tiny)


def test_latents_equal_the_models_own_with_provenance(saved, expected, tiny):
    _assert_latents(saved, expected)
    info = saved.get_extension("lfp_latents").model_info
    assert info["kind"] == "lfp_latent_model" and info["role"] == "distilled_lfp"
    assert len(info["model_hash"]) == 64 and info["bin_s"] == pytest.approx(0.02)
    assert info["session_id"] == tiny["session"].session_id
    teacher = saved.get_extension("spike_latents")
    assert teacher.model_info["kind"] == "spike_teacher"
    assert teacher.params["model"] == str(tiny["teacher"].resolve())  # a path, never a live model


@pytest.mark.parametrize("format", ["binary_folder", "zarr"])
def test_saved_and_reloaded(tiny, expected, tmp_path, format):
    folder = tmp_path / ("analyzer.zarr" if format == "zarr" else "analyzer")
    _compute(_analyzer(tiny, format, folder), tiny)
    _assert_latents(si.load_sorting_analyzer(folder), expected)


def test_reloads_in_a_new_process(saved):
    code = (
        "import spikeinterface.core as si, spikeinterface_xmodal;"
        f"a = si.load_sorting_analyzer({str(saved.folder)!r});"
        "t, l = a.get_extension('lfp_latents').get_data(); print(l.shape, a.get_extension('spike_latents') is None)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("(472, 4) False")


def test_params_round_trip_through_set_params(saved, expected):
    for name in ("lfp_latents", "spike_latents"):
        ext = saved.get_extension(name)
        saved.compute(name, **ext.params)  # the stored LFP description reloads the saved LFP
    _assert_latents(saved, expected)


@pytest.mark.parametrize("mode", ["soft", "hard"])
def test_lfp_latents_survive_merges_and_splits(tiny, expected, mode):
    analyzer = _analyzer(tiny)
    analyzer.compute("lfp_latents", lfp_recording=tiny["lfp"], model=tiny["student"])
    merged = analyzer.merge_units([list(analyzer.unit_ids[:2])], merging_mode=mode, format="memory")
    unit = analyzer.unit_ids[3]
    n = analyzer.sorting.get_unit_spike_train(unit).size
    split = analyzer.split_units({unit: [np.arange(n // 2), np.arange(n // 2, n)]}, splitting_mode=mode)
    for changed in (merged, split, analyzer.select_units(analyzer.unit_ids[:3])):
        latents = changed.get_extension("lfp_latents").get_data()[1]
        np.testing.assert_allclose(latents, expected["lfp_latents"][1], atol=1e-5)


def test_spike_latents_keep_soft_changes_and_refuse_hard_ones_clearly(tiny, expected):
    analyzer = _compute(_analyzer(tiny), tiny)
    soft = analyzer.merge_units([list(analyzer.unit_ids[:2])], merging_mode="soft", format="memory")
    np.testing.assert_allclose(soft.get_extension("spike_latents").get_data()[1], expected["spike_latents"][1])
    with pytest.raises(ValueError, match=r"no single read-in for 9 units .* only takes the units it was trained on"):
        analyzer.merge_units([list(analyzer.unit_ids[:2])], merging_mode="hard", format="memory")


def test_a_failed_recompute_keeps_the_saved_results(tiny, expected, tmp_path):
    analyzer = _compute(_analyzer(tiny, "binary_folder", tmp_path / "analyzer"), tiny)
    wrong_channels = tiny["lfp"].select_channels(tiny["lfp"].channel_ids[:4])
    with pytest.raises(ValueError, match="read-in"):
        analyzer.compute("lfp_latents", lfp_recording=wrong_channels, model=tiny["student"])
    with pytest.raises(ValueError, match="lfp_latent_model"):
        analyzer.compute("lfp_latents", lfp_recording=tiny["lfp"], model=tiny["teacher"])
    _assert_latents(analyzer, expected)
    _assert_latents(si.load_sorting_analyzer(tmp_path / "analyzer"), expected)


def test_bad_input_is_refused_clearly(tiny, tmp_path):
    analyzer = _analyzer(tiny)
    with pytest.raises(ValueError, match="needs model="):
        analyzer.compute("lfp_latents", lfp_recording=tiny["lfp"])
    with pytest.raises(ValueError, match="does not exist"):
        analyzer.compute("lfp_latents", lfp_recording=tiny["lfp"], model=tmp_path / "missing")
    with pytest.raises(ValueError, match="spike_teacher"):
        analyzer.compute("spike_latents", model=tiny["student"])
    with pytest.raises(ValueError, match="no read-in for session"):
        analyzer.compute("spike_latents", model=tiny["teacher"], session_id="other", lfp_recording=tiny["lfp"])
    fewer = analyzer.select_units(analyzer.unit_ids[:5])
    with pytest.raises(ValueError, match="no single read-in for 5 units"):
        fewer.compute("spike_latents", model=tiny["teacher"], lfp_recording=tiny["lfp"])


def test_written_into_the_sessions_nwb_file(saved, expected, tmp_path):
    from pynwb import NWBHDF5IO
    from pynwb.testing.mock.file import mock_NWBFile

    from spikeinterface_xmodal.nwb import read_latents, write_analyzer_latents

    path = tmp_path / "session.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(mock_NWBFile())
    write_analyzer_latents(path, saved)
    write_analyzer_latents(path, saved, extension="spike_latents", name="teacher_latents")
    student, teacher = read_latents(path), read_latents(path, "teacher_latents")
    np.testing.assert_allclose(student.latents, expected["lfp_latents"][1], atol=1e-5)
    np.testing.assert_allclose(teacher.times, expected["spike_latents"][0])
    assert student.model_info == saved.get_extension("lfp_latents").model_info
    assert teacher.model_info["kind"] == "spike_teacher"
