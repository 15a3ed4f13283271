import numpy as np
import pytest
import spikeinterface.core as si

from spikeinterface_xmodal.preprocessing import extract_lfp


def _amplitude_at(traces, fs, frequency):
    spectrum = np.abs(np.fft.rfft(traces, axis=0)) * 2 / traces.shape[0]
    freqs = np.fft.rfftfreq(traces.shape[0], 1 / fs)
    return spectrum[np.argmin(np.abs(freqs - frequency))]


def test_extract_lfp_keeps_lfp_band_and_removes_spike_band(make_sine_recording):
    wide = make_sine_recording([10.0, 3000.0], sampling_frequency=30000.0, duration_s=12.0, noise=0.0)
    lfp = extract_lfp(wide, lfp_sampling_frequency=2500.0)
    assert lfp.sampling_frequency == 2500.0
    assert lfp.get_num_samples() == 30000
    traces = lfp.get_traces(start_frame=12500, end_frame=17500)  # away from the recording's edge transients
    assert _amplitude_at(traces[:, 0], 2500.0, 10.0) == pytest.approx(100.0, rel=0.05)
    assert np.abs(traces[:, 1]).max() < 1.0  # 3 kHz is above the LFP Nyquist: filtered, not aliased


def test_extract_lfp_is_lazy_and_serialisable(tmp_path, make_sine_recording):
    wide = make_sine_recording([10.0, 40.0], sampling_frequency=30000.0, duration_s=3.0)
    wide = wide.save(folder=tmp_path / "wide")
    lfp = extract_lfp(wide, lfp_sampling_frequency=1250.0)
    reloaded = si.load(lfp.to_dict(recursive=True))
    np.testing.assert_allclose(reloaded.get_traces(), lfp.get_traces())
    lfp.dump_to_json(tmp_path / "lfp.json")
    np.testing.assert_allclose(si.load(tmp_path / "lfp.json").get_traces(), lfp.get_traces())


def test_lfp_stream_is_accepted_as_is(sines):
    assert extract_lfp(sines, lfp_sampling_frequency=2500.0) is sines


def test_extract_lfp_bad_input(sines, make_sine_recording):
    with pytest.raises(TypeError, match="BaseRecording"):
        extract_lfp(np.zeros((10, 2)))
    wide = make_sine_recording([10.0], sampling_frequency=30000.0, duration_s=1.0)
    with pytest.raises(ValueError, match="freq_min"):
        extract_lfp(wide, lfp_sampling_frequency=2500.0, freq_min=2000.0)
