import numpy as np
import pytest
import spikeinterface.core as si
from spikeinterface.core import NumpyRecording

from spikeinterface_xmodal.preprocessing import POWER_FLOOR, BandPowerRecording, band_power, window_length_samples
from spikeinterface_xmodal.preprocessing.windows import window_dtype
from spikeinterface_xmodal.tokenizers import SpectralTokenizer, compute_spectral_tokens

BANDS = {"theta": (4.0, 8.0), "beta": (12.0, 30.0), "ripple": (150.0, 250.0)}


def test_band_power_equals_the_tokenizer_band_tokens_of_the_same_windows(sines):
    power = band_power(sines, bands=BANDS, window_s=2.0, hop_s=0.5)
    assert power.sampling_frequency == 2.0
    assert power.get_num_samples() == (30000 - 5000) // 1250 + 1
    assert power.channel_ids[:4].tolist() == ["0_theta", "0_beta", "0_ripple", "1_theta"]
    assert power.get_property("source_channel")[:4].tolist() == [0, 0, 0, 1]  # the parent's ids
    assert power.get_property("band")[:4].tolist() == ["theta", "beta", "ripple", "theta"]
    np.testing.assert_array_equal(power.get_channel_locations()[::3], sines.get_channel_locations())
    assert power.get_times()[0] == pytest.approx(1.0)  # timed at the window centre

    windows = np.zeros(power.get_num_samples(), dtype=window_dtype)
    windows["start_frame"] = np.arange(windows.size) * 1250
    tokens = compute_spectral_tokens(sines, SpectralTokenizer(window_s=2.0, bands=BANDS), windows=windows)
    expected = tokens.band_tokens[:, :, :3].reshape(windows.size, -1)  # channel-major, like the output channels
    np.testing.assert_allclose(power.get_traces(), expected, atol=1e-4)
    # the 6 Hz channel peaks in theta, the 200 Hz channel in the ripple band
    assert power.get_traces(channel_ids=["1_theta"]).min() > power.get_traces(channel_ids=["1_beta"]).max()
    assert power.get_traces(channel_ids=["4_ripple"]).min() > power.get_traces(channel_ids=["4_theta"]).max()


def test_get_traces_reads_only_the_windows_and_channels_asked_for(sines):
    power = band_power(sines, bands=BANDS, window_s=2.0, hop_s=0.5)
    full = power.get_traces()
    parent_segment = sines.segments[0]
    reads = []

    def spy(start_frame, end_frame, channel_indices):
        reads.append((start_frame, end_frame, list(channel_indices)))
        return type(parent_segment).get_traces(parent_segment, start_frame, end_frame, channel_indices)

    parent_segment.get_traces = spy
    part = power.get_traces(start_frame=3, end_frame=6, channel_ids=["2_ripple", "4_theta", "2_theta"])
    assert reads == [(3 * 1250, 5 * 1250 + 5000, [2, 4])]
    np.testing.assert_allclose(part, full[3:6][:, [8, 12, 6]], atol=1e-4)
    sliced = power.frame_slice(start_frame=4, end_frame=9).select_channels(["3_beta"])
    np.testing.assert_allclose(sliced.get_traces(), full[4:9, [10]], atol=1e-4)


def test_band_power_round_trips_through_dict_json_and_a_binary_folder(tmp_path, sines):
    saved_parent = sines.save(folder=tmp_path / "lfp", chunk_duration="12s")
    power = band_power(saved_parent, bands=BANDS, window_s=2.0, hop_s=1.0)
    reference = power.get_traces()
    reloaded = si.load(power.to_dict(recursive=True))
    np.testing.assert_array_equal(reloaded.channel_ids, power.channel_ids)
    np.testing.assert_allclose(reloaded.get_traces(), reference)
    power.dump_to_json(tmp_path / "power.json")  # sorted JSON keeps the band order
    np.testing.assert_allclose(si.load(tmp_path / "power.json").get_traces(), reference)
    power.save(folder=tmp_path / "power", chunk_duration="6s")
    on_disk = si.load(tmp_path / "power")
    np.testing.assert_allclose(on_disk.get_traces(), reference, atol=1e-4)
    np.testing.assert_array_equal(on_disk.get_property("band"), power.get_property("band"))
    np.testing.assert_array_equal(on_disk.get_channel_locations(), power.get_channel_locations())


def test_flat_channel_reads_the_floor(sines):
    traces = sines.get_traces().copy()
    traces[:, 1] = 0.0
    power = band_power(NumpyRecording([traces], 2500.0), bands=BANDS, window_s=2.0, hop_s=2.0).get_traces()
    assert np.isfinite(power).all()
    np.testing.assert_allclose(power[:, 3:6], np.log10(POWER_FLOOR), rtol=1e-6)


def test_band_power_bad_input(sines):
    with pytest.raises(ValueError, match="cannot resolve"):
        BandPowerRecording(sines, bands={"fast": (500.0, 1300.0)})
    with pytest.raises(ValueError, match="fewer than one window"):
        BandPowerRecording(sines, window_s=20.0)
    with pytest.raises(ValueError, match="low < high"):
        BandPowerRecording(sines, bands={"bad": (8.0, 4.0)})
    assert window_length_samples(sines, 2.0) == 5000
