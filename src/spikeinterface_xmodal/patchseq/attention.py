"""``FamilyAttentionClassifier``: the attention BiLSTM over feature families as a scikit-learn classifier.

Training is a Lightning loop (``training.family_attention``: Adam, class-balanced cross-entropy, early stopping on a
stratified validation split); the model is small (20 to 30 thousand weights for the IPFX tables) and trains on one
CPU thread by default (``accelerator=`` moves it to a GPU). ``pretrained=`` fine-tunes a model fitted on another
table (mouse -> human transfer).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import QuantileTransformer
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .estimators import (
    FeatureTableClassifierMixin,
    check_feature_table,
    feature_names,
    fitted_families,
    select_features,
)
from .oversampling import oversample_cells

_MIN_VALIDATION_PER_CLASS = 2  # below this many cells per class there is no early-stopping split


class FamilyAttentionClassifier(FeatureTableClassifierMixin, BaseEstimator):
    """Attention BiLSTM over feature families (one token per family), scikit-learn compatible.

    Parameters
    ----------
    families : dict of str to list of str, or None, default: None
        Family -> feature columns; None groups the columns with ``families.group_families``.
    width : int, default: 32
        Width every family is projected to.
    hidden : int, default: 32
        LSTM hidden size per direction.
    dropout : float, default: 0.2
    learning_rate : float, default: 3e-3
        Adam learning rate (use a lower one to fine-tune a ``pretrained`` model).
    weight_decay : float, default: 1e-4
    batch_size : int, default: 64
    max_epochs : int, default: 150
    patience : int, default: 15
        Epochs without a lower validation loss before stopping; the best epoch's weights are kept.
    validation_fraction : float, default: 0.15
        Cells held out (stratified) for early stopping; with too few cells per class, all cells train for
        ``max_epochs``.
    pretrained : FamilyAttentionClassifier, str, Path or None, default: None
        A fitted model (or its model folder) to start from: its features, families and classes are kept, its
        weights fine-tuned on ``fit``'s data. Labels outside its classes are refused.
    refit_scaling : bool, default: True
        With ``pretrained``, fit the per-feature normalisation on the new data (each table normalised on its own,
        which absorbs unit and extractor offsets between species); False keeps the pretrained one.
    random_state : int, default: 0
    n_threads : int or None, default: 1
        Torch threads while fitting and predicting (None leaves torch's setting).
    oversample : {None, "smote"}, default: None
        ``"smote"`` adds synthetic cells of the rarer subclasses to the training cells (after normalisation, on
        the values and the missing-value mask; never to the early-stopping cells); needs imbalanced-learn.
    accelerator : {"cpu", "gpu", "cuda", "mps", "auto"}, default: "cpu"
        Lightning accelerator of the training loop; prediction runs on the CPU.
    progress_bar : bool, default: False
        Show Lightning's progress bar and messages while fitting.

    Attributes
    ----------
    classes_ : numpy.ndarray
    families_ : dict of str to list of str
    network_ : spikeinterface_xmodal.models.family_bilstm.FamilyBiLSTM
    scaler_ : sklearn.preprocessing.QuantileTransformer
        Per-feature normalisation to a standard normal (NaN stays NaN, then masked).
    attention_ : numpy.ndarray
        (n_cells, n_families) attention of the last ``predict`` / ``predict_proba`` call, columns following
        ``families_``.
    n_epochs_ : int
        Epochs run.

    Examples
    --------
    >>> model = FamilyAttentionClassifier().fit(table.features, table.labels)
    >>> labels = model.predict(new_cells)
    >>> model.attention_.shape  # (cells, families)
    """

    _parameter_constraints: dict = {
        "families": [dict, None],
        "width": [Interval(Integral, 1, None, closed="left")],
        "hidden": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "pretrained": "no_validation",
        "refit_scaling": ["boolean"],
        "random_state": [Interval(Integral, 0, None, closed="left")],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "oversample": [StrOptions({"smote"}), None],
        "accelerator": [StrOptions({"cpu", "gpu", "cuda", "mps", "auto"})],
        "progress_bar": ["boolean"],
    }

    def __init__(
        self,
        families: dict[str, list[str]] | None = None,
        width: int = 32,
        hidden: int = 32,
        dropout: float = 0.2,
        learning_rate: float = 3e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 64,
        max_epochs: int = 150,
        patience: int = 15,
        validation_fraction: float = 0.15,
        pretrained=None,
        refit_scaling: bool = True,
        random_state: int = 0,
        n_threads: int | None = 1,
        oversample: str | None = None,
        accelerator: str = "cpu",
        progress_bar: bool = False,
    ):
        self.families = families
        self.width = width
        self.hidden = hidden
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.pretrained = pretrained
        self.refit_scaling = refit_scaling
        self.random_state = random_state
        self.n_threads = n_threads
        self.oversample = oversample
        self.accelerator = accelerator
        self.progress_bar = progress_bar

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y) -> FamilyAttentionClassifier:
        """Fit (or fine-tune ``pretrained``) on a feature table ``X`` (NaN allowed) and subclass labels ``y``."""
        self._validate_params()
        source = self._pretrained_model()
        if source is not None and hasattr(X, "columns"):
            X = select_features(X, source.feature_names_in_)
        Xa, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype="float64")
        check_classification_targets(y)
        if source is None:
            self._start_fresh(Xa, y)
        else:
            self._start_from(source, Xa, y)
        with torch_threads(self.n_threads):
            self._train(Xa, y)
        return self

    def _pretrained_model(self) -> FamilyAttentionClassifier | None:
        if self.pretrained is None or isinstance(self.pretrained, FamilyAttentionClassifier):
            if self.pretrained is not None:
                check_is_fitted(self.pretrained)
            return self.pretrained
        from .model_kinds import load_patchseq_model

        model = load_patchseq_model(self.pretrained)
        if not isinstance(model, FamilyAttentionClassifier):
            raise ValueError(f"pretrained= must be a family-attention model; {self.pretrained} holds a {type(model)}")
        return model

    def _start_fresh(self, Xa: np.ndarray, y: np.ndarray) -> None:
        from ..models.family_bilstm import FamilyBiLSTM, FamilyBiLSTMConfig

        names = feature_names(self)
        self.families_ = fitted_families(self.families, names)
        self._order = family_column_order(self.families_, names)
        self.classes_ = np.unique(y)
        self.scaler_ = _fit_scaler(Xa, self.random_state)
        self._seed()
        config = FamilyBiLSTMConfig(
            family_sizes=[len(c) for c in self.families_.values()],
            n_classes=len(self.classes_),
            width=self.width,
            hidden=self.hidden,
            dropout=self.dropout,
        )
        self.network_ = FamilyBiLSTM(config)

    def _start_from(self, source: FamilyAttentionClassifier, Xa: np.ndarray, y: np.ndarray) -> None:
        unseen = sorted(set(np.unique(y).tolist()) - set(source.classes_.tolist()))
        if unseen:
            raise ValueError(
                f"The labels {unseen} are not among the pretrained model's classes {source.classes_.tolist()}; "
                "fine-tuning keeps the pretrained classes (map the labels onto them first)"
            )
        self.families_ = copy.deepcopy(source.families_)
        self._order = family_column_order(self.families_, feature_names(self))
        self.classes_ = source.classes_.copy()
        self.scaler_ = _fit_scaler(Xa, self.random_state) if self.refit_scaling else copy.deepcopy(source.scaler_)
        self._seed()
        self.network_ = copy.deepcopy(source.network_)

    def _seed(self) -> None:
        import torch

        torch.manual_seed(self.random_state)

    def _normalised(self, Xa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Network input: normalised values grouped by family (0 where missing) and the missing mask (floats)."""
        scaled = self.scaler_.transform(Xa)[:, self._order]
        missing = np.isnan(scaled)
        return np.where(missing, 0.0, scaled), missing.astype(np.float64)

    def _train(self, Xa: np.ndarray, y: np.ndarray) -> None:
        import torch

        from ..training.family_attention import CellTensors, FitSettings, train_family_network

        targets = np.searchsorted(self.classes_, y)
        train, valid = self._split(y)
        values, missing = self._normalised(Xa)
        # synthetic cells from the training rows only, appended after the real cells; the mask is interpolated too
        joined, joined_targets = oversample_cells(
            np.hstack([values[train], missing[train]]), targets[train], self.oversample, self.random_state
        )
        n_features = values.shape[1]
        synthetic_missing = joined[len(train) :, n_features:].round()
        synthetic_values = np.where(synthetic_missing > 0, 0.0, joined[len(train) :, :n_features])
        cells = CellTensors(
            values=torch.as_tensor(np.vstack([values, synthetic_values]), dtype=torch.float32),
            missing=torch.as_tensor(np.vstack([missing, synthetic_missing]), dtype=torch.float32),
            targets=torch.as_tensor(np.concatenate([targets, joined_targets[len(train) :]]), dtype=torch.long),
        )
        train = np.concatenate([train, np.arange(len(y), len(cells.targets))])
        # class-balanced loss over the training cells (uniform once SMOTE has balanced them)
        counts = np.bincount(cells.targets[train].numpy(), minlength=len(self.classes_))
        weights = np.where(counts > 0, len(train) / (len(self.classes_) * np.maximum(counts, 1)), 0.0)
        settings = FitSettings(
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            patience=self.patience,
            seed=self.random_state,
            accelerator=self.accelerator,
            progress_bar=self.progress_bar,
        )
        self.n_epochs_ = train_family_network(self.network_, cells, weights, train, valid, settings)

    def _split(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        indices = np.arange(len(y))
        _, counts = np.unique(y, return_counts=True)
        n_valid = round(self.validation_fraction * len(y))
        if counts.min() < 2 * _MIN_VALIDATION_PER_CLASS or n_valid < len(counts):
            return indices, None
        train, valid = train_test_split(indices, test_size=n_valid, stratify=y, random_state=self.random_state)
        return train, valid

    # --------------------------------------------------------------- prediction
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (columns follow ``classes_``); sets ``attention_`` (cells x families), as ``predict``
        does."""
        import torch

        check_is_fitted(self)
        Xa = check_feature_table(self, X, reset=False)
        values, missing = (torch.as_tensor(a, dtype=torch.float32) for a in self._normalised(Xa))
        with torch_threads(self.n_threads), torch.no_grad():
            self.network_.eval()
            logits, attention = self.network_(values, missing)
        self.attention_ = attention.numpy().astype(np.float64)
        return torch.softmax(logits, dim=1).numpy().astype(np.float64)


def family_column_order(families: dict[str, list[str]], names: list[str]) -> np.ndarray:
    """Column indices of ``names`` grouped by family, in the families' order."""
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[c] for columns in families.values() for c in columns], dtype=int)


def _fit_scaler(Xa: np.ndarray, seed: int) -> QuantileTransformer:
    """Per-feature map to a standard normal by rank: robust to heavy tails and to unit or offset differences."""
    n_quantiles = int(min(1000, max(len(Xa), 2)))
    scaler = QuantileTransformer(n_quantiles=n_quantiles, output_distribution="normal", random_state=seed)
    with warnings.catch_warnings():  # a feature absent from every cell stays NaN, then masked
        warnings.filterwarnings("ignore", message="All-NaN slice", category=RuntimeWarning)
        return scaler.fit(Xa)


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Torch's intra-op threads set to ``n`` inside the block (left unchanged when ``n`` is None)."""
    import torch

    previous = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
