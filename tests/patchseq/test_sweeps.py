"""Reading current-clamp sweeps from icephys NWB files in both layouts."""

import numpy as np
import pytest
from pynwb import NWBHDF5IO
from pynwb.testing.mock.file import mock_NWBFile

from spikeinterface_xmodal.datasets.patchseq_cells import LONG_SQUARE_AMPLITUDES_PA
from spikeinterface_xmodal.patchseq import read_sweeps
from spikeinterface_xmodal.patchseq.sweeps import classify_protocol


@pytest.mark.parametrize(
    ("name", "protocol"),
    [
        ("C1LSCOARSE150112_DA_0", "long_square"),
        ("X4PS_SupraThresh_DA_0", "long_square"),
        ("X1PS_SubThresh_DA_0", "long_square"),
        ("Long Square", "long_square"),
        ("C1SSFINEST150112", "short_square"),
        ("X6SP_Rheo_DA_0", "short_square"),
        ("C1RP25PR1S141203", "ramp"),
        ("Ramp", "ramp"),
        ("C2NSRMPRHE150112", None),  # ramp to rheobase
        ("X2LP_Search_DA_0", None),
        ("C1NSSEED_1150216", None),
    ],
)
def test_protocol_names(name, protocol):
    assert classify_protocol(name) == protocol


@pytest.mark.slow  # generated NWB files (session fixture)
def test_both_layouts_read_the_same_sweeps(generated_cells, generated_nwb_folder):
    cell = generated_cells[0]
    (tables,) = read_sweeps(generated_nwb_folder / f"{cell.cell_id}.nwb")
    (numbered,) = read_sweeps(generated_nwb_folder / "old" / f"{cell.cell_id}.nwb")
    assert (tables.layout, numbered.layout) == ("icephys_tables", "numbered_sweeps")
    assert tables.cell_id == numbered.cell_id == cell.cell_id
    assert [s.protocol for s in tables.sweeps] == [s.protocol for s in numbered.sweeps]
    for a, b, truth in zip(tables.sweeps, numbered.sweeps, cell.sweeps, strict=True):
        np.testing.assert_array_equal(a.voltage_mv, b.voltage_mv)
        np.testing.assert_allclose(a.voltage_mv, truth.voltage_mv, atol=1 / 64)  # stored as 1/32 mV counts
        np.testing.assert_allclose(a.current_pa, truth.stimulus_pa, atol=1e-3)
        assert a.sampling_rate == truth.sampling_rate


@pytest.mark.slow  # generated NWB files (session fixture)
def test_long_square_amplitudes_in_pa(generated_nwb_folder):
    (cell,) = read_sweeps(generated_nwb_folder / "Pvalb_000.nwb")
    amplitudes = [s.current_pa[s.current_pa.size // 2] for s in cell.protocol("long_square")]
    np.testing.assert_allclose(amplitudes, LONG_SQUARE_AMPLITUDES_PA, atol=1e-3)


def test_file_without_current_clamp_names_the_file(tmp_path):
    path = tmp_path / "no_icephys.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(mock_NWBFile())
    with pytest.raises(ValueError, match=r"no_icephys\.nwb has no current-clamp sweeps"):
        read_sweeps(path)


@pytest.mark.slow  # generated NWB files (session fixture)
def test_unknown_protocol_name_is_refused(generated_nwb_folder):
    (cell,) = read_sweeps(generated_nwb_folder / "Vip_000.nwb")
    with pytest.raises(ValueError, match="Unknown protocol 'noise'"):
        cell.protocol("noise")
