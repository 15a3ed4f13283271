import pytest

from spikeinterface_xmodal.pipelines import localize_channels


@pytest.fixture(scope="module")
def held_out(region_sessions):
    """The session the shared region model did not see (48 channels: void, cortex, WM, HPF, TH)."""
    return region_sessions[3]


@pytest.fixture(scope="module")
def localized(held_out, region_model_folder):
    """The held-out session's LFP with region properties."""
    return localize_channels(held_out.lfp, region_model_folder, n_windows=4)
