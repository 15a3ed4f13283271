"""The Hodgkin-Huxley-type Patch-seq generator: valid icephys NWB files, seeded, subclasses that differ as expected."""

import numpy as np
import pytest
from pynwb import validate

from spikeinterface_xmodal.datasets import generate_patchseq_cells
from spikeinterface_xmodal.datasets.patchseq_cells import SUBCLASS_PARAMETERS, simulate


def _parameters(subclass: str, n: int) -> dict:
    return {name: np.full(n, value) for name, value in SUBCLASS_PARAMETERS[subclass].items()}


def test_simulation_is_seeded_and_spikes_above_threshold():
    current = np.zeros((5000, 2))  # 0.2 s at 25 kHz
    current[1000:, 1] = 300.0
    first = simulate(_parameters("Pvalb", 2), current, 25_000.0, seed=3)
    assert np.array_equal(first, simulate(_parameters("Pvalb", 2), current, 25_000.0, seed=3))
    assert not np.array_equal(first, simulate(_parameters("Pvalb", 2), current, 25_000.0, seed=4))
    assert first[:, 0].max() < -60  # at rest: no spike
    assert first[:, 1].max() > 0  # 300 pA: action potentials


@pytest.mark.slow
def test_generated_cells_carry_all_protocols(generated_cells):
    assert [cell.subclass for cell in generated_cells] == ["Lamp5", "Pvalb", "Sst", "Vip"]
    protocols = [sweep.protocol for sweep in generated_cells[0].sweeps]
    assert protocols.count("long_square") == 25 and protocols.count("short_square") == 4 and "ramp" in protocols
    sweep = generated_cells[0].sweeps[0]
    assert sweep.voltage_mv.shape == sweep.stimulus_pa.shape and sweep.sampling_rate == 25_000.0


@pytest.mark.slow
def test_generated_files_are_valid_nwb(generated_nwb_folder):
    import nwbinspector

    assert validate(path=str(generated_nwb_folder / "old" / "Lamp5_000.nwb")) == []
    path = generated_nwb_folder / "Pvalb_000.nwb"
    assert validate(path=str(path)) == []
    messages = nwbinspector.inspect_nwbfile(
        nwbfile_path=path, config=nwbinspector.load_config("dandi"), importance_threshold="BEST_PRACTICE_VIOLATION"
    )
    assert [f"{m.importance.name} {m.check_function_name}: {m.message}" for m in messages if m is not None] == []


@pytest.mark.slow
def test_subclass_features_separate(generated_features):
    """Pvalb: narrow spikes, fast and non-adapting; Lamp5: late spiking; Sst: adapting, with sag."""
    f = generated_features.set_index("subclass")
    others = f.drop(index="Pvalb")
    assert f.loc["Pvalb", "rheo_width"] < others["rheo_width"].min()
    assert f.loc["Pvalb", "rheo_upstroke_downstroke_ratio"] < others["rheo_upstroke_downstroke_ratio"].min()
    assert f.loc["Pvalb", "maximal_firing_rate"] > others["maximal_firing_rate"].max()
    assert f.loc["Lamp5", "hero_latency"] > f.drop(index="Lamp5")["hero_latency"].max()
    assert f.loc["Sst", "hero_adapt"] > f.loc["Pvalb", "hero_adapt"]
    assert f.loc["Sst", "sag"] > max(f.loc["Pvalb", "sag"], f.loc["Lamp5", "sag"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(subclasses=["Chandelier"]), "Unknown subclasses"),
        (dict(n_cells_per_subclass=0), "at least 1"),
        (dict(sampling_rate=10_000.0), "at least 20 kHz"),
    ],
)
def test_bad_generator_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_patchseq_cells(**kwargs)
