"""localize_channels: region predictions as channel properties that SpikeInterface carries along a pipeline."""

import numpy as np
import pytest
import spikeinterface.core as si
from probeinterface import generate_linear_probe
from spikeinterface.core import NumpyRecording
from spikeinterface.preprocessing import bandpass_filter, common_reference

from spikeinterface_xmodal import load_model
from spikeinterface_xmodal.pipelines import FLAT_PROPERTY, OOD_PROPERTY, localize_channels, region_property_keys
from spikeinterface_xmodal.region_models import RegionModelKind, finish_estimate

PREDICTED = "brain_area_predicted"


def region_properties(recording) -> dict:
    return {key: recording.get_property(key) for key in region_property_keys(recording)}


def assert_same_properties(recording, expected: dict) -> None:
    assert set(region_property_keys(recording)) == set(expected)
    for key, values in expected.items():
        np.testing.assert_array_equal(recording.get_property(key), values)


def test_properties_follow_the_model_and_leave_user_properties_alone(localized, held_out, region_model_folder):
    model = load_model(region_model_folder)
    keys = set(localized.get_property_keys())
    assert {PREDICTED, OOD_PROPERTY, FLAT_PROPERTY} | {f"brain_area_p_{c}" for c in model.classes} <= keys
    probabilities = np.column_stack([localized.get_property(f"brain_area_p_{c}") for c in model.classes])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_array_equal(localized.get_property(PREDICTED), np.asarray(model.classes)[probabilities.argmax(1)])
    truth = held_out.lfp.get_property("brain_area")
    assert np.mean(localized.get_property(PREDICTED) == truth) > 0.5
    # the user's own region and positions stay; the input recording is not modified
    np.testing.assert_array_equal(localized.get_property("brain_area"), truth)
    np.testing.assert_array_equal(localized.get_channel_locations(), held_out.lfp.get_channel_locations())
    assert PREDICTED not in held_out.lfp.get_property_keys()
    np.testing.assert_array_equal(localized.get_traces(end_frame=100), held_out.lfp.get_traces(end_frame=100))


def test_a_wideband_recording_is_localized_from_its_lf_stream(localized, held_out, region_model_folder):
    wideband = localize_channels(held_out.recording, region_model_folder, lfp_recording=held_out.lfp, n_windows=4)
    assert wideband.sampling_frequency == held_out.recording.sampling_frequency
    assert_same_properties(wideband, region_properties(localized))


def test_a_new_prediction_replaces_the_old_properties(localized, region_model_folder):
    earlier = localized.select_channels(localized.channel_ids)
    earlier.set_property("brain_area_p_stale", np.zeros(localized.get_num_channels()))
    again = localize_channels(earlier, region_model_folder, n_windows=4, smoothing=False)
    assert "brain_area_p_stale" not in again.get_property_keys()
    assert set(region_property_keys(again)) == set(region_property_keys(localized))


def test_properties_survive_preprocessing_slicing_saving_and_loading(localized, tmp_path):
    expected = region_properties(localized)
    preprocessed = common_reference(
        bandpass_filter(localized, freq_min=1.0, freq_max=300.0, ignore_low_freq_error=True)
    )
    assert_same_properties(preprocessed, expected)
    subset = preprocessed.channel_ids[::3]
    sliced = preprocessed.select_channels(subset)
    assert_same_properties(sliced, {k: v[::3] for k, v in expected.items()})
    saved = sliced.save(folder=tmp_path / "saved", chunk_duration="2s")
    for reloaded in (si.load(tmp_path / "saved"), si.load(sliced.to_dict(include_properties=True))):
        assert_same_properties(reloaded, {k: v[::3] for k, v in expected.items()})
    assert list(saved.channel_ids) == list(subset)


def test_properties_reach_the_sorting_analyzer(localized, held_out, region_model_folder, tmp_path):
    wideband = localize_channels(held_out.recording, region_model_folder, lfp_recording=held_out.lfp, n_windows=4)
    si.create_sorting_analyzer(held_out.sorting, wideband, format="binary_folder", folder=tmp_path / "an", sparse=False)
    reloaded = si.load_sorting_analyzer(tmp_path / "an")
    for key, values in region_properties(localized).items():
        np.testing.assert_array_equal(reloaded.get_recording_property(key), values)


def test_split_by_predicted_region_groups_channels_like_run_sorter_by_property(localized):
    groups = localized.split_by(PREDICTED)
    assert set(groups) == set(np.unique(localized.get_property(PREDICTED)))
    for region, part in groups.items():
        assert set(part.get_property(PREDICTED)) == {region}


def test_bad_input_is_refused_with_clear_errors(held_out, region_model_folder):
    no_locations = NumpyRecording([held_out.lfp.get_traces(end_frame=2500)], 2500.0)
    with pytest.raises(ValueError, match="no channel locations"):
        localize_channels(no_locations, region_model_folder)
    # 400 Hz: its Nyquist frequency (200 Hz) is below the model's highest band
    slow = NumpyRecording([np.random.default_rng(0).normal(size=(8000, 4)).astype("float32")], 400.0)
    probe = generate_linear_probe(num_elec=4, ypitch=20)
    probe.set_device_channel_indices(np.arange(4))
    slow.set_probe(probe)
    with pytest.raises(ValueError, match="cannot resolve"):
        localize_channels(slow, region_model_folder)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        localize_channels(held_out.lfp, "no/such/model")
    with pytest.raises(ValueError, match=r"lacks .* of the recording.s .* channels"):
        localize_channels(
            held_out.recording,
            region_model_folder,
            lfp_recording=held_out.lfp.select_channels(held_out.lfp.channel_ids[:5]),
        )


class DepthOnlyModel(RegionModelKind):
    """A minimal region model kind without an out-of-distribution score: deep vs superficial by position."""

    kind = "test_depth_only"
    card = {"sampling_frequency": 2500.0, "window_s": 3.0}

    @property
    def classes(self):
        return ["deep", "superficial"]

    def predict(self, recording, n_windows=20, seed=0, smoothing=True, **job_kwargs):
        depth = recording.get_channel_locations()[:, 1]
        superficial = (depth > np.median(depth)).astype(float)
        raw = np.column_stack([1.0 - 0.8 * superficial - 0.1, 0.8 * superficial + 0.1])
        return finish_estimate(recording.channel_ids, self.classes, raw, orders=[], smoothing=False)

    def save(self, folder, overwrite=False):
        raise NotImplementedError

    @classmethod
    def load(cls, folder):
        raise NotImplementedError


def test_a_dead_channel_is_flagged_flat_and_still_predicted(held_out, region_model_folder):
    traces = held_out.lfp.get_traces().copy()
    traces[:, 5] = 0
    recording = NumpyRecording(traces, held_out.lfp.sampling_frequency, channel_ids=held_out.lfp.channel_ids)
    recording.set_probe(held_out.lfp.get_probe(), in_place=True)
    localized = localize_channels(recording, region_model_folder, n_windows=4)
    flat = localized.get_property(FLAT_PROPERTY)
    assert flat.dtype == bool and flat[5] and flat.sum() == 1
    assert localized.get_property(PREDICTED)[5] != ""


def test_any_region_model_kind_works_and_no_ood_score_means_no_property(held_out):
    localized = localize_channels(held_out.lfp, DepthOnlyModel())
    assert set(region_property_keys(localized)) == {PREDICTED, "brain_area_p_deep", "brain_area_p_superficial"}
    depth = localized.get_channel_locations()[:, 1]
    assert set(localized.get_property(PREDICTED)[depth > np.median(depth)]) == {"superficial"}
