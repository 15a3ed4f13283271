"""Mouse -> human transfer: both tables on the harmonised features, a mouse model pretrained, then fine-tuned.

The classes are the four aligned subclasses (Lamp5, Pvalb, Sst, Vip). Fine-tuning is
``FamilyAttentionClassifier(pretrained=mouse_model)``: the mouse model's network is the starting point, the
per-feature normalisation is refitted on the human cells (``refit_scaling``), and all weights are trained on the
human cells with a lower learning rate.
"""

from __future__ import annotations

import os

from .attention import FamilyAttentionClassifier
from .harmonisation import harmonise, harmonised_families
from .tables import PatchseqTable, load_human_mtg, load_mouse_visp

#: Settings of the fine-tuning step (the rest are FamilyAttentionClassifier defaults).
FINE_TUNE_DEFAULTS = dict(learning_rate=1e-3, max_epochs=100, patience=15)


def harmonised_table(table: PatchseqTable) -> PatchseqTable:
    """The same cells with the shared features of ``harmonisation.csv`` (names, units and definitions aligned)."""
    return PatchseqTable(
        features=harmonise(table.features, table.species),
        labels=table.labels,
        donors=table.donors,
        species=table.species,
    )


def load_transfer_tables(path: str | os.PathLike | None = None) -> tuple[PatchseqTable, PatchseqTable]:
    """Mouse VISp and human MTG cells, 4 aligned subclasses, harmonised features.

    Parameters
    ----------
    path : str, PathLike or None
        Folder of the tables (``tables.resolve_patchseq_folder``).

    Returns
    -------
    (mouse, human) : PatchseqTable
    """
    return harmonised_table(load_mouse_visp(path, n_classes=4)), harmonised_table(load_human_mtg(path))


def pretrain_source_model(source: PatchseqTable, **params) -> FamilyAttentionClassifier:
    """Fit the family-attention model on a harmonised source table (the mouse), families from the table.

    Parameters
    ----------
    source : PatchseqTable
        Harmonised features (``harmonised_table``).
    **params
        ``FamilyAttentionClassifier`` parameters.

    Examples
    --------
    >>> mouse, human = load_transfer_tables()
    >>> mouse_model = pretrain_source_model(mouse)
    >>> human_model = fine_tuned_classifier(mouse_model).fit(human.features, human.labels)
    """
    model = FamilyAttentionClassifier(families=harmonised_families(), **params)
    return model.fit(source.features, source.labels)


def fine_tuned_classifier(
    pretrained: FamilyAttentionClassifier | str | os.PathLike, **params
) -> FamilyAttentionClassifier:
    """An unfitted classifier that fine-tunes ``pretrained`` (a fitted model or its folder) when fitted.

    Parameters
    ----------
    pretrained : FamilyAttentionClassifier, str or PathLike
        The source model.
    **params
        Overrides of ``FINE_TUNE_DEFAULTS`` and other ``FamilyAttentionClassifier`` parameters.
    """
    return FamilyAttentionClassifier(pretrained=pretrained, **{**FINE_TUNE_DEFAULTS, **params})
