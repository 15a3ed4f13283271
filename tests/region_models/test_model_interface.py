"""Any registered region model kind runs through lfp_region; load_model dispatches on the card's kind."""

import json
from pathlib import Path

import numpy as np
import pytest
import spikeinterface.core as si

from spikeinterface_xmodal import load_model, register_model_kind
from spikeinterface_xmodal.model_folder import read_model_card, save_model_folder
from spikeinterface_xmodal.region_models import RegionModelKind, finish_estimate, recording_probe_order


@register_model_kind
class DepthThresholdModel(RegionModelKind):
    """A toy kind: channels below a depth are "deep", the others "superficial"; its weight file is JSON."""

    kind = "test_depth_threshold"

    def __init__(self, threshold_um: float, card: dict | None = None):
        self.threshold_um = threshold_um
        self.card = dict(card or {}, sampling_frequency=2500.0, window_s=3.0)

    @property
    def classes(self):
        return ["deep", "superficial"]

    def predict(self, recording, n_windows=20, seed=0, smoothing=True, **job_kwargs):
        deep = recording.get_channel_locations()[:, 1] < self.threshold_um
        raw = np.column_stack([deep, ~deep]).astype(float) * 0.8 + 0.1
        return finish_estimate(recording.channel_ids, self.classes, raw, recording_probe_order(recording), smoothing)

    def save(self, folder, overwrite=False):
        card = dict(self.card, kind=self.kind, classes=self.classes)
        write = lambda tmp: (tmp / "threshold.json").write_text(json.dumps(self.threshold_um))  # noqa: E731
        return save_model_folder(folder, card, write, overwrite=overwrite)

    @classmethod
    def load(cls, folder):
        card = read_model_card(folder, expected_kind=cls.kind)
        return cls(json.loads((Path(folder) / "threshold.json").read_text()), card=card)


def test_a_new_kind_runs_through_lfp_region_and_reloads(region_sessions, tmp_path):
    session = region_sessions[3]
    folder = DepthThresholdModel(threshold_um=400.0).save(tmp_path / "toy")
    assert isinstance(load_model(folder), DepthThresholdModel)

    analyzer = si.create_sorting_analyzer(
        session.sorting, session.recording, format="binary_folder", folder=tmp_path / "an", sparse=False
    )
    analyzer.compute("lfp_region", lfp_recording=session.lfp, model=folder)
    channels = analyzer.get_extension("lfp_region").get_data()["channels"]
    expected = np.where(session.lfp.get_channel_locations()[:, 1] < 400.0, "deep", "superficial")
    np.testing.assert_array_equal(channels["predicted_region"].to_numpy(dtype=str), expected)
    assert "log_power_theta" not in channels  # this kind has no band power
    reloaded_analyzer = si.load_sorting_analyzer(tmp_path / "an")  # extensions hold a weak reference to it
    reloaded = reloaded_analyzer.get_extension("lfp_region").get_data()["channels"]
    np.testing.assert_array_equal(reloaded["predicted_region"].to_numpy(dtype=str), expected)


def test_load_model_names_unknown_kinds_and_non_region_models(tmp_path, region_sessions):
    save_model_folder(tmp_path / "other", dict(kind="not_a_kind", classes=["a"]), lambda tmp: None)
    with pytest.raises(ValueError, match=r"Unknown model kind 'not_a_kind'.*lfp_region_baseline"):
        load_model(tmp_path / "other")
    analyzer = si.create_sorting_analyzer(region_sessions[3].sorting, region_sessions[3].recording, sparse=False)
    with pytest.raises(ValueError, match="Unknown model kind"):
        analyzer.compute("lfp_region", lfp_recording=region_sessions[3].lfp, model=tmp_path / "other")


def test_a_kind_needs_a_name_and_a_loader():
    class Nameless:
        pass

    with pytest.raises(TypeError, match="kind"):
        register_model_kind(Nameless)
