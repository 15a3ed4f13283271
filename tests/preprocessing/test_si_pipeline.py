"""extract_lfp, band_power and check_finite as steps of SpikeInterface's preprocessing pipelines."""

import numpy as np
import pytest
import spikeinterface.core as si
from spikeinterface.core import generate_recording
from spikeinterface.preprocessing import PreprocessingPipeline, apply_preprocessing_pipeline
from spikeinterface.preprocessing.pipeline import get_preprocessing_list_from_file

import spikeinterface_xmodal  # noqa: F401  (registers the steps)
from spikeinterface_xmodal.preprocessing import BandPowerRecording, register_preprocessor

STEPS = [
    {"name": "bandpass_filter", "params": {"freq_min": 0.5, "freq_max": 5000.0, "ignore_low_freq_error": True}},
    {"name": "extract_lfp", "params": {"lfp_sampling_frequency": 1250.0}},
    {"name": "band_power", "params": {"bands": [["theta", 4.0, 8.0], ["gamma", 30.0, 80.0]], "hop_s": 1.0}},
]


@pytest.fixture(scope="module")
def raw():
    recording = generate_recording(num_channels=4, sampling_frequency=30000.0, durations=[8.0], seed=0)
    recording.set_property("brain_area", np.array(["CA1", "CA1", "DG", "DG"]))
    return recording


def test_steps_are_named_in_pipelines_and_round_trip(raw, tmp_path):
    power = apply_preprocessing_pipeline(raw, STEPS)
    assert isinstance(power, BandPowerRecording)
    assert power.get_num_channels() == 8 and power.sampling_frequency == 1.0
    assert list(power.get_property("brain_area")) == ["CA1"] * 4 + ["DG"] * 4
    expected = power.get_traces()
    np.testing.assert_allclose(si.load(power.to_dict()).get_traces(), expected)
    # a saved pipeline lists its steps back (extract_lfp as the SpikeInterface nodes it is made of) ...
    power.dump_to_json(tmp_path / "power.json")
    steps = get_preprocessing_list_from_file(tmp_path / "power.json")
    names = [step["name"] for step in steps]
    assert names == ["bandpass_filter", "check_finite", "resample", "highpass_filter", "band_power"]
    # ... which rebuild the same recording from the raw one
    rebuilt = PreprocessingPipeline(steps)._apply(raw)
    np.testing.assert_allclose(rebuilt.get_traces(), expected, rtol=1e-5)


def test_a_name_cannot_be_taken_twice():
    def band_power(recording):
        return recording

    with pytest.raises(ValueError, match="already registered as 'band_power'"):
        register_preprocessor(band_power)


def test_importing_the_package_registers_the_steps():
    import subprocess
    import sys

    code = (
        "import spikeinterface_xmodal\n"
        "from spikeinterface.preprocessing.pipeline import pp_names_to_functions\n"
        "assert {'extract_lfp', 'band_power', 'check_finite'} <= set(pp_names_to_functions)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
