"""Patch-seq subclass models as model folders: weights + ``card.json``, loaded by ``load_model``.

Three kinds, registered with ``model_kinds.register_model_kind``:

- ``patchseq_random_forest``: a ``RandomForestBaseline``, ``classifier.skops``;
- ``patchseq_gouwens``: a ``GouwensClassifier``, ``classifier.skops``;
- ``patchseq_family_attention``: a ``FamilyAttentionClassifier`` (plain or fine-tuned), ``network.safetensors``
  plus ``scaling.skops``.

skops files are loaded with an explicit allow-list of types (never a pickle); the card carries the classes,
feature names, families, hyper-parameters and whatever training summary and metrics the caller gives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..model_folder import read_model_card, save_model_folder
from ..model_kinds import load_model, register_model_kind
from .attention import FamilyAttentionClassifier, family_column_order
from .estimators import GouwensClassifier, RandomForestBaseline, feature_names

RANDOM_FOREST_KIND = "patchseq_random_forest"
GOUWENS_KIND = "patchseq_gouwens"
FAMILY_ATTENTION_KIND = "patchseq_family_attention"
PATCHSEQ_KINDS = (RANDOM_FOREST_KIND, GOUWENS_KIND, FAMILY_ATTENTION_KIND)
CLASSIFIER_FILENAME = "classifier.skops"
NETWORK_FILENAME = "network.safetensors"
SCALING_FILENAME = "scaling.skops"
# types a weight file may hold beyond skops' defaults; anything else is refused on load
TRUSTED_TYPES = [
    "numpy.dtype",
    "sklearn.tree._tree.Tree",
    "spikeinterface_xmodal.patchseq.estimators.GouwensClassifier",
    "spikeinterface_xmodal.patchseq.estimators.RandomForestBaseline",
]


def _classes(model: Any) -> list[str]:
    classes = [c for c in model.classes_]
    if not all(isinstance(c, str) for c in classes):
        raise ValueError(f"Only models fitted on subclass strings can be saved; this one has classes {classes}")
    return classes


def _card(model: Any, kind: str, training: dict | None, metrics: dict | None) -> dict:
    return dict(
        kind=kind,
        classes=_classes(model),
        feature_names=feature_names(model),
        training=dict(training or {}),
        metrics=dict(metrics or {}),
    )


def _skops_dump(model: Any, path: Path) -> None:
    import skops.io as skops_io  # slow to import: only when a model is saved or loaded

    skops_io.dump(model, path)


def _skops_load(path: Path) -> Any:
    import skops.io as skops_io

    untrusted = [t for t in skops_io.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
    if untrusted:
        raise ValueError(f"{path} holds types outside the Patch-seq allow-list, refused: {untrusted}")
    return skops_io.load(path, trusted=TRUSTED_TYPES)


def _load_skops_model(folder: str | Path, kind: str, expected: type) -> Any:
    """Load the skops classifier of a model folder and check it against the card."""
    folder = Path(folder)
    card = read_model_card(folder, expected_kind=kind)
    model = _skops_load(folder / CLASSIFIER_FILENAME)
    if not isinstance(model, expected):
        raise ValueError(f"The model folder {folder} is corrupt: it holds a {type(model).__name__}")
    if _classes(model) != card["classes"] or feature_names(model) != card.get("feature_names"):
        raise ValueError(f"The model folder {folder} is corrupt: its card and its weights disagree on classes/features")
    return model


def save_patchseq_model(
    model: Any,
    folder: str | Path,
    training: dict | None = None,
    metrics: dict | None = None,
    overwrite: bool = False,
) -> Path:
    """Save a fitted Patch-seq subclass model as a model folder.

    Parameters
    ----------
    model : RandomForestBaseline, GouwensClassifier or FamilyAttentionClassifier
        Fitted on a DataFrame of named features and subclass strings.
    folder : str or Path
        Destination.
    training : dict or None
        Summary of the training data for the card (table, cells per class, donors...).
    metrics : dict or None
        Held-out scores for the card.
    overwrite : bool, default: False
        Replace an existing model folder.

    Returns
    -------
    Path
        The folder.

    Examples
    --------
    >>> save_patchseq_model(model, "gouwens_mouse", training={"table": "mouse_visp", "n_classes": 4})
    >>> model = spikeinterface_xmodal.load_model("gouwens_mouse")
    """
    if isinstance(model, FamilyAttentionClassifier):
        return FamilyAttentionKind.save(model, folder, training, metrics, overwrite)
    if isinstance(model, GouwensClassifier):
        kind = GOUWENS_KIND
    elif isinstance(model, RandomForestBaseline):
        kind = RANDOM_FOREST_KIND
    else:
        raise TypeError(f"Cannot save a {type(model).__name__} as a Patch-seq model folder")
    card = _card(model, kind, training, metrics)
    return save_model_folder(folder, card, lambda tmp: _skops_dump(model, tmp / CLASSIFIER_FILENAME), overwrite)


def load_patchseq_model(folder: str | Path) -> Any:
    """Load a Patch-seq subclass model folder (any of ``PATCHSEQ_KINDS``).

    Raises
    ------
    ValueError
        The folder holds a model of another kind (e.g. a region model), or is corrupt.
    """
    card = read_model_card(folder)
    if card["kind"] not in PATCHSEQ_KINDS:
        raise ValueError(
            f"The model in {folder} is a {card['kind']!r} model, not a Patch-seq subclass model {PATCHSEQ_KINDS}"
        )
    return load_model(folder)


@register_model_kind
class RandomForestKind:
    """Loader of ``patchseq_random_forest`` folders: returns the fitted ``RandomForestBaseline``."""

    kind = RANDOM_FOREST_KIND

    @classmethod
    def load(cls, folder: str | Path) -> RandomForestBaseline:
        return _load_skops_model(folder, cls.kind, RandomForestBaseline)


@register_model_kind
class GouwensKind:
    """Loader of ``patchseq_gouwens`` folders: returns the fitted ``GouwensClassifier``."""

    kind = GOUWENS_KIND

    @classmethod
    def load(cls, folder: str | Path) -> GouwensClassifier:
        return _load_skops_model(folder, cls.kind, GouwensClassifier)


@register_model_kind
class FamilyAttentionKind:
    """Saver and loader of ``patchseq_family_attention`` folders (network in safetensors, scaling in skops)."""

    kind = FAMILY_ATTENTION_KIND

    @staticmethod
    def save(
        model: FamilyAttentionClassifier, folder: str | Path, training: dict | None, metrics: dict | None, overwrite
    ) -> Path:
        from safetensors.torch import save_file

        params = model.get_params()
        pretrained = params.pop("pretrained")
        card = _card(model, FAMILY_ATTENTION_KIND, training, metrics)
        # families as [name, columns] pairs: their order is the token order, and the card's keys get sorted
        if params["families"] is not None:
            params["families"] = [[family, list(columns)] for family, columns in params["families"].items()]
        card.update(
            families=[[family, columns] for family, columns in model.families_.items()],
            network=model.network_.config.to_dict(),
            params=params,
            n_epochs=int(model.n_epochs_),
            fine_tuned_from=None if pretrained is None else _source_summary(pretrained),
        )

        def write_weights(tmp: Path) -> None:
            save_file({k: v.contiguous() for k, v in model.network_.state_dict().items()}, tmp / NETWORK_FILENAME)
            _skops_dump(model.scaler_, tmp / SCALING_FILENAME)

        return save_model_folder(folder, card, write_weights, overwrite)

    @classmethod
    def load(cls, folder: str | Path) -> FamilyAttentionClassifier:
        from safetensors.torch import load_file

        from ..models.family_bilstm import FamilyBiLSTM, FamilyBiLSTMConfig

        folder = Path(folder)
        card = read_model_card(folder, expected_kind=cls.kind)
        try:
            names, families = list(card["feature_names"]), dict(card["families"])
            params = dict(card["params"])
            params["families"] = None if params["families"] is None else dict(params["families"])
            model = FamilyAttentionClassifier(**params)
            network = FamilyBiLSTM(FamilyBiLSTMConfig(**card["network"]))
            network.load_state_dict(load_file(folder / NETWORK_FILENAME))
        except (KeyError, TypeError, RuntimeError, OSError) as error:
            raise ValueError(f"The model folder {folder} is corrupt: {error}") from error
        model.feature_names_in_ = np.array(names, dtype=object)
        model.n_features_in_ = len(names)
        model.families_ = families
        model._order = family_column_order(families, names)
        model.classes_ = np.array(card["classes"], dtype=object)
        model.scaler_ = _skops_load(folder / SCALING_FILENAME)
        model.network_ = network.eval()
        model.n_epochs_ = card.get("n_epochs", 0)
        return model


def _source_summary(pretrained: Any) -> dict | str:
    """What the card says about the model a fine-tuned one started from."""
    if isinstance(pretrained, FamilyAttentionClassifier):
        return dict(classes=_classes(pretrained), feature_names=feature_names(pretrained))
    return str(pretrained)
