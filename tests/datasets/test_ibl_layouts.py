import numpy as np
import pytest

from spikeinterface_xmodal.datasets import COARSE_REGIONS, allen_to_coarse, generate_region_session, load_ibl_layouts
from spikeinterface_xmodal.datasets.ibl_layouts import IBL_DATA_ENV


def test_allen_acronyms_map_to_cosmos_plus_white_matter():
    coarse = allen_to_coarse(np.array(["CA1", "DG-mo", "VISp5", "LP", "CP", "void", "root", "alv", "VL", "SCm"]))
    assert list(coarse) == ["HPF", "HPF", "Isocortex", "TH", "CNU", "void", "WM", "WM", "WM", "MB"]


def test_missing_table_names_argument_and_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(IBL_DATA_ENV, raising=False)
    with pytest.raises(FileNotFoundError, match=IBL_DATA_ENV):
        load_ibl_layouts()
    with pytest.raises(FileNotFoundError, match="path argument"):
        load_ibl_layouts(tmp_path)


@pytest.mark.real_data
def test_ibl_layouts_load_and_map_to_cosmos(ibl_folder):
    layouts = load_ibl_layouts(ibl_folder)
    assert len(layouts) == 479
    assert all(370 <= layout.num_channels <= 384 for layout in layouts)
    labels = np.concatenate([layout.labels for layout in layouts])
    assert set(labels) == set(COARSE_REGIONS)
    layout = layouts[0]
    assert layout.fine_labels is not None and layout.depths.max() <= 3840


@pytest.mark.real_data
def test_ibl_layouts_from_environment(monkeypatch, ibl_folder):
    monkeypatch.setenv(IBL_DATA_ENV, str(ibl_folder))
    assert len(load_ibl_layouts()) == 479


@pytest.mark.real_data
def test_session_from_ibl_insertion_follows_its_regions(ibl_folder):
    layout = next(lay for lay in load_ibl_layouts(ibl_folder) if "HPF" in lay.region_order())
    session = generate_region_session(layout=layout, duration_s=5.0, seed=0, channel_step=8)
    assert set(session.lfp.get_property("brain_area")) <= set(layout.labels)
    assert "HPF" in session.lfp.get_property("brain_area")
    fine = session.lfp.get_property("brain_area_fine")
    assert set(fine) <= set(layout.fine_labels)
