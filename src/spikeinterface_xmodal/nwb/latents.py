"""Latents of a distillation model over time in a session's NWB file: a TimeSeries with the model's provenance.

The series goes to ``processing/ecephys/<name>`` (the latents are derived from the LFP or the units) with
``unit="a.u."``, one column per latent dimension, a regular rate (the model's bins) or timestamps. Its
``description`` names the model in words; its ``comments`` hold the provenance as JSON (kind, role, model name,
folder hash, package version, read-in, bin width and the model card), which is also how our series are told
apart from anyone else's. Files are updated all or nothing, one writer at a time, like the prediction tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pynwb import NWBFile, TimeSeries

from .fileio import delete_group, open_nwb
from .names import check_name
from .writers import _processing_module, update_nwb_file

MODULE = "ecephys"
PROVENANCE_KEY = "xmodal_latents"  # top-level key of the JSON in ``comments`` that marks our series
_PROVENANCE_KEYS = ("kind", "role", "model_name", "model_version", "model_hash")


@dataclass
class Latents:
    """Latents read back from an NWB file.

    Attributes
    ----------
    times : np.ndarray
        Bin centres (s), shape (n_bins,).
    latents : np.ndarray
        Shape (n_bins, d_latent).
    model_info : dict
        The provenance written with them (see :func:`write_latents`).
    """

    times: np.ndarray
    latents: np.ndarray
    model_info: dict


def _is_ours(series) -> bool:
    try:
        return PROVENANCE_KEY in json.loads(getattr(series, "comments", "") or "")
    except (TypeError, ValueError):
        return False


def _check_latents(times, latents, model_info) -> tuple[np.ndarray, np.ndarray]:
    times = np.asarray(times, dtype="float64")
    latents = np.asarray(latents, dtype="float32")
    latents = latents[:, None] if latents.ndim == 1 else latents
    if times.ndim != 1 or latents.ndim != 2 or latents.shape[0] != times.size or times.size == 0:
        raise ValueError(
            f"latents must be (n_bins, d_latent) with one time per bin; got shapes {latents.shape} and {times.shape}"
        )
    for what, values in (("times", times), ("latents", latents)):
        if not np.isfinite(values).all():
            raise ValueError(f"{what} hold {int((~np.isfinite(values)).sum())} NaN or infinite values")
    if times.size > 1 and np.any(np.diff(times) <= 0):
        raise ValueError("times must be strictly increasing")
    if not isinstance(model_info, dict) or any(key not in model_info for key in _PROVENANCE_KEYS):
        raise ValueError(
            f"model_info must be a dict with {list(_PROVENANCE_KEYS)} (e.g. an analyzer extension's model_info, or "
            "preprocessing.lfp_latents.latent_model_info(model, folder))"
        )
    return times, latents


def _series(name: str, times: np.ndarray, latents: np.ndarray, model_info: dict) -> TimeSeries:
    info = {key: model_info[key] for key in _PROVENANCE_KEYS}
    description = (
        f"Latents ({latents.shape[1]} dimensions, arbitrary units) of the {info['role']} model "
        f"{info['model_name']!r} (kind {info['kind']}, folder hash {info['model_hash'][:12]}, trained with "
        f"spikeinterface-xmodal {info['model_version']}); the full provenance is in comments as JSON."
    )
    comments = json.dumps({PROVENANCE_KEY: 1, **model_info}, sort_keys=True, default=str)
    steps = np.diff(times)
    step = float(model_info.get("bin_s", steps.mean() if times.size > 1 else 1.0))
    timing = dict(timestamps=times)
    if np.allclose(steps, step, rtol=0, atol=1e-9 * max(1.0, abs(times[-1]))):  # regular bins: a rate
        timing = dict(starting_time=float(times[0]), rate=1.0 / step)
    return TimeSeries(name=name, data=latents, unit="a.u.", description=description, comments=comments, **timing)


def _existing(nwbfile: NWBFile, name: str, overwrite: bool) -> str | None:
    """The path of our series that an overwrite deletes, None if there is none; raise if it may not be replaced."""
    module = nwbfile.processing.get(MODULE)
    if module is None or name not in module.data_interfaces:
        return None
    existing = module[name]
    if not _is_ours(existing):
        raise ValueError(
            f"name: {name!r} is already used in processing/{MODULE} by a {existing.neurodata_type} that "
            "spikeinterface-xmodal did not write; choose another name"
        )
    if not overwrite:
        raise ValueError(
            f"name: latents named {name!r} already exist in processing/{MODULE}; pass overwrite=True "
            "(--overwrite from the shell) to replace them, or choose another name"
        )
    return f"processing/{MODULE}/{name}"


def write_latents(
    nwb_path: str | Path,
    times: np.ndarray,
    latents: np.ndarray,
    model_info: dict,
    name: str = "lfp_latents",
    overwrite: bool = False,
) -> Path:
    """Append latents over time to an existing NWB file, all or nothing, as ``processing/ecephys/<name>``.

    Like the prediction writers: a copy is edited and swapped in at the end (an error or a killed process leaves
    the original as it was), writers of one file take turns, a copy is not swapped in if another program
    changed the file meanwhile, HDF5 files and Zarr directories alike (see docs/nwb.md).

    Parameters
    ----------
    nwb_path : str or Path
        An existing NWB file (HDF5 file or Zarr directory).
    times : np.ndarray
        Bin centres (s, the file's time base), shape (n_bins,); regular times are stored as a rate.
    latents : np.ndarray
        Shape (n_bins, d_latent).
    model_info : dict
        Provenance with at least ``kind``, ``role``, ``model_name``, ``model_version`` and ``model_hash``: an
        analyzer extension's ``model_info`` or ``preprocessing.lfp_latents.latent_model_info(model, folder)``.
    name : str, default: "lfp_latents"
        Name of the series.
    overwrite : bool, default: False
        Replace latents of the same name written by this package; an object of the same name written by
        anything else is never replaced.

    Returns
    -------
    Path
        The updated file.

    Raises
    ------
    ValueError
        Bad shapes, NaNs, times not increasing, incomplete provenance, or a name that is invalid or taken.
    NWBFileError
        As for :func:`write_region_predictions` (not an NWB file, read-only, hard-linked, busy).

    Examples
    --------
    >>> times, values = analyzer.get_extension("lfp_latents").get_data()  # doctest: +SKIP
    >>> write_latents("session.nwb", times, values, analyzer.get_extension("lfp_latents").model_info)  # doctest: +SKIP
    """
    check_name(name, "name")
    times, latents = _check_latents(times, latents, model_info)
    series = _series(name, times, latents, model_info)  # the provenance is JSON, checked before the file is touched

    def edit(work: Path, replaced: str | None) -> None:
        if replaced is not None:
            delete_group(work, replaced)
        with open_nwb(work, "a", shown_as=nwb_path) as (io, nwbfile):
            _processing_module(nwbfile, MODULE).add(series)
            io.write(nwbfile)

    return update_nwb_file(nwb_path, lambda original: _existing(original, name, overwrite), edit)


def write_analyzer_latents(
    nwb_path: str | Path,
    analyzer,
    extension: str = "lfp_latents",
    name: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Append the latents of an analyzer's ``lfp_latents`` or ``spike_latents`` extension (see :func:`write_latents`).

    Parameters
    ----------
    nwb_path : str or Path
        An existing NWB file.
    analyzer : SortingAnalyzer
        With the extension computed.
    extension : {"lfp_latents", "spike_latents"}, default: "lfp_latents"
        Which latents.
    name : str or None, default: None
        Name of the series; None uses the extension's name.
    overwrite : bool, default: False
        Replace our latents of the same name.

    Returns
    -------
    Path
        The updated file.
    """
    if extension not in ("lfp_latents", "spike_latents"):
        raise ValueError(f"extension must be 'lfp_latents' or 'spike_latents', got {extension!r}")
    computed = analyzer.get_extension(extension)
    if computed is None:
        raise ValueError(
            f"analyzer: no {extension!r} extension; run analyzer.compute({extension!r}, model=...) first (and "
            "`import spikeinterface_xmodal` before loading a saved analyzer, or the extension is dropped)"
        )
    times, latents = computed.get_data()
    return write_latents(nwb_path, times, latents, computed.model_info, extension if name is None else name, overwrite)


def read_latents(nwb_path: str | Path, name: str = "lfp_latents") -> Latents:
    """Read latents written by :func:`write_latents` back (any NWB reader sees a plain TimeSeries).

    Parameters
    ----------
    nwb_path : str or Path
        An NWB file (HDF5 file or Zarr directory).
    name : str, default: "lfp_latents"
        Name of the series.

    Returns
    -------
    Latents
        Times, values and the provenance.
    """
    with open_nwb(nwb_path, "r") as (_, nwbfile):
        module = nwbfile.processing.get(MODULE)
        series = None if module is None else module.data_interfaces.get(name)
        if series is None or not _is_ours(series):
            found = [] if module is None else [n for n, obj in module.data_interfaces.items() if _is_ours(obj)]
            raise ValueError(f"{nwb_path} has no latents named {name!r} in processing/{MODULE}; it has {found}")
        info = json.loads(series.comments)
        info.pop(PROVENANCE_KEY)
        return Latents(np.asarray(series.get_timestamps(), dtype="float64"), np.asarray(series.data[:]), info)
