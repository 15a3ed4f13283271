"""Subclass classifiers on IPFX feature tables: the plain random forest and Gouwens et al.'s sparse-PCA forest.

Both take a pandas DataFrame of features by column name (NaN allowed: imputed inside) and subclass strings.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import SparsePCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .families import check_families, group_families
from .oversampling import oversample_cells


def select_features(X: pd.DataFrame, feature_names: list[str] | np.ndarray) -> pd.DataFrame:
    """The columns a model was trained on, in its order; extra columns are ignored.

    Parameters
    ----------
    X : pandas.DataFrame
        A feature table.
    feature_names : sequence of str
        The model's ``feature_names_in_``.

    Raises
    ------
    ValueError
        ``X`` lacks some of ``feature_names`` (all missing names are listed).
    """
    missing = [name for name in feature_names if name not in X.columns]
    if missing:
        raise ValueError(
            f"The feature table lacks {len(missing)} of the {len(feature_names)} features the model was trained on: "
            f"{missing}"
        )
    return X.loc[:, list(feature_names)]


def feature_names(estimator: BaseEstimator) -> list[str]:
    """The fitted estimator's feature names (``x0``, ``x1``... when it was fitted on an array)."""
    names = getattr(estimator, "feature_names_in_", None)
    return [str(n) for n in names] if names is not None else [f"x{i}" for i in range(estimator.n_features_in_)]


def check_feature_table(estimator: BaseEstimator, X, reset: bool) -> np.ndarray:
    """Validate ``X`` for ``fit`` (``reset=True``) or prediction: a float array with NaN allowed.

    At prediction, a DataFrame is first reduced to the fitted feature names, in their order, with a clear
    error when some are missing (see ``select_features``).
    """
    if not reset and isinstance(X, pd.DataFrame) and hasattr(estimator, "feature_names_in_"):
        X = select_features(X, estimator.feature_names_in_)
    return validate_data(estimator, X, reset=reset, ensure_all_finite="allow-nan", dtype="float64")


def fit_oversampled(
    preprocessing: list, classifier: BaseEstimator, Xa: np.ndarray, y: np.ndarray, oversample, random_state
) -> Pipeline:
    """Fit ``preprocessing`` on the training cells, then ``classifier`` on them plus any synthetic cells.

    The transformers (imputation, scaling, components) see only real cells; ``oversample`` (``None`` or
    ``"smote"``, see ``oversampling.oversample_cells``) adds synthetic cells of the rarer classes to their
    output before the classifier is fitted.

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``preprocessing`` then ``classifier``, all fitted.
    """
    steps = make_pipeline(*preprocessing, classifier).steps
    transform = Pipeline(steps[:-1]).fit(Xa, y)
    classifier.fit(*oversample_cells(transform.transform(Xa), y, oversample, random_state))
    return Pipeline(steps)


def fitted_families(families: dict[str, list[str]] | None, names: list[str]) -> dict[str, list[str]]:
    """Families for a fit: the user's mapping checked against ``names``, or ``group_families(names)``."""
    return group_families(names) if families is None else check_families(families, names)


class FeatureTableClassifierMixin(ClassifierMixin):
    """What the Patch-seq classifiers share: NaN-tolerant input, ``predict`` as the most probable class."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def predict(self, X) -> np.ndarray:
        """Most probable subclass per cell."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]


class RandomForestBaseline(FeatureTableClassifierMixin, BaseEstimator):
    """The plain baseline: median imputation then a class-balanced random forest on the scalar features.

    Parameters
    ----------
    n_estimators : int, default: 500
        Trees.
    random_state : int or None, default: 0
        Seed.
    n_jobs : int or None, default: None
        Processes for fitting and prediction.
    oversample : {None, "smote"}, default: None
        ``"smote"`` adds synthetic cells of the rarer subclasses to the imputed training cells before the forest
        is fitted (``oversampling.oversample_cells``); needs imbalanced-learn.

    Attributes
    ----------
    classes_ : numpy.ndarray
    pipeline_ : sklearn.pipeline.Pipeline
        ``SimpleImputer(strategy="median")`` then ``RandomForestClassifier(class_weight="balanced")``.

    Examples
    --------
    >>> baseline = RandomForestBaseline().fit(table.features, table.labels)
    """

    _parameter_constraints: dict = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "oversample": [StrOptions({"smote"}), None],
    }

    def __init__(
        self,
        n_estimators: int = 500,
        random_state: int | None = 0,
        n_jobs: int | None = None,
        oversample: str | None = None,
    ):
        self.n_estimators = n_estimators
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.oversample = oversample

    def fit(self, X, y) -> RandomForestBaseline:
        """Fit on a feature table ``X`` (cells x features, NaN allowed) and subclass labels ``y``."""
        self._validate_params()
        Xa, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype="float64")
        forest = RandomForestClassifier(
            n_estimators=self.n_estimators,
            class_weight="balanced",
            random_state=self.random_state,
            n_jobs=self.n_jobs,
        )
        imputer = SimpleImputer(strategy="median", keep_empty_features=True)
        self.pipeline_ = fit_oversampled([imputer], forest, Xa, y, self.oversample, self.random_state)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns following ``classes_``; ``X`` needs the columns seen in ``fit``."""
        check_is_fitted(self)
        return self.pipeline_.predict_proba(check_feature_table(self, X, reset=False))


class GouwensClassifier(FeatureTableClassifierMixin, BaseEstimator):
    """Gouwens et al. (2020): features grouped into families -> sparse PCA per family -> class-balanced forest.

    Parameters
    ----------
    families : dict of str to list of str, or None, default: None
        Family -> feature columns; None groups the columns with ``families.group_families``.
    n_components : int, default: 3
        Sparse principal components per family (at most the family's number of features).
    alpha : float, default: 0.5
        Sparsity of the components (``sklearn.decomposition.SparsePCA``).
    keep_features : bool, default: True
        Give the forest the standardised features beside the components. With scalar tables (a few features per
        family) the components alone lose information; ``False`` is the published recipe.
    n_estimators : int, default: 500
        Trees of the forest.
    min_samples_leaf : int, default: 1
        Of the forest.
    random_state : int or None, default: 0
        Seed of the components and the forest.
    n_jobs : int or None, default: None
        Processes of the forest.
    oversample : {None, "smote"}, default: None
        ``"smote"`` adds synthetic cells of the rarer subclasses to the forest's training input (after imputation,
        scaling and the components, which are fitted on the real cells only); needs imbalanced-learn.

    Attributes
    ----------
    classes_ : numpy.ndarray
    families_ : dict of str to list of str
        The families used.
    pipeline_ : sklearn.pipeline.Pipeline
        Imputation and scaling, per-family sparse PCA, forest.

    Examples
    --------
    >>> model = GouwensClassifier().fit(table.features, table.labels)
    >>> probabilities = model.predict_proba(new_cells)  # columns follow model.classes_
    """

    _parameter_constraints: dict = {
        "families": [dict, None],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "keep_features": ["boolean"],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "oversample": [StrOptions({"smote"}), None],
    }

    def __init__(
        self,
        families: dict[str, list[str]] | None = None,
        n_components: int = 3,
        alpha: float = 0.5,
        keep_features: bool = True,
        n_estimators: int = 500,
        min_samples_leaf: int = 1,
        random_state: int | None = 0,
        n_jobs: int | None = None,
        oversample: str | None = None,
    ):
        self.families = families
        self.n_components = n_components
        self.alpha = alpha
        self.keep_features = keep_features
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.oversample = oversample

    def _components(self, families: dict[str, list[str]], names: list[str]) -> ColumnTransformer:
        index = {name: i for i, name in enumerate(names)}
        blocks = [
            (
                family,
                SparsePCA(
                    n_components=min(self.n_components, len(columns)),
                    alpha=self.alpha,
                    random_state=self.random_state,
                ),
                [index[c] for c in columns],
            )
            for family, columns in families.items()
        ]
        if self.keep_features:
            blocks.append(("features", "passthrough", list(range(len(names)))))
        return ColumnTransformer(blocks)

    def fit(self, X, y) -> GouwensClassifier:
        """Fit on a feature table ``X`` (cells x features, NaN allowed) and subclass labels ``y``."""
        self._validate_params()
        Xa, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype="float64", ensure_min_samples=2)
        names = feature_names(self)
        self.families_ = fitted_families(self.families, names)
        forest = RandomForestClassifier(
            n_estimators=self.n_estimators,
            min_samples_leaf=self.min_samples_leaf,
            class_weight="balanced",
            random_state=self.random_state,
            n_jobs=self.n_jobs,
        )
        preprocessing = [
            SimpleImputer(strategy="median", keep_empty_features=True),
            StandardScaler(),
            self._components(self.families_, names),
        ]
        self.pipeline_ = fit_oversampled(preprocessing, forest, Xa, y, self.oversample, self.random_state)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns following ``classes_``; ``X`` needs the columns seen in ``fit``."""
        check_is_fitted(self)
        Xa = check_feature_table(self, X, reset=False)
        if len(Xa) == 1:  # SparsePCA.transform returns a 1-D array for a single row (scikit-learn 1.9)
            return self.pipeline_.predict_proba(np.repeat(Xa, 2, axis=0))[:1]
        return self.pipeline_.predict_proba(Xa)
