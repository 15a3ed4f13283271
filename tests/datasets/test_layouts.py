import numpy as np
import pytest

from spikeinterface_xmodal.datasets import COARSE_REGIONS, RegionLayout, builtin_layouts


def test_builtin_layouts_cover_384_channels_with_known_regions():
    layouts = builtin_layouts()
    assert "cortex_hippocampus_thalamus" in layouts
    for layout in layouts.values():
        assert layout.num_channels == 384
        assert set(layout.labels) <= set(COARSE_REGIONS)
        assert layout.region_order()[-1] == "void"  # outside the brain at the top of the probe


def test_default_layout_order_from_tip():
    layout = builtin_layouts()["cortex_hippocampus_thalamus"]
    assert layout.region_order() == ["TH", "WM", "HPF", "WM", "Isocortex", "void"]
    fine = layout.fine_labels[np.argsort(layout.depths)]
    ca1 = [f for f in dict.fromkeys(fine) if f.startswith("CA1")]
    assert ca1 == ["CA1slm", "CA1sr", "CA1sp", "CA1so"]  # deep to superficial


def test_subsample_keeps_every_kth_channel_along_depth():
    layout = builtin_layouts()["cortex_striatum"]
    small = layout.subsample(8)
    assert small.num_channels == 48
    assert np.all(np.diff(small.depths) > 0)
    assert small.region_order() == layout.region_order()


def test_lookup_returns_nearest_label_and_clamps_beyond_probe():
    layout = builtin_layouts()["cortex_hippocampus_thalamus"]
    labels, fine = layout.lookup(np.array([-100.0, 2000.0, 10_000.0]))
    assert list(labels) == ["TH", "HPF", "void"]
    assert fine[1].startswith(("CA1", "DG"))


def test_invalid_layouts_raise():
    with pytest.raises(ValueError, match="unknown coarse regions"):
        RegionLayout("x", labels=np.array(["cortex"]), positions=np.zeros((1, 2)))
    with pytest.raises(ValueError, match="positions must have shape"):
        RegionLayout("x", labels=np.array(["HPF", "TH"]), positions=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="step"):
        builtin_layouts()["cortex_striatum"].subsample(0)
