"""lfp_region stores per-channel embeddings on request (lfp2vec_region kind); they survive reload, merges, splits."""

import numpy as np
import pytest
import spikeinterface.core as si

from spikeinterface_xmodal import load_model

from ..region_models.test_lfp2vec import lfp2vec_folder  # noqa: F401  (a tiny lfp2vec_region model folder)


@pytest.fixture(scope="module")
def held_out(region_sessions):
    return region_sessions[3]


@pytest.fixture(scope="module")
def saved(held_out, lfp2vec_folder, tmp_path_factory):  # noqa: F811
    """A binary-folder analyzer whose lfp_region stored embeddings; its LFP saved so that params reload it."""
    folder = tmp_path_factory.mktemp("embeddings")
    lfp = held_out.lfp.save(folder=folder / "lfp")
    analyzer = si.create_sorting_analyzer(
        held_out.sorting, held_out.recording, format="binary_folder", folder=folder / "analyzer", sparse=False
    )
    analyzer.compute(["random_spikes", "templates", "unit_locations"])
    analyzer.compute("lfp_region", lfp_recording=lfp, model=lfp2vec_folder, n_windows=2, store_embeddings=True)
    return analyzer


def test_embeddings_are_the_models_and_survive_reload_merge_and_split(saved, held_out, lfp2vec_folder):  # noqa: F811
    embeddings = saved.get_extension("lfp_region").get_data(outputs="embeddings")
    expected = load_model(lfp2vec_folder).predict(held_out.lfp, n_windows=2).embeddings
    assert embeddings.shape == expected.shape == (saved.get_num_channels(), expected.shape[1])
    np.testing.assert_allclose(embeddings, expected, rtol=1e-5, atol=1e-6)

    reloaded = si.load_sorting_analyzer(saved.folder)
    np.testing.assert_array_equal(reloaded.get_extension("lfp_region").get_data(outputs="embeddings"), embeddings)
    unit = saved.unit_ids[2]
    n_spikes = saved.sorting.get_unit_spike_train(unit).size
    changed = (
        saved.merge_units([list(saved.unit_ids[:2])], merging_mode="hard", format="memory"),
        saved.split_units({unit: [np.arange(n_spikes // 2), np.arange(n_spikes // 2, n_spikes)]}, format="memory"),
        saved.select_units(saved.unit_ids[:3], format="memory"),
    )
    for analyzer in changed:  # channels do not change with units: neither do their embeddings
        np.testing.assert_array_equal(analyzer.get_extension("lfp_region").get_data(outputs="embeddings"), embeddings)


def test_embeddings_are_stored_only_when_asked(held_out, lfp2vec_folder, region_model_folder):  # noqa: F811
    analyzer = si.create_sorting_analyzer(held_out.sorting, held_out.recording, format="memory", sparse=False)
    analyzer.compute("lfp_region", lfp_recording=held_out.lfp, model=lfp2vec_folder, n_windows=2)
    extension = analyzer.get_extension("lfp_region")
    assert "channel_embeddings" not in extension.data
    with pytest.raises(ValueError, match="compute lfp_region with store_embeddings=True"):
        extension.get_data(outputs="embeddings")
    with pytest.raises(ValueError, match=r"'lfp_region_baseline' model .* makes no per-channel embeddings"):
        analyzer.compute("lfp_region", lfp_recording=held_out.lfp, model=region_model_folder, store_embeddings=True)
