"""One loader for every model folder: each model kind registers itself under the ``kind`` its cards carry."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, TypeVar

from .model_folder import read_model_card

KindClass = TypeVar("KindClass", bound=type)

_MODEL_KINDS: dict[str, type] = {}
# kinds shipped with the package, imported on first use so that `import spikeinterface_xmodal` stays light
_BUILTIN_KIND_MODULES = {
    "lfp_region_baseline": "spikeinterface_xmodal.region_models.spectral_baseline",
    "spike_teacher": "spikeinterface_xmodal.training.distill_kinds",
    "lfp_latent_model": "spikeinterface_xmodal.training.distill_kinds",
    "lfp2vec_region": "spikeinterface_xmodal.region_models.lfp2vec",
    "lfp2vec_pretrained": "spikeinterface_xmodal.training.lfp2vec_pretrained",
    "patchseq_random_forest": "spikeinterface_xmodal.patchseq.model_kinds",
    "patchseq_gouwens": "spikeinterface_xmodal.patchseq.model_kinds",
    "patchseq_family_attention": "spikeinterface_xmodal.patchseq.model_kinds",
}


def register_model_kind(cls: KindClass) -> KindClass:
    """Class decorator: register a model kind under its ``kind`` attribute.

    The class must define ``kind`` (the card's ``kind`` string) and a ``load(folder)`` classmethod.

    Examples
    --------
    >>> @register_model_kind
    ... class MyRegionModel(RegionModelKind):
    ...     kind = "my_region_model"
    """
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"{cls.__name__} needs a non-empty string class attribute `kind` to be registered")
    if not callable(getattr(cls, "load", None)):
        raise TypeError(f"{cls.__name__} needs a `load(folder)` classmethod to be registered")
    registered = _MODEL_KINDS.get(kind)
    if registered is not None and registered.__qualname__ != cls.__qualname__:
        raise ValueError(
            f"Model kind {kind!r} is already registered by {registered.__module__}.{registered.__qualname__}"
        )
    _MODEL_KINDS[kind] = cls
    return cls


def get_model_kind(kind: str) -> type:
    """The class registered for ``kind``; a ValueError lists the known kinds otherwise."""
    if kind not in _MODEL_KINDS and kind in _BUILTIN_KIND_MODULES:
        importlib.import_module(_BUILTIN_KIND_MODULES[kind])
    if kind not in _MODEL_KINDS:
        known = sorted(set(_MODEL_KINDS) | set(_BUILTIN_KIND_MODULES))
        raise ValueError(
            f"Unknown model kind {kind!r}; known kinds: {known}. A kind from another package is registered "
            "when that package is imported."
        )
    return _MODEL_KINDS[kind]


def load_model(folder: str | Path) -> Any:
    """Load any model folder by the ``kind`` in its card.

    Parameters
    ----------
    folder : str or Path
        A model folder (weights + ``card.json``).

    Returns
    -------
    object
        An instance of the registered kind, e.g. a region model with ``classes``, ``card`` and ``predict``.

    Examples
    --------
    >>> model = load_model("region_model")
    >>> estimate = model.predict(lfp_recording)
    """
    card = read_model_card(folder)
    return get_model_kind(card["kind"]).load(folder)
