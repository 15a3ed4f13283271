import json

import numpy as np
import pytest

from spikeinterface_xmodal.tokenizers import SpectralTokenizer, compute_spectral_tokens


def test_each_band_token_peaks_on_the_channel_whose_sine_lies_in_it(sines):
    tokens = compute_spectral_tokens(sines, SpectralTokenizer(window_s=3.0), n_windows=None)
    assert tokens.band_tokens.shape == (4, 5, 8)
    assert tokens.feature_names == ["delta", "theta", "alpha", "beta", "gamma", "high_gamma", "ripple", "rms"]
    power = tokens.band_tokens.mean(axis=0)
    expected_band = {0: "delta", 1: "theta", 2: "beta", 3: "gamma", 4: "ripple"}
    for channel, band in expected_band.items():
        assert tokens.feature_names[int(np.argmax(power[channel, :7]))] == band
    # RMS of a sine of amplitude 100 is 100 / sqrt(2)
    np.testing.assert_allclose(10 ** power[:, 7], 100 / np.sqrt(2), rtol=0.02)
    # log-PSD peaks at the sine frequency
    peak_frequencies = tokens.psd_frequencies[tokens.log_psd.mean(axis=0).argmax(axis=1)]
    np.testing.assert_allclose(peak_frequencies, [2.0, 6.0, 20.0, 50.0, 200.0], rtol=0.2)


def test_tokens_do_not_depend_on_jobs_or_chunking(sines):
    reference = compute_spectral_tokens(sines, n_windows=3, seed=1, chunk_duration="1s", n_jobs=1)
    for job_kwargs in (dict(chunk_duration="6s", n_jobs=2), dict(chunk_duration="60s", n_jobs=1)):
        tokens = compute_spectral_tokens(sines, n_windows=3, seed=1, **job_kwargs)
        np.testing.assert_array_equal(tokens.windows, reference.windows)
        np.testing.assert_allclose(tokens.band_tokens, reference.band_tokens, rtol=1e-6)


def test_sampling_rate_too_low_for_the_bands_is_refused(make_sine_recording):
    slow = make_sine_recording([5.0], sampling_frequency=400.0)
    with pytest.raises(ValueError, match="cannot resolve"):
        compute_spectral_tokens(slow)


def test_nan_in_traces_is_refused_with_channel_names(make_sine_recording):
    recording = make_sine_recording([5.0, 7.0])
    traces = recording.get_traces().copy()
    traces[100, 1] = np.nan
    from spikeinterface.core import NumpyRecording

    broken = NumpyRecording([traces], 2500.0, channel_ids=["a", "b"])
    with pytest.raises(ValueError, match=r"NaN or Inf samples on channels \['b'\]"):
        compute_spectral_tokens(broken, n_windows=None)


def test_tokenizer_settings_round_trip_and_validation():
    tokenizer = SpectralTokenizer(window_s=2.0, bands={"theta": (4, 8), "alpha": (8, 12)})
    assert SpectralTokenizer.from_dict(tokenizer.to_dict()) == tokenizer
    # band order is column order: it must survive JSON written with sorted keys
    settings = json.loads(json.dumps(tokenizer.to_dict(), sort_keys=True))
    assert SpectralTokenizer.from_dict(settings).feature_names == ["theta", "alpha", "rms"]
    with pytest.raises(ValueError, match="low < high"):
        SpectralTokenizer(bands={"bad": (8, 4)})
    with pytest.raises(ValueError, match="welch_segment_s"):
        SpectralTokenizer(window_s=0.5, welch_segment_s=1.0)
