"""Oversampling of the rare subclasses inside ``fit``: SMOTE on the training cells only.

The estimators take ``oversample="smote"``: after their imputation (and scaling), the training cells of the
rarer subclasses are complemented with synthetic cells interpolated between a cell and one of its nearest
neighbours of the same subclass (Chawla et al. 2002, ``imblearn.over_sampling.SMOTE``) until every subclass is
as large as the largest. Cells used for validation or test are never seen: oversampling happens inside ``fit``,
after any split. imbalanced-learn is imported lazily (``pip install spikeinterface-xmodal[patchseq]``).
"""

from __future__ import annotations

import numpy as np

#: Accepted values of the estimators' ``oversample`` parameter.
OVERSAMPLERS = (None, "smote")
_SMOTE_NEIGHBOURS = 5


def oversample_cells(X: np.ndarray, y: np.ndarray, method: str | None, random_state: int | None) -> tuple:
    """Training cells with synthetic cells of the rarer subclasses appended (``method="smote"``).

    Parameters
    ----------
    X : numpy.ndarray
        (cells, features) without NaN (imputed first).
    y : numpy.ndarray
        Subclass per cell.
    method : {None, "smote"}
        None returns ``X`` and ``y`` unchanged.
    random_state : int or None
        Seed of the neighbour draws and interpolation.

    Returns
    -------
    (X, y) : tuple of numpy.ndarray
        The original cells first, in their order, then the synthetic ones. With a subclass of a single cell
        (no neighbour to interpolate to) nothing is added.

    Raises
    ------
    ValueError
        ``method`` is not one of ``OVERSAMPLERS``, or ``X`` holds NaN.
    ImportError
        imbalanced-learn is not installed (it comes with the ``patchseq`` extra).
    """
    if method not in OVERSAMPLERS:
        raise ValueError(f"oversample must be one of {OVERSAMPLERS}, got {method!r}")
    if method is None:
        return X, y
    if np.isnan(X).any():
        raise ValueError("SMOTE needs features without NaN: impute them before oversampling")
    _, counts = np.unique(y, return_counts=True)
    if counts.min() < 2 or len(counts) < 2:
        return X, y
    try:
        from imblearn.over_sampling import SMOTE
    except ImportError as error:  # pragma: no cover - the patchseq extra installs it
        raise ImportError(
            'oversample="smote" needs imbalanced-learn: pip install "spikeinterface-xmodal[patchseq]"'
        ) from error
    smote = SMOTE(k_neighbors=min(_SMOTE_NEIGHBOURS, int(counts.min()) - 1), random_state=random_state)
    return smote.fit_resample(X, y)
