import json

import numpy as np
import pytest
from spikeinterface.core import NumpyRecording

from spikeinterface_xmodal.preprocessing import POWER_FLOOR
from spikeinterface_xmodal.tokenizers import SpectralTokenizer, compute_spectral_tokens, nearest_neighbours


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


def _reference_tokens(window: np.ndarray, fs: float, tokenizer: SpectralTokenizer, neighbours: np.ndarray):
    """Straightforward float64 tokens of one window: scipy.signal.welch, np.trapezoid, np.interp, np.corrcoef."""
    from scipy.signal import welch

    traces = window.astype("float64").T
    freqs, psd = welch(traces, fs=fs, nperseg=round(tokenizer.welch_segment_s * fs), axis=-1)
    bands = [
        np.trapezoid(psd[:, (freqs >= lo) & (freqs <= hi)], freqs[(freqs >= lo) & (freqs <= hi)])
        for lo, hi in tokenizer.bands.values()
    ]
    band_tokens = np.log10(np.column_stack([*bands, traces.std(axis=1)]))
    edges = tokenizer.psd_bin_edges
    binned = []
    for lo, hi, centre in zip(edges[:-1], edges[1:], tokenizer.psd_frequencies, strict=True):
        inside = (freqs >= lo) & (freqs < hi)
        binned.append(psd[:, inside].mean(axis=1) if inside.any() else [np.interp(centre, freqs, p) for p in psd])
    correlation = np.corrcoef(traces)
    neighbour = np.array([correlation[c, neighbours[c]].mean() for c in range(traces.shape[0])])
    return band_tokens, np.log10(np.column_stack(binned)), neighbour


def test_tokens_equal_a_float64_scipy_welch_reference(make_sine_recording):
    # int16-like traces with a DC offset, a 1/f-ish drift, sines and noise, as a binary LFP stream gives them
    recording = make_sine_recording([3.0, 9.0, 40.0, 120.0], duration_s=9.0, noise=20.0, seed=3)
    rng = np.random.default_rng(3)
    traces = recording.get_traces() + 300 + np.cumsum(rng.standard_normal((22500, 4)), axis=0)
    recording = NumpyRecording([np.round(traces).astype("int16")], 2500.0)
    tokenizer = SpectralTokenizer()
    tokens = compute_spectral_tokens(recording, tokenizer, n_windows=None, chunk_duration="4s")
    neighbours = nearest_neighbours(np.arange(4.0)[:, None])
    for row, start in enumerate(tokens.windows["start_frame"]):
        window = recording.get_traces(start_frame=start, end_frame=start + 7500)
        bands, log_psd, correlation = _reference_tokens(window, 2500.0, tokenizer, neighbours)
        np.testing.assert_allclose(tokens.band_tokens[row], bands, atol=1e-4)
        np.testing.assert_allclose(tokens.log_psd[row], log_psd, atol=1e-4)
        np.testing.assert_allclose(tokens.neighbour_correlation[row], correlation, atol=1e-4)


def test_dead_and_constant_channels_give_finite_floored_tokens_and_are_flagged(make_sine_recording):
    traces = make_sine_recording([6.0, 20.0, 50.0, 80.0], duration_s=9.0).get_traces().copy()
    traces[:, 1] = 0.0  # dead channel
    traces[:, 2] = 1234.5  # constant (e.g. saturated or disconnected with an offset)
    traces[:7500, 3] = -7.0  # flat in the first window only
    tokens = compute_spectral_tokens(NumpyRecording([traces], 2500.0), n_windows=None)
    assert all(np.isfinite(getattr(tokens, name)).all() for name in ("band_tokens", "log_psd", "neighbour_correlation"))
    expected_flat = np.zeros((3, 4), dtype=bool)
    expected_flat[:, [1, 2]] = True
    expected_flat[0, 3] = True
    np.testing.assert_array_equal(tokens.flat, expected_flat)
    floor = np.log10(POWER_FLOOR)
    np.testing.assert_allclose(tokens.band_tokens[tokens.flat][:, :-1], floor, rtol=1e-6)
    np.testing.assert_allclose(tokens.band_tokens[tokens.flat][:, -1], floor / 2, rtol=1e-6)
    np.testing.assert_allclose(tokens.log_psd[tokens.flat], floor, rtol=1e-6)
    assert np.all(tokens.neighbour_correlation[tokens.flat] == 0)
    # a live channel keeps its real power, far above the floor, and relative powers stay finite
    assert tokens.band_tokens[:, 0, :-1].min() > floor + 20
    relative = tokens.band_tokens[..., :-1] - np.log10(
        (10.0 ** tokens.band_tokens[..., :-1]).sum(axis=-1, keepdims=True)
    )
    assert np.isfinite(relative).all()
