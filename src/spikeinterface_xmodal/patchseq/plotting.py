"""Figures of subclass predictions: confusion matrices and mean attention per family per class."""

from __future__ import annotations

import numpy as np
import pandas as pd


def mean_attention_by_class(attention: np.ndarray, families: list[str], labels) -> pd.DataFrame:
    """Mean attention weight of each family over the cells of each class.

    Parameters
    ----------
    attention : numpy.ndarray
        (n_cells, n_families), e.g. ``FamilyAttentionClassifier.attention_``.
    families : list of str
        Family names, the columns of ``attention`` (``list(model.families_)``).
    labels : array-like
        One class per cell (true or predicted).

    Returns
    -------
    pandas.DataFrame
        Classes x families.
    """
    attention = np.asarray(attention, dtype=float)
    labels = np.asarray(labels)
    if attention.ndim != 2 or attention.shape != (len(labels), len(families)):
        raise ValueError(
            f"attention must be (cells, families) = ({len(labels)}, {len(families)}), got {attention.shape}"
        )
    return pd.DataFrame(attention, columns=families).groupby(labels).mean()


def plot_confusion_matrix(y_true, y_pred, labels: list[str] | None = None, title: str = "", ax=None):
    """Row-normalised confusion matrix (recall on the diagonal) with the cell counts per true class.

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted subclass per cell.
    labels : list of str or None
        Class order; None sorts the classes present.
    title : str
    ax : matplotlib Axes or None
        Drawn into a new figure when None.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = sorted(set(np.asarray(y_true)) | set(np.asarray(y_pred))) if labels is None else list(labels)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.8))
    display = ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=labels, normalize="true", values_format=".2f", cmap="Blues", colorbar=False, ax=ax
    )
    counts = pd.Series(np.asarray(y_true)).value_counts()
    display.ax_.set_yticklabels([f"{label} (n={counts.get(label, 0)})" for label in labels])
    display.ax_.set_title(title, fontsize=9)
    return display.figure_


def plot_family_attention(attention: np.ndarray, families: list[str], labels, title: str = "", ax=None):
    """Heat map of the mean attention per family (columns) per class (rows).

    Parameters
    ----------
    attention, families, labels
        As in ``mean_attention_by_class``.
    title : str
    ax : matplotlib Axes or None

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    table = mean_attention_by_class(attention, families, labels)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 0.7 * len(families), 1.2 + 0.45 * len(table)))
    image = ax.imshow(table.to_numpy(), cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(families)), families, rotation=45, ha="right")
    ax.set_yticks(range(len(table)), table.index)
    for (row, column), value in np.ndenumerate(table.to_numpy()):
        ax.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=7, color="w")
    ax.figure.colorbar(image, ax=ax, label="mean attention")
    ax.set_title(title, fontsize=9)
    ax.figure.tight_layout()
    return ax.figure
