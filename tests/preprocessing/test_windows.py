import numpy as np
import pytest

from spikeinterface_xmodal.preprocessing import sample_windows


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
