"""The ``lfp_region`` SortingAnalyzer extension: brain region of every channel and unit, from the LFP."""

from __future__ import annotations

from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from spikeinterface.core import BaseRecording
from spikeinterface.core.sortinganalyzer import register_result_extension

from ..model_folder import folder_hash
from ..predictions import RegionPredictions
from ..preprocessing.match_channels import match_lfp_channels
from ..region_models.base import RegionModelKind, load_region_model
from .recording_param import describe_recording, given_or_analyzer_recording
from .safe_extension import SafeRecomputeExtension

if TYPE_CHECKING:
    import pandas as pd


def _check_positive_int_or_none(name: str, value) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0):
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}")


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


class ComputeLfpRegion(SafeRecomputeExtension):
    """Predict the brain region of every channel from its LFP, and of every unit from its location.

    A region model folder of any registered kind (``spikeinterface_xmodal.load_model``; e.g. the spectral
    baseline of ``training.fit_region_baseline`` or ``xmodal region train``) turns LFP windows into
    per-channel region probabilities, optionally smoothed along the probe by a hidden-Markov model.
    Each unit takes the region of the channel nearest to its
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
    store_embeddings : bool, default: False
        Also store each channel's embedding, the model's representation of its LFP (``get_data(outputs=
        "embeddings")``: n_channels x n_dims), for linear probes and plots. Only kinds that make one (e.g.
        ``lfp2vec_region``); with another kind, a ValueError.

    Returns
    -------
    dict of pandas.DataFrame
        ``get_data()`` returns ``{"channels": ..., "units": ...}``: per channel the id, position,
        predicted region, its (calibrated) probability and one ``p_<region>`` column per region, then, when
        the model kind provides them, ``ood_score`` (above 1: unlike the training data; a warning is
        issued when most channels are), ``flat`` (a dead or flat channel, predicted from its position
        only) and ``log_power_<band>``; per unit the id, the channel it was assigned, and the same
        region columns.

    Examples
    --------
    >>> analyzer.compute("lfp_region", lfp_recording=lfp, model="region_model")
    """

    extension_name = "lfp_region"
    depend_on = []
    need_recording = False
    use_nodepipeline = False
    need_job_kwargs = True

    @classmethod
    def get_optional_dependencies(cls, **params) -> list[str]:
        """``unit_locations``, when computed, places units; without it units take their main channel."""
        return ["unit_locations"]

    def _set_params(
        self,
        lfp_recording: BaseRecording | dict | None = None,
        model: str | Path | None = None,
        window_s: float | None = None,
        n_windows: int | None = 20,
        smoothing: bool = True,
        seed: int = 0,
        store_embeddings: bool = False,
    ):
        if model is None:
            raise ValueError(
                "lfp_region needs model=<path of a region model folder>; train one with "
                "spikeinterface_xmodal.training.fit_region_baseline or `xmodal region train`"
            )
        _check_positive_int_or_none("n_windows", n_windows)
        if not Path(model).is_dir():
            raise FileNotFoundError(f"Model folder {model} does not exist or is not a folder")
        self._model_hash = folder_hash(model)
        self._model = load_region_model(model, digest=self._model_hash)
        if window_s is not None and not np.isclose(window_s, self._model.window_s):
            raise ValueError(
                f"window_s={window_s} s does not fit the model, which was trained on {self._model.window_s} s windows"
            )
        if store_embeddings and not self._model.makes_embeddings:
            raise ValueError(
                f"store_embeddings=True, but the {self._model.kind!r} model in {model} makes no per-channel "
                "embeddings (an 'lfp2vec_region' model does); compute without store_embeddings"
            )
        self._lfp_recording = lfp_recording if isinstance(lfp_recording, BaseRecording) else None
        return dict(
            lfp_recording=describe_recording(lfp_recording),
            model=str(Path(model).resolve()),
            window_s=self._model.window_s,
            n_windows=n_windows,
            smoothing=bool(smoothing),
            seed=int(seed),
            store_embeddings=bool(store_embeddings),
        )

    def _check_inputs(self) -> None:
        self._lfp()

    def _lfp(self) -> BaseRecording:
        lfp = given_or_analyzer_recording(self)
        return match_lfp_channels(lfp, self.sorting_analyzer.channel_ids, self.sorting_analyzer.get_channel_locations())

    def _loaded_model(self) -> tuple[RegionModelKind, str]:
        """The model checked by set_params and its folder's hash (loaded again when set elsewhere)."""
        if getattr(self, "_model", None) is None:
            self._model_hash = folder_hash(self.params["model"])
            self._model = load_region_model(self.params["model"], digest=self._model_hash)
        return self._model, self._model_hash

    def _run(self, verbose=False, **job_kwargs):
        model_folder = self.params["model"]
        model, model_hash = self._loaded_model()
        estimate = model.predict(
            self._lfp(),
            n_windows=self.params["n_windows"],
            seed=self.params["seed"],
            smoothing=self.params["smoothing"],
            **job_kwargs,
        )
        if self.params.get("store_embeddings", False):
            if estimate.embeddings is None:
                raise RuntimeError(f"The {model.kind!r} model kind sets makes_embeddings but returned no embeddings")
            self.data["channel_embeddings"] = estimate.embeddings.astype("float32")
        class_index = {label: i for i, label in enumerate(estimate.classes)}
        self.data["channel_probabilities"] = estimate.probabilities.astype("float64")
        self.data["channel_raw_probabilities"] = estimate.raw_probabilities.astype("float64")
        self.data["channel_region_index"] = np.array([class_index[label] for label in estimate.labels], dtype="int64")
        if estimate.ood_score is not None:
            self.data["channel_ood_score"] = estimate.ood_score.astype("float64")
        if estimate.flat is not None:
            self.data["channel_flat"] = estimate.flat.astype("bool")
        if estimate.band_power is not None:
            self.data["channel_band_power"] = estimate.band_power.astype("float64")
        self.data["unit_channel_index"] = _unit_channel_indices(self.sorting_analyzer, self.sorting_analyzer.unit_ids)
        self.data["model_info"] = dict(
            classes=estimate.classes,
            smoothed=estimate.smoothed,
            calibrated=estimate.calibrated,
            model_name=model.card.get("name", Path(model_folder).name),
            model_version=model.card["package_version"],
            model_hash=model_hash,
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
        import pandas as pd  # slow to import, and only tables need it

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
        if outputs == "embeddings":
            if "channel_embeddings" not in self.data:
                raise ValueError("No embeddings were stored: compute lfp_region with store_embeddings=True")
            return self.data["channel_embeddings"]
        if outputs != "dataframes":
            raise ValueError(f"outputs must be 'dataframes', 'numpy' or 'embeddings', got {outputs!r}")
        channel_ids = self.sorting_analyzer.channel_ids
        channels = self._region_table(channel_ids, "channel_id", np.arange(len(channel_ids)))
        for key, column in (("channel_ood_score", "ood_score"), ("channel_flat", "flat")):
            if key in self.data:
                channels[column] = self.data[key]
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
            ood_score=self.data.get("channel_ood_score"),
        )


register_result_extension(ComputeLfpRegion)
compute_lfp_region = ComputeLfpRegion.function_factory()
