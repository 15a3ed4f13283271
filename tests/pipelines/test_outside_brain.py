"""detect_channels_outside_brain and the checks before sorting by region."""

import numpy as np
import pytest

from spikeinterface_xmodal.pipelines import check_grouping_property, detect_channels_outside_brain, run_sorter_by_region


def test_channels_outside_the_brain_are_found_and_removed(localized, held_out, region_model_folder):
    outside_ids, in_brain = detect_channels_outside_brain(
        held_out.lfp, region_model_folder, n_windows=4, min_probability=0.4
    )
    # outside: predicted "void", or "void" at least min_probability (accuracy: benchmarks/out_of_brain.py)
    found = np.isin(held_out.lfp.channel_ids, outside_ids)
    p_void = localized.get_property("brain_area_p_void")
    predicted_void = localized.get_property("brain_area_predicted") == "void"
    assert found.any() and np.array_equal(found, predicted_void | (p_void >= 0.4))
    assert list(in_brain.channel_ids) == [c for c in held_out.lfp.channel_ids if c not in set(outside_ids)]
    assert "brain_area_predicted" in in_brain.get_property_keys()
    # the same from a recording localized before, without running the model again
    again, _ = detect_channels_outside_brain(localized, min_probability=0.4)
    np.testing.assert_array_equal(again, outside_ids)


def test_refuses_to_remove_every_channel(localized):
    everything_out = localized.select_channels(localized.channel_ids)
    everything_out.set_property("brain_area_p_void", np.ones(localized.get_num_channels()))
    with pytest.raises(ValueError, match="refusing to remove every channel"):
        detect_channels_outside_brain(everything_out)


def test_unclear_requests_are_refused(localized, held_out):
    with pytest.raises(ValueError, match="not classes of the region model"):
        detect_channels_outside_brain(localized, outside_regions=("saline",))
    with pytest.raises(ValueError, match="no region predictions"):
        detect_channels_outside_brain(held_out.lfp)
    with pytest.raises(ValueError, match="min_probability"):
        detect_channels_outside_brain(localized, min_probability=0.0)


def test_sorting_by_region_needs_two_groups(localized, tmp_path):
    assert set(check_grouping_property(localized, "brain_area_predicted")) == set(
        localized.get_property("brain_area_predicted")
    )
    one_region = localized.select_channels(localized.channel_ids)
    one_region.set_property("brain_area_predicted", np.full(localized.get_num_channels(), "HPF"))
    with pytest.raises(ValueError, match="only one group"):
        run_sorter_by_region("simple", one_region, tmp_path / "sorted")
    with pytest.raises(ValueError, match="localize_channels"):
        check_grouping_property(_without_predictions(localized), "brain_area_predicted")
    assert not (tmp_path / "sorted").exists()


def _without_predictions(recording):
    bare = recording.select_channels(recording.channel_ids)
    bare.delete_property("brain_area_predicted")
    return bare
