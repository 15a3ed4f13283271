"""The explicit mouse <-> human harmonisation table, the families and the real-table loaders."""

import numpy as np
import pandas as pd
import pytest

from spikeinterface_xmodal.patchseq import feature_family, group_families, harmonisation_table, harmonise
from spikeinterface_xmodal.patchseq.harmonisation import check_harmonisation_table, harmonised_families


def _species_frame(table: pd.DataFrame, species: str, value: float = 2.0) -> pd.DataFrame:
    return pd.DataFrame({column: [value] for column in table[f"{species}_column"]})


def test_packaged_table_is_explicit_and_consistent():
    table = harmonisation_table()
    assert len(table) >= 20 and table["name"].is_unique
    assert set(table["mouse_transform"]) <= {"identity", "inverse", "subtract:rheo_threshold_v"}
    assert (table["human_transform"] == "identity").all()
    row = table.set_index("name").loc["first_isi_inv_hero"]
    assert (row["mouse_column"], row["mouse_unit"], row["mouse_transform"], row["unit"]) == (
        "hero_first_isi",
        "s",
        "inverse",
        "Hz",
    )
    # every harmonised family is one the estimators know
    assert all(feature_family(name) == family for name, family in zip(table["name"], table["family"], strict=True))


def test_mouse_columns_are_converted_to_the_human_definitions():
    mouse = pd.DataFrame(
        {"hero_first_isi": [0.02, 0.0], "rheo_peak_v": [30.0, 20.0], "rheo_threshold_v": [-40.0, -35.0]}
    )
    table = harmonisation_table()
    table = table[table["name"].isin(["first_isi_inv_hero", "peak_deltav_rheo", "threshold_v_rheo"])]
    shared = harmonise(mouse, "mouse", table)
    np.testing.assert_allclose(shared["first_isi_inv_hero"], [50.0, np.nan])  # 1 / 0.02 s; a zero ISI is no value
    np.testing.assert_allclose(shared["peak_deltav_rheo"], [70.0, 55.0])  # peak minus threshold
    np.testing.assert_allclose(shared["threshold_v_rheo"], [-40.0, -35.0])


def test_both_species_give_the_same_columns():
    table = harmonisation_table()
    mouse = harmonise(_species_frame(table, "mouse"), "mouse")
    human = harmonise(_species_frame(table, "human"), "human")
    assert list(mouse.columns) == list(human.columns) == table["name"].tolist()
    assert sum(len(v) for v in harmonised_families().values()) == len(table)


def test_missing_source_columns_are_named():
    mouse = _species_frame(harmonisation_table(), "mouse").drop(columns=["rheo_width", "rheo_threshold_v"])
    with pytest.raises(ValueError, match=r"mouse feature table lacks.*rheo_threshold_v.*rheo_width"):
        harmonise(mouse, "mouse")
    with pytest.raises(ValueError, match="species must be one of"):
        harmonise(mouse, "rat")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("mouse_transform", "log", "unknown mouse_transform 'log'"),
        ("human_unit", "ms", "turns 'ms' into 'ms', not 's'"),
        ("mouse_transform", "inverse", "turns 's' into 'Hz', not 's'"),
    ],
)
def test_inconsistent_tables_are_refused(column, value, message):
    table = harmonisation_table()
    table.loc[table["name"] == "width_rheo", column] = value
    with pytest.raises(ValueError, match=f"'width_rheo'.*{message}"):
        check_harmonisation_table(table)


def test_incomplete_tables_are_refused():
    with pytest.raises(ValueError, match=r"lacks the columns.*human_unit"):
        check_harmonisation_table(harmonisation_table().drop(columns=["human_unit"]))
    doubled = pd.concat([harmonisation_table()] * 2)
    with pytest.raises(ValueError, match="more than once"):
        check_harmonisation_table(doubled)


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("rheo_width", "width"),
        ("width_suprathresh_short_square", "width"),
        ("fast_trough_v_last_rheo", "fast_trough"),
        ("sag_depol", "subthreshold"),
        ("first_isi_inv_hero", "isi_shape"),
        ("peak_impedance_chirp", "chirp"),
        ("first_ap_dv_17", "first_ap"),
        ("psth_3", "psth"),
        ("qc_seal_gohm", "other"),
    ],
)
def test_feature_families(name, family):
    assert feature_family(name) == family


def test_group_families_keeps_every_column_once():
    columns = ["tau", "rheo_width", "psth_0", "psth_1", "mystery", "v_baseline"]
    grouped = group_families(columns)
    assert grouped == {
        "subthreshold": ["tau", "v_baseline"],
        "width": ["rheo_width"],
        "psth": ["psth_0", "psth_1"],
        "other": ["mystery"],
    }


def test_real_tables_agree_after_harmonisation(patchseq_data_folder):
    from spikeinterface_xmodal.patchseq import load_human_mtg, load_mouse_visp

    mouse, human = load_mouse_visp(patchseq_data_folder), load_human_mtg(patchseq_data_folder)
    assert sorted(set(mouse.labels)) == sorted(set(human.labels)) == ["Lamp5", "Pvalb", "Sst", "Vip"]
    assert len(load_mouse_visp(patchseq_data_folder, n_classes=5).labels.unique()) == 5
    assert len(set(mouse.donors)) > 900 and len(set(human.donors)) > 80
    shared_mouse, shared_human = harmonise(mouse.features, "mouse"), harmonise(human.features, "human")
    # the same quantity in the same unit: medians within 20 % (spike height, width, time constant)
    for name in ("peak_deltav_rheo", "width_rheo", "tau", "latency_hero", "input_resistance"):
        ratio = shared_mouse[name].median() / shared_human[name].median()
        assert 0.8 < ratio < 1.25, name
