import numpy as np
import pytest
from spikeinterface.core import NumpyRecording

from spikeinterface_xmodal.datasets import (
    LabProfile,
    SubjectVariation,
    builtin_layouts,
    generate_region_session,
    generate_region_sessions,
)


@pytest.fixture(scope="module")
def session():
    return generate_region_session(duration_s=4.0, seed=7, channel_step=8)


def test_session_contract(session):
    lfp, recording, sorting = session.lfp, session.recording, session.sorting
    assert isinstance(lfp, NumpyRecording) and lfp.get_dtype() == np.float32
    assert lfp.sampling_frequency == 2500.0 and lfp.get_num_channels() == 48
    assert lfp.get_total_duration() == pytest.approx(4.0)
    assert lfp.has_probe() and recording.has_probe()
    assert recording.sampling_frequency == 30000.0
    assert not isinstance(recording, NumpyRecording)  # lazy
    assert list(recording.channel_ids) == list(lfp.channel_ids)
    np.testing.assert_array_equal(recording.get_channel_locations(), lfp.get_channel_locations())
    for name in ("brain_area", "brain_area_fine", "channel_quality"):
        np.testing.assert_array_equal(recording.get_property(name), lfp.get_property(name))
    np.testing.assert_array_equal(lfp.get_property("brain_area"), session.layout.labels)
    assert sorting.sampling_frequency == 30000.0 and sorting.get_num_units() > 0
    assert set(sorting.get_property("brain_area")) <= set(session.layout.labels)
    assert session.lab_id == "lab_a" and session.subject_id == "subject-7"
    assert session.session_id.startswith("lab_a-subject-7")


def test_same_seed_same_session_other_seed_other_session(session):
    again = generate_region_session(duration_s=4.0, seed=7, channel_step=8)
    np.testing.assert_array_equal(again.lfp.get_traces(), session.lfp.get_traces())
    np.testing.assert_array_equal(again.sorting.to_spike_vector(), session.sorting.to_spike_vector())
    np.testing.assert_array_equal(
        again.recording.get_traces(start_frame=1000, end_frame=4000),
        session.recording.get_traces(start_frame=1000, end_frame=4000),
    )
    other = generate_region_session(duration_s=4.0, seed=8, channel_step=8)
    assert not np.allclose(other.lfp.get_traces(), session.lfp.get_traces())


def test_wideband_contains_the_lfp(session):
    lfp = session.lfp.get_traces(start_frame=2500, end_frame=5000).astype(float)
    wide = session.recording.get_traces(start_frame=30000, end_frame=60000).astype(float)
    wide_at_lfp_rate = wide.reshape(2500, 12, -1).mean(axis=1)  # crude low-pass + decimation
    good = session.lfp.get_property("channel_quality") == "good"
    corr = [np.corrcoef(lfp[:, c], wide_at_lfp_rate[:, c])[0, 1] for c in np.flatnonzero(good)]
    assert np.median(corr) > 0.9


def test_regions_ordered_along_depth_as_layout_says():
    for name, layout in builtin_layouts().items():
        session = generate_region_session(layout=name, duration_s=1.0, subject=SubjectVariation(), seed=0)
        assert session.layout.region_order() == layout.region_order(), name
        depths = session.lfp.get_channel_locations()[:, 1]
        assert depths.min() == 20.0  # y is the distance from the tip: larger y is more superficial


def test_units_brain_area_matches_their_position(session):
    locations = session.sorting.get_property("location")
    depths = session.layout.depths
    nearest = np.argmin(np.abs(locations[:, 1][:, None] - depths[None, :]), axis=1)
    np.testing.assert_array_equal(session.sorting.get_property("brain_area"), session.layout.labels[nearest])
    assert not np.isin(session.sorting.get_property("brain_area"), ["void"]).any()


def test_lab_knobs_change_rate_pitch_and_reference():
    a = generate_region_session(duration_s=1.0, lab="lab_a", seed=0, channel_step=1)
    b = generate_region_session(duration_s=1.0, lab="lab_b", seed=0, channel_step=1)
    assert (a.lfp.sampling_frequency, b.lfp.sampling_frequency) == (2500.0, 1250.0)
    pitch = [np.min(np.diff(np.unique(s.lfp.get_channel_locations()[:, 1]))) for s in (a, b)]
    assert pitch == [20.0, 15.0]
    assert a.lfp.get_num_channels() == b.lfp.get_num_channels() == 384
    assert a.lab.reference == "external" and b.lab.reference == "tip"
    assert b.recording.sampling_frequency == 30000.0


def test_lab_c_records_a_1000_hz_lfp_with_its_hardware_band():
    session = generate_region_session(duration_s=4.0, lab="lab_c", seed=0, channel_step=8)
    assert session.lfp.sampling_frequency == 1000.0
    assert session.lab.line_frequency == 50.0
    traces = session.lfp.get_traces().astype(float)
    assert np.all(np.isfinite(traces))
    spectrum = np.abs(np.fft.rfft(traces - traces.mean(axis=0), axis=0)).mean(axis=1)
    freqs = np.fft.rfftfreq(traces.shape[0], 1 / session.lfp.sampling_frequency)
    # the 1-300 Hz hardware band: little left above the low-pass corner
    assert spectrum[freqs > 400].mean() < 0.1 * spectrum[(freqs > 5) & (freqs < 100)].mean()


def test_line_noise_at_the_lab_mains_frequency():
    lab = LabProfile(name="mains", line_frequency=50.0, line_noise_uv=40.0)
    session = generate_region_session(duration_s=4.0, lab=lab, seed=0, channel_step=8)
    traces = session.lfp.get_traces().astype(float)
    spectrum = np.abs(np.fft.rfft(traces - traces.mean(axis=0), axis=0)).mean(axis=1)
    freqs = np.fft.rfftfreq(traces.shape[0], 1 / session.lfp.sampling_frequency)
    assert freqs[np.argmax(np.where(freqs > 30, spectrum, 0))] == pytest.approx(50.0)


def test_multi_shank_probe():
    lab = LabProfile(
        name="four_shanks", num_columns=2, x_pitch_um=32.0, y_pitch_um=15.0, column_y_shift_um=(0.0, 0.0), num_shanks=4
    )
    session = generate_region_session(duration_s=1.0, lab=lab, seed=0, channel_step=2)
    probe = session.lfp.get_probe()
    assert len(np.unique(probe.shank_ids)) == 4
    assert session.layout.shank_ids is not None and np.bincount(session.layout.shank_ids).tolist() == [48] * 4


def test_subject_knobs_move_boundaries():
    def cortex_bottom(subject):
        session = generate_region_session(duration_s=1.0, subject=subject, seed=0, channel_step=1)
        return min(lo for label, lo, _ in session.layout.region_runs() if label == "Isocortex")

    base = cortex_bottom(SubjectVariation())
    deeper = cortex_bottom(SubjectVariation(depth_shift_um=200.0))  # probe inserted 200 um less deep
    assert base - deeper == pytest.approx(200.0, abs=20.0)
    drawn = {cortex_bottom(SubjectVariation.random(k)) for k in range(4)}
    assert len(drawn) > 1


def test_subjects_vary_signatures():
    a, b = SubjectVariation.random(0), SubjectVariation.random(1)
    assert a.region_gain != b.region_gain and a.frequency_scale != b.frequency_scale
    flat = SubjectVariation.random(0, strength=0.0)
    assert flat.depth_shift_um == 0.0 and set(flat.region_gain.values()) == {1.0}


def test_generate_region_sessions_across_subjects_and_labs():
    sessions = generate_region_sessions(
        n_subjects=2, sessions_per_subject=2, labs=("lab_a", "lab_b"), duration_s=1.0, seed=0, channel_step=16
    )
    assert len(sessions) == 8
    assert len({s.session_id for s in sessions}) == 8
    assert [s.lab_id for s in sessions] == ["lab_a"] * 4 + ["lab_b"] * 4
    assert len({s.subject_id for s in sessions}) == 4
    assert sessions[0].subject is sessions[1].subject
    assert {s.lfp.sampling_frequency for s in sessions} == {1250.0, 2500.0}


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="layout must be"):
        generate_region_session(layout="nowhere", duration_s=1.0)
    with pytest.raises(ValueError, match="Unknown lab preset"):
        generate_region_session(lab="lab_z", duration_s=1.0)
    with pytest.raises(ValueError, match="duration_s"):
        generate_region_session(duration_s=0.0)
    with pytest.raises(ValueError, match="channel_step"):
        generate_region_session(duration_s=1.0, channel_step=0)
    with pytest.raises(ValueError, match="reference"):
        LabProfile(name="x", reference="average")
