"""The LFP differs by region the way the generator documents (average subject, lab_a)."""

import numpy as np
from scipy.signal import butter, coherence, hilbert, sosfiltfilt

from .conftest import band_power


def _good(session, mask):
    return mask & (session.lfp.get_property("channel_quality") == "good")


def test_theta_power_highest_in_hippocampus(average_session, spectra):
    labels = average_session.layout.labels
    theta = band_power(spectra, 6.0, 10.0)
    per_region = {r: np.median(theta[_good(average_session, labels == r)]) for r in set(labels)}
    assert max(per_region, key=per_region.get) == "HPF"


def test_theta_reverses_phase_across_ca1_pyramidal_layer(average_session):
    fine = average_session.layout.fine_labels
    traces = average_session.lfp.get_traces().T.astype(float)
    sos = butter(3, [5.0, 10.0], btype="band", fs=average_session.lfp.sampling_frequency, output="sos")
    oriens = np.flatnonzero(_good(average_session, fine == "CA1so"))[-1]
    radiatum = np.flatnonzero(_good(average_session, np.isin(fine, ["CA1sr", "CA1slm"])))[0]
    theta = sosfiltfilt(sos, traces[[oriens, radiatum]], axis=1)
    assert np.corrcoef(theta)[0, 1] < -0.3


def test_ripple_events_in_ca1_pyramidal_layer(average_session, spectra):
    fine = average_session.layout.fine_labels
    fs = average_session.lfp.sampling_frequency
    ripple_power = band_power(spectra, 150.0, 250.0)
    pyramidal = _good(average_session, fine == "CA1sp")
    others = _good(average_session, ~np.isin(fine, ["CA1sp"]))
    assert ripple_power[pyramidal].max() > 2 * np.median(ripple_power[others])
    trace = average_session.lfp.get_traces(channel_ids=average_session.lfp.channel_ids[pyramidal][:1])[:, 0]
    sos = butter(4, [150.0, 250.0], btype="band", fs=fs, output="sos")
    envelope = np.abs(hilbert(sosfiltfilt(sos, trace.astype(float))))
    above = envelope > 5 * np.median(envelope)
    onsets = np.flatnonzero(above[1:] & ~above[:-1])
    assert len(onsets) >= 2  # transient events, not a continuous oscillation
    assert above.mean() < 0.1


def test_white_matter_low_local_power_high_neighbour_coherence(average_session, spectra):
    labels = average_session.layout.labels
    fs = average_session.lfp.sampling_frequency
    traces = average_session.lfp.get_traces().T.astype(float)
    high = band_power(spectra, 80.0, 250.0)
    grey = _good(average_session, np.isin(labels, ["HPF", "Isocortex", "TH"]))
    wm = _good(average_session, labels == "WM")
    assert np.median(high[wm]) < np.median(high[grey])

    def neighbour_coherence(mask):
        pairs = [(i, i + 1) for i in np.flatnonzero(mask[:-1] & mask[1:])]
        values = [coherence(traces[i], traces[j], fs, nperseg=int(fs))[1][2:60].mean() for i, j in pairs]
        return np.mean(values)

    assert neighbour_coherence(wm) > neighbour_coherence(grey)


def test_cortex_has_more_gamma_than_thalamus_and_thalamus_more_spindle_band(average_session, spectra):
    labels = average_session.layout.labels
    gamma = band_power(spectra, 30.0, 80.0)
    spindle = band_power(spectra, 9.0, 13.0)
    cortex, thalamus = _good(average_session, labels == "Isocortex"), _good(average_session, labels == "TH")
    assert np.median(gamma[cortex]) > np.median(gamma[thalamus])
    assert np.median(spindle[thalamus]) > np.median(spindle[cortex])


def test_dead_and_noisy_channels_are_flagged_and_look_so():
    from spikeinterface_xmodal.datasets import LabProfile, generate_region_session

    lab = LabProfile(name="bad", dead_fraction=0.1, noisy_fraction=0.1)
    session = generate_region_session(duration_s=2.0, lab=lab, seed=0, channel_step=4)
    quality = session.lfp.get_property("channel_quality")
    traces = session.lfp.get_traces()
    rms = traces.std(axis=0)
    high_frequency_rms = np.diff(traces, axis=0).std(axis=0)
    assert (quality == "dead").any() and (quality == "noisy").any()
    assert rms[quality == "dead"].max() < rms[quality == "good"].min()
    assert high_frequency_rms[quality == "noisy"].min() > 2 * np.median(high_frequency_rms[quality == "good"])
