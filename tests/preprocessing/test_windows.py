import numpy as np
import pytest
from spikeinterface.core import NumpyRecording

from spikeinterface_xmodal.preprocessing import read_windows, sample_windows


def test_windows_are_reproducible_sorted_and_non_overlapping(sines):
    first = sample_windows(sines, window_s=1.0, n_windows=5, seed=3)
    again = sample_windows(sines, window_s=1.0, n_windows=5, seed=3)
    other = sample_windows(sines, window_s=1.0, n_windows=5, seed=4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    starts = first["start_frame"]
    assert np.all(np.diff(starts) >= 2500)
    assert starts.max() + 2500 <= sines.get_num_samples()


def test_all_windows_when_n_windows_is_none(sines):
    windows = sample_windows(sines, window_s=3.0, n_windows=None)
    np.testing.assert_array_equal(windows["start_frame"], np.arange(4) * 7500)


def test_recording_shorter_than_one_window_is_refused(sines):
    with pytest.raises(ValueError, match="shorter than one window"):
        sample_windows(sines, window_s=20.0)
    with pytest.raises(ValueError, match="window_s must be positive"):
        sample_windows(sines, window_s=0.0)


def _window_statistics(batch):
    """Per-window, per-channel z-scored waveforms (as a raw-waveform model wants them) and the batch size."""
    centred = batch - batch.mean(axis=1, keepdims=True)
    waveforms = centred / centred.std(axis=1, keepdims=True)
    return {"waveforms": waveforms.transpose(0, 2, 1), "batch_size": np.full(batch.shape[0], batch.shape[0])}


@pytest.mark.parametrize("job_kwargs", [dict(chunk_duration="1s"), dict(chunk_duration="7s", n_jobs=2)])
def test_read_windows_gives_each_window_in_order_in_bounded_batches(sines, job_kwargs):
    windows = sample_windows(sines, window_s=1.0, n_windows=8, seed=2)[::-1]  # any order
    outputs = read_windows(sines, windows, 1.0, _window_statistics, **job_kwargs)
    assert outputs["waveforms"].shape == (8, 5, 2500)
    for row, start in enumerate(windows["start_frame"]):
        window = sines.get_traces(start_frame=start, end_frame=start + 2500).T
        expected = (window - window.mean(axis=1, keepdims=True)) / window.std(axis=1, keepdims=True)
        np.testing.assert_allclose(outputs["waveforms"][row], expected, atol=1e-4)
    # windows starting in one chunk are read together: never more of them than fit in a chunk
    chunk_s = float(job_kwargs["chunk_duration"][:-1])
    assert outputs["batch_size"].max() <= chunk_s / 1.0


def test_read_windows_refuses_bad_windows_and_bad_results(sines):
    windows = sample_windows(sines, window_s=1.0, n_windows=2)
    late = windows.copy()
    late["start_frame"][-1] = sines.get_num_samples() - 100
    with pytest.raises(ValueError, match="does not fit in segment 0"):
        read_windows(sines, late, 1.0, _window_statistics)
    with pytest.raises(ValueError, match="windows is empty"):
        read_windows(sines, windows[:0], 1.0, _window_statistics)
    with pytest.raises(ValueError, match="structured array"):
        read_windows(sines, np.zeros(2, dtype="int64"), 1.0, _window_statistics)
    with pytest.raises(ValueError, match="one row per window"):
        read_windows(sines, windows, 1.0, lambda batch: {"mean": batch.mean(axis=0)}, chunk_duration="12s")


def test_read_windows_names_channels_with_nan(sines):
    traces = sines.get_traces().copy()
    traces[100, 3] = np.inf
    broken = NumpyRecording([traces], 2500.0, channel_ids=list("abcde"))
    with pytest.raises(ValueError, match=r"NaN or Inf samples on channels \['d'\]"):
        read_windows(broken, sample_windows(broken, 1.0, n_windows=None), 1.0, _window_statistics)
