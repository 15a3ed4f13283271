"""``xmodal region localize`` and ``xmodal region outside``."""

import inspect

import numpy as np
import spikeinterface.core as si

from spikeinterface_xmodal.cli import build_parser, main
from spikeinterface_xmodal.pipelines import detect_channels_outside_brain, localize_channels


def test_shell_defaults_are_the_library_defaults():
    parser = build_parser()
    localize = vars(parser.parse_args(["region", "localize", "rec", "--model", "m", "--output", "o"]))
    library = {name: p.default for name, p in inspect.signature(localize_channels).parameters.items()}
    assert (localize["n_windows"], localize["seed"]) == (library["n_windows"], library["seed"])
    outside = vars(parser.parse_args(["region", "outside", "rec", "--model", "m"]))
    library = inspect.signature(detect_channels_outside_brain).parameters["min_probability"].default
    assert outside["min_probability"] == library


def test_localize_and_outside_from_the_shell(held_out, region_model_folder, tmp_path, capsys):
    lfp_folder = tmp_path / "lfp"
    held_out.lfp.save(folder=lfp_folder)
    common = ["--model", str(region_model_folder), "--n-windows", "4", "--no-progress"]
    output = tmp_path / "localized.json"
    assert main(["region", "localize", str(lfp_folder), *common, "--output", str(output)]) == 0
    assert "predicted regions:" in capsys.readouterr().out
    localized = si.load(output)
    assert "brain_area_predicted" in localized.get_property_keys()
    np.testing.assert_array_equal(localized.get_property("brain_area"), held_out.lfp.get_property("brain_area"))
    # an existing output is not replaced without --overwrite
    assert main(["region", "localize", str(lfp_folder), *common, "--output", str(output)]) == 2
    assert "already exists" in capsys.readouterr().err

    in_brain = tmp_path / "in_brain"
    assert main(["region", "outside", str(lfp_folder), *common, "--output", str(in_brain)]) == 0
    assert "channels outside the brain" in capsys.readouterr().out
    kept = si.load(in_brain)
    outside = (localized.get_property("brain_area_predicted") == "void") | (
        localized.get_property("brain_area_p_void") >= 0.5
    )
    assert list(kept.channel_ids) == list(localized.channel_ids[~outside])
