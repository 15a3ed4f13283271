"""The lfp_latents node: a lazy, chunked, serialisable recording of an LFP latent model's latents."""

import numpy as np
import pytest
import spikeinterface.core as si
from spikeinterface.preprocessing import apply_preprocessing_pipeline

from spikeinterface_xmodal import load_model
from spikeinterface_xmodal.preprocessing import LfpLatentsRecording, lfp_latents

from ..distillation.tiny_latent_models import tiny_latent_models


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_latent_models(tmp_path_factory.mktemp("lfp_latents"))


@pytest.fixture(scope="module")
def reference(tiny):
    """The model's own latents of the whole recording."""
    return load_model(tiny["student"]).latents(tiny["lfp"])


def test_one_channel_per_latent_at_the_latent_rate(tiny, reference):
    latents = lfp_latents(tiny["lfp"], model=tiny["student"])
    times, values = reference
    assert latents.sampling_frequency == pytest.approx(50.0)  # 20 ms bins, whatever the LFP's 500 Hz
    assert list(latents.channel_ids) == [f"latent{i}" for i in range(values.shape[1])]
    assert latents.get_num_samples() == values.shape[0]
    assert latents.get_dtype() == np.float32
    np.testing.assert_allclose(latents.get_times(), times)


@pytest.mark.parametrize("chunk", [1, 7, 25, 37, 100])
def test_chunked_traces_equal_the_models_latents(tiny, reference, chunk):
    """Chunks are run on the model's own windows, so chunk borders change nothing (the LFP's 10 samples per bin
    are a whole number: bin edges are the same in any chunk)."""
    latents = lfp_latents(tiny["lfp"], model=tiny["student"])
    n = latents.get_num_samples()
    chunks = [latents.get_traces(start_frame=s, end_frame=min(s + chunk, n)) for s in range(0, n, chunk)]
    np.testing.assert_allclose(np.concatenate(chunks), reference[1], atol=1e-5)
    np.testing.assert_allclose(
        latents.get_traces(start_frame=3, end_frame=5, channel_ids=["latent2"])[:, 0], reference[1][3:5, 2], atol=1e-5
    )


def test_to_dict_and_load_round_trip_with_the_model_path_as_a_string(tiny, reference, tmp_path):
    latents = lfp_latents(tiny["lfp"], model=tiny["student"])
    description = latents.to_dict(recursive=True)
    assert description["kwargs"]["model"] == str(tiny["student"].resolve())  # a path, never a torch object
    assert latents.check_serializability("json")
    np.testing.assert_allclose(si.load(description).get_traces(), reference[1], atol=1e-5)
    latents.dump_to_json(tmp_path / "latents.json")
    again = si.load(tmp_path / "latents.json")
    assert isinstance(again, LfpLatentsRecording)
    np.testing.assert_allclose(again.get_traces(start_frame=440, end_frame=472), reference[1][440:], atol=1e-5)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_saves_to_a_binary_folder(tiny, reference, tmp_path, n_jobs):
    latents = lfp_latents(tiny["lfp"], model=tiny["student"])
    saved = latents.save(folder=tmp_path / "latents", n_jobs=n_jobs, chunk_duration="1.3s", progress_bar=False)
    np.testing.assert_allclose(si.load(tmp_path / "latents").get_traces(), reference[1], atol=1e-5)
    assert saved.sampling_frequency == pytest.approx(50.0)


def test_pipeline_step_by_name(tiny, reference):
    latents = apply_preprocessing_pipeline(
        tiny["lfp"], [{"name": "lfp_latents", "params": {"model": str(tiny["student"])}}]
    )
    np.testing.assert_allclose(latents.get_traces(), reference[1], atol=1e-5)


def test_bad_input_is_refused_clearly(tiny, tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        lfp_latents(tiny["lfp"], model=tmp_path / "missing")
    with pytest.raises(ValueError, match="lfp_latent_model"):
        lfp_latents(tiny["lfp"], model=tiny["teacher"])  # a model folder of another kind
    with pytest.raises(ValueError, match="read-in"):
        lfp_latents(tiny["lfp"].select_channels(tiny["lfp"].channel_ids[:4]), model=tiny["student"])
    with pytest.raises(ValueError, match="no read-in for session"):
        lfp_latents(tiny["lfp"], model=tiny["student"], session_id="other")


def test_each_segment_on_its_own_time_base(tiny, reference):
    """Two segments (the second starting at 100 s): each is the model's latents of that segment alone."""
    lfp = tiny["lfp"]
    shifted = lfp.frame_slice(0, 2000)
    shifted.set_times(shifted.get_times() + 100.0)
    two = si.append_recordings([lfp, shifted])
    latents = lfp_latents(two, model=tiny["student"])
    assert latents.get_num_segments() == 2
    np.testing.assert_allclose(latents.get_traces(segment_index=0), reference[1], atol=1e-5)
    times, values = load_model(tiny["student"]).latents(shifted)
    np.testing.assert_allclose(latents.get_traces(segment_index=1), values, atol=1e-5)
    np.testing.assert_allclose(latents.get_times(segment_index=1), times)
    assert times[0] == pytest.approx(100.01)
