"""The ``lfp_region`` SortingAnalyzer extension: brain region of every channel and unit, from the LFP."""

from __future__ import annotations

from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
import spikeinterface.postprocessing  # noqa: F401  (registers "unit_locations" first)
from spikeinterface.core import BaseRecording, load
from spikeinterface.core.sortinganalyzer import AnalyzerExtension, register_result_extension

from ..classifiers import REGION_MODEL_KIND, RegionModel
from ..model_folder import folder_hash, read_model_card
from ..predictions import RegionPredictions


def _describe_recording(recording: BaseRecording | None) -> dict | None:
    """JSON description of the LFP recording for the params: its ``to_dict`` when it can be reloaded."""
    if recording is None:
        return None
    if not isinstance(recording, BaseRecording):
        raise TypeError(f"lfp_recording must be a spikeinterface BaseRecording, got {type(recording).__name__}")
    if recording.check_serializability("json"):
        return recording.to_dict(recursive=True, relative_to=None)
    return dict(in_memory=str(recording))


def _match_channels(lfp: BaseRecording, channel_ids: np.ndarray) -> BaseRecording:
    """The LFP restricted to (and ordered like) the analyzer's channels; a clear error when some are missing."""
    missing = [c for c in channel_ids.tolist() if c not in set(lfp.channel_ids.tolist())]
    if missing:
        raise ValueError(
            f"The LFP recording lacks {len(missing)} of the analyzer's {len(channel_ids)} channels "
            f"(e.g. {missing[:5]}); its channel ids are {lfp.channel_ids[:5].tolist()}... "
            "Pass the LFP stream of the same probe, with the same channel ids."
        )
    if lfp.get_num_channels() == len(channel_ids) and np.array_equal(lfp.channel_ids, channel_ids):
        return lfp
    return lfp.select_channels(list(channel_ids))


def _nearest_channel(points: np.ndarray, channel_locations: np.ndarray) -> np.ndarray:
    distances = np.linalg.norm(points[:, None, :2] - channel_locations[None, :, :2], axis=2)
    return distances.argmin(axis=1)


def _unit_channel_indices(sorting_analyzer, unit_ids) -> np.ndarray:
    """Channel index of each unit: nearest to its estimated location, else the analyzer's main channel."""
    unit_ids = list(unit_ids)
    if len(unit_ids) == 0:
        return np.zeros(0, dtype="int64")
    unit_indices = sorting_analyzer.sorting.ids_to_indices(unit_ids)
    if sorting_analyzer.has_extension("unit_locations"):
        locations = sorting_analyzer.get_extension("unit_locations").get_data()[unit_indices]
        return _nearest_channel(locations, sorting_analyzer.get_channel_locations()).astype("int64")
    return np.asarray(sorting_analyzer.get_main_channels(outputs="index"), dtype="int64")[unit_indices]


class ComputeLfpRegion(AnalyzerExtension):
    """Predict the brain region of every channel from its LFP, and of every unit from its location.

    A region model folder (see ``training.fit_region_baseline`` or ``xmodal region train``) turns
    spectral tokens of LFP windows into per-channel region probabilities, optionally smoothed along the
    probe by a hidden-Markov model. Each unit takes the region of the channel nearest to its
    ``unit_locations`` estimate, or of its main channel (``analyzer.get_main_channels()``) otherwise.

    Parameters
    ----------
    lfp_recording : BaseRecording or None, default: None
        The LFP (e.g. the probe's LF stream, or ``preprocessing.extract_lfp(recording)``) with the
        analyzer's channel ids. None uses the analyzer's recording, downsampled to the model's rate.
    model : str or Path
        The region model folder.
    window_s : float or None, default: None
        Window length in seconds; must equal the model's (None takes it from the model).
    n_windows : int or None, default: 20
        Windows per channel; None uses the whole recording.
    smoothing : bool, default: True
        Smooth probabilities along the probe with the model's HMM (forward-backward over channels
        ordered by depth, per shank); see docs/region_localization.md for what it gains and costs.
    seed : int, default: 0
        Seed of the window draw.

    Returns
    -------
    dict of pandas.DataFrame
        ``get_data()`` returns ``{"channels": ..., "units": ...}``: per channel the id, position,
        predicted region, its probability and one ``p_<region>`` column per region; per unit the id,
        the channel it was assigned, and the same columns.

    Examples
    --------
    >>> analyzer.compute("lfp_region", lfp_recording=lfp, model="region_model")
    """

    extension_name = "lfp_region"
    depend_on = []
    need_recording = False
    use_nodepipeline = False
    need_job_kwargs = True

    def _set_params(
        self,
        lfp_recording: BaseRecording | None = None,
        model: str | Path | None = None,
        window_s: float | None = None,
        n_windows: int | None = 20,
        smoothing: bool = True,
        seed: int = 0,
    ):
        if model is None:
            raise ValueError(
                "lfp_region needs model=<path of a region model folder>; train one with "
                "spikeinterface_xmodal.training.fit_region_baseline or `xmodal region train`"
            )
        card = read_model_card(model, expected_kind=REGION_MODEL_KIND)
        if window_s is not None and not np.isclose(window_s, card["window_s"]):
            raise ValueError(
                f"window_s={window_s} s does not fit the model, which was trained on {card['window_s']} s windows"
            )
        self._lfp_recording = lfp_recording
        return dict(
            lfp_recording=_describe_recording(lfp_recording),
            model=str(Path(model).resolve()),
            model_hash=folder_hash(model),
            window_s=float(card["window_s"]),
            n_windows=n_windows,
            smoothing=bool(smoothing),
            seed=int(seed),
        )

    def _lfp(self) -> BaseRecording:
        lfp = getattr(self, "_lfp_recording", None)
        description = self.params["lfp_recording"]
        if lfp is None and description is not None:
            if "in_memory" in description:
                raise ValueError(
                    "The LFP recording given to lfp_region lived in memory and is gone; compute again with "
                    "lfp_recording=<recording>"
                )
            lfp = load(description)
        if lfp is None:
            if not self.sorting_analyzer.has_recording():
                raise ValueError(
                    "lfp_region needs an LFP recording: pass lfp_recording=..., or attach the recording to the "
                    "analyzer (analyzer.set_temporary_recording(recording))"
                )
            lfp = self.sorting_analyzer.recording
        return _match_channels(lfp, self.sorting_analyzer.channel_ids)

    def _run(self, verbose=False, **job_kwargs):
        model_folder = self.params["model"]
        if folder_hash(model_folder) != self.params["model_hash"]:
            raise ValueError(f"The model folder {model_folder} changed since the parameters were set; set them again")
        model = RegionModel.load(model_folder)
        estimate = model.predict(
            self._lfp(),
            n_windows=self.params["n_windows"],
            seed=self.params["seed"],
            smoothing=self.params["smoothing"],
            **job_kwargs,
        )
        class_index = {label: i for i, label in enumerate(estimate.classes)}
        self.data["channel_probabilities"] = estimate.probabilities.astype("float64")
        self.data["channel_raw_probabilities"] = estimate.raw_probabilities.astype("float64")
        self.data["channel_region_index"] = np.array([class_index[label] for label in estimate.labels], dtype="int64")
        if estimate.band_power is not None:
            self.data["channel_band_power"] = estimate.band_power.astype("float64")
        self.data["unit_channel_index"] = _unit_channel_indices(self.sorting_analyzer, self.sorting_analyzer.unit_ids)
        self.data["model_info"] = dict(
            classes=estimate.classes,
            smoothed=estimate.smoothed,
            model_name=model.card.get("name", Path(model_folder).name),
            model_version=model.card["package_version"],
            ontology=model.card.get("ontology", "unspecified"),
            band_power_features=estimate.feature_names,
            card=model.card,
        )

    def _select_units_extension_data(self, unit_ids):
        unit_indices = self.sorting_analyzer.sorting.ids_to_indices(unit_ids)
        new_data = dict(self.data)
        new_data["unit_channel_index"] = self.data["unit_channel_index"][unit_indices]
        return new_data

    def _units_from_old_and_new(self, new_sorting_analyzer, changed_unit_ids):
        changed = set(changed_unit_ids)
        recomputed = dict(
            zip(changed_unit_ids, _unit_channel_indices(new_sorting_analyzer, changed_unit_ids), strict=True)
        )
        old_index = self.data["unit_channel_index"]
        unit_channel_index = [
            recomputed[u] if u in changed else old_index[self.sorting_analyzer.sorting.id_to_index(u)]
            for u in new_sorting_analyzer.unit_ids
        ]
        new_data = dict(self.data)
        new_data["unit_channel_index"] = np.asarray(unit_channel_index, dtype="int64")
        return new_data

    def _merge_extension_data(
        self, merge_unit_groups, new_unit_ids, new_sorting_analyzer, keep_mask=None, verbose=False, **job_kwargs
    ):
        return self._units_from_old_and_new(new_sorting_analyzer, list(new_unit_ids))

    def _split_extension_data(self, split_units, new_unit_ids, new_sorting_analyzer, verbose=False, **job_kwargs):
        return self._units_from_old_and_new(new_sorting_analyzer, list(chain(*new_unit_ids)))

    def _select_channels_extension_data(self, channel_ids):
        channel_indices = self.sorting_analyzer.channel_ids_to_indices(channel_ids)
        new_data = {key: value[channel_indices] for key, value in self.data.items() if key.startswith("channel_")}
        locations = self.sorting_analyzer.get_channel_locations()
        old_unit_points = locations[self.data["unit_channel_index"]]
        new_data["unit_channel_index"] = _nearest_channel(old_unit_points, locations[channel_indices])
        new_data["model_info"] = self.data["model_info"]
        return new_data

    @property
    def classes(self) -> list[str]:
        """Region labels, in the column order of the probabilities."""
        return list(self.data["model_info"]["classes"])

    def _region_table(self, ids, id_name, channel_indices) -> pd.DataFrame:
        probabilities = self.data["channel_probabilities"][channel_indices]
        region_index = self.data["channel_region_index"][channel_indices]
        locations = self.sorting_analyzer.get_channel_locations()[channel_indices]
        table = pd.DataFrame({id_name: ids, "x": locations[:, 0], "y": locations[:, 1]})
        table["predicted_region"] = np.asarray(self.classes, dtype=object)[region_index]
        table["probability"] = probabilities[np.arange(len(region_index)), region_index]
        for i, region in enumerate(self.classes):
            table[f"p_{region}"] = probabilities[:, i]
        return table

    def _get_data(self, outputs: str = "dataframes"):
        if outputs == "numpy":
            return self.data["channel_probabilities"]
        if outputs != "dataframes":
            raise ValueError(f"outputs must be 'dataframes' or 'numpy', got {outputs!r}")
        channel_ids = self.sorting_analyzer.channel_ids
        channels = self._region_table(channel_ids, "channel_id", np.arange(len(channel_ids)))
        if "channel_band_power" in self.data:
            names = self.data["model_info"]["band_power_features"]
            for i, name in enumerate(names):
                channels[f"log_power_{name}"] = self.data["channel_band_power"][:, i]
        unit_channels = np.asarray(self.data["unit_channel_index"], dtype="int64")
        units = self._region_table(self.sorting_analyzer.unit_ids, "unit_id", unit_channels)
        units.insert(1, "channel_id", channel_ids[unit_channels])
        return dict(channels=channels, units=units)

    def get_predictions(self) -> RegionPredictions:
        """The per-channel predictions with their provenance, ready for ``nwb.write_region_predictions``."""
        info = self.data["model_info"]
        region_index = self.data["channel_region_index"]
        return RegionPredictions(
            channel_ids=self.sorting_analyzer.channel_ids,
            predicted_region=np.asarray(self.classes)[region_index],
            probabilities=self.data["channel_probabilities"],
            classes=self.classes,
            ontology=info["ontology"],
            model_name=info["model_name"],
            model_version=info["model_version"],
            model_card=info["card"],
            channel_locations=self.sorting_analyzer.get_channel_locations(),
        )


register_result_extension(ComputeLfpRegion)
compute_lfp_region = ComputeLfpRegion.function_factory()
