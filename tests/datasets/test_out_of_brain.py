"""Out-of-brain sections of generated sessions: saline or air on top, fluid gaps, shifted banks."""

import numpy as np
import pytest
from scipy.signal import welch

from spikeinterface_xmodal.datasets import OutOfBrain, generate_region_session


def session(out_of_brain, seed=2):
    return generate_region_session(duration_s=8.0, seed=seed, channel_step=8, out_of_brain=out_of_brain)


def channel_stats(recording):
    """Per channel (depth order): log power 1-45 Hz, log power at the mains frequency, correlation with the next."""
    order = np.argsort(recording.get_channel_locations()[:, 1], kind="stable")
    traces = recording.get_traces().T.astype(float)[order]
    fs = recording.sampling_frequency
    freqs, power = welch(traces, fs, nperseg=int(fs))
    low = np.log10(power[:, (freqs >= 1) & (freqs <= 45)].mean(axis=1))
    mains = np.log10(power[:, np.argmin(np.abs(freqs - 60.0))])
    corr = np.array([np.corrcoef(traces[i], traces[i + 1])[0, 1] for i in range(len(traces) - 1)] + [np.nan])
    return order, low, mains, corr


@pytest.fixture(scope="module")
def saline():
    return session(OutOfBrain(medium="saline", top_um=600.0))


def test_a_shallower_insertion_puts_the_top_in_saline(saline):
    plain = session(None)
    labels = saline.lfp.get_property("brain_area")
    assert (labels == "void").sum() > (plain.lfp.get_property("brain_area") == "void").sum() + 5
    order, low, mains, corr = channel_stats(saline.lfp)
    void = labels[order] == "void"
    assert void[-1] and not void[0]  # at the top
    within = void[:-1] & void[1:]
    assert low[void].mean() < low[~void].mean() - 0.2  # weak
    assert np.nanmean(corr[:-1][within]) > 0.95 > np.nanmean(corr[~void])  # coherent
    assert mains[void].mean() > mains[~void].mean() + 0.5  # more mains
    assert "void" not in set(saline.sorting.get_property("brain_area"))  # no units outside


def test_contacts_in_air_pick_up_much_more_mains_than_in_saline(saline):
    air = session(OutOfBrain(medium="air", top_um=600.0))
    order, _, mains, _ = channel_stats(air.lfp)
    void = air.lfp.get_property("brain_area")[order] == "void"
    saline_order, _, saline_mains, _ = channel_stats(saline.lfp)
    saline_void = saline.lfp.get_property("brain_area")[saline_order] == "void"
    assert mains[void].mean() > saline_mains[saline_void].mean() + 0.5 > mains[~void].mean() + 1.0


def test_a_fluid_gap_between_structures_is_outside():
    gap = session(OutOfBrain(gaps_um=((1500.0, 1700.0),)))
    depths = gap.lfp.get_channel_locations()[:, 1]
    labels = gap.lfp.get_property("brain_area")
    in_gap = (depths >= 1500) & (depths <= 1700)
    assert in_gap.any() and np.all(labels[in_gap] == "void")
    assert np.all(gap.lfp.get_property("brain_area_fine")[in_gap] == "void")
    assert np.any(labels[depths < 1500] != "void") and np.any(labels[depths > 1700] != "void")


def test_shifted_banks_move_the_deepest_channels_above_the_rest():
    shifted = session(OutOfBrain(shifted_channels=6))
    plain = session(None)
    depths = shifted.lfp.get_channel_locations()[:, 1]
    assert list(shifted.lfp.channel_ids) == list(plain.lfp.channel_ids)
    assert depths[:6].min() > depths[6:].max()  # channel order no longer follows depth
    assert np.all(shifted.lfp.get_property("brain_area")[:6] == "void")


def test_default_sessions_are_unchanged(saline):
    a = session(None, seed=5)
    b = generate_region_session(duration_s=8.0, seed=5, channel_step=8)
    np.testing.assert_array_equal(a.lfp.get_traces(), b.lfp.get_traces())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(medium="water"), "medium"),
        (dict(top_um=-1.0), "top_um"),
        (dict(gaps_um=((200.0, 100.0),)), "gaps_um"),
        (dict(shifted_channels=-2), "shifted_channels"),
    ],
)
def test_bad_settings_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        OutOfBrain(**kwargs)


def test_cannot_shift_every_channel_out():
    with pytest.raises(ValueError, match="must leave channels in the brain"):
        session(OutOfBrain(shifted_channels=48))


def test_the_ap_common_mode_reaches_channels_in_tissue_only():
    from dataclasses import replace

    from spikeinterface.preprocessing import highpass_filter

    from spikeinterface_xmodal.datasets import LAB_PRESETS

    lab = replace(LAB_PRESETS["lab_a"], ap_common_mode_uv=8.0)
    shared = generate_region_session(
        duration_s=3.0, seed=2, channel_step=16, lab=lab, out_of_brain=OutOfBrain(top_um=800.0)
    )
    traces = highpass_filter(shared.recording, freq_min=300.0).get_traces(start_frame=30000, end_frame=60000)
    corr = np.corrcoef(traces.T)
    void = shared.recording.get_property("brain_area") == "void"
    assert void.any() and shared.recording.has_probe()
    tissue = corr[np.ix_(~void, ~void)][~np.eye((~void).sum(), dtype=bool)]
    assert tissue.mean() > 0.3 > np.abs(corr[np.ix_(void, ~void)]).mean()
