"""Writing a new NWB file: a write that fails half-way (with overwrite=True) leaves the file that was there."""

import pytest
from pynwb import NWBHDF5IO

from spikeinterface_xmodal.datasets import (
    generate_latent_session,
    generate_patchseq_cells,
    generate_region_session,
    write_latent_session_nwb,
    write_patchseq_nwb,
    write_session_nwb,
)


def _writers():
    yield (
        "region session",
        lambda path: write_session_nwb(
            generate_region_session(duration_s=2.0, channel_step=16, seed=0), path, overwrite=True
        ),
    )
    yield (
        "latent session",
        lambda path: write_latent_session_nwb(generate_latent_session(seed=0, n_trials=4), path, overwrite=True),
    )
    yield (
        "patch-seq cell",
        lambda path: write_patchseq_nwb(
            generate_patchseq_cells(n_cells_per_subclass=1, seed=0)[0], path, overwrite=True
        ),
    )


@pytest.mark.parametrize("name, write", list(_writers()), ids=[name for name, _ in _writers()])
def test_a_failed_overwrite_keeps_the_existing_file(tmp_path, monkeypatch, name, write):
    path = tmp_path / "session.nwb"
    path.write_bytes(b"the user's file")

    def fail_half_way(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(NWBHDF5IO, "write", fail_half_way)
    with pytest.raises(OSError, match="disk full"):
        write(path)
    assert path.read_bytes() == b"the user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.nwb"]  # no partial file left behind
