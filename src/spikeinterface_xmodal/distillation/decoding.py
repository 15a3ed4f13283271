"""Behaviour decoding from latents: lagged ridge regression, cross-validated over held-out trials."""

from __future__ import annotations

import numpy as np

from .session import check_behaviour

DEFAULT_LAGS = (0, 1, 2, 3, 4)
DEFAULT_ALPHAS = (0.1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5)


def _lagged(values: np.ndarray, lags: tuple[int, ...]) -> np.ndarray:
    """Columns of ``values`` shifted by each lag (rows of the past; the first rows repeat the first value)."""
    shifted = []
    for lag in lags:
        if lag < 0:
            raise ValueError(f"lags must be non-negative numbers of latent samples, got {lag}")
        pad = np.repeat(values[:1], lag, axis=0)
        shifted.append(np.concatenate([pad, values[: values.shape[0] - lag]]) if lag else values)
    return np.concatenate(shifted, axis=1)


def _groups(behaviour_times: np.ndarray, trials: dict | None, n_folds: int) -> tuple[np.ndarray, np.ndarray]:
    """Trial index of each behaviour sample (samples outside every trial are dropped) and the kept-sample mask."""
    if trials is None:
        blocks = np.minimum((np.arange(behaviour_times.size) * n_folds) // behaviour_times.size, n_folds - 1)
        return blocks, np.ones(behaviour_times.size, dtype=bool)
    starts, stops = np.asarray(trials["start_time"], float), np.asarray(trials["stop_time"], float)
    index = np.searchsorted(starts, behaviour_times, side="right") - 1
    inside = (index >= 0) & (behaviour_times < stops[np.clip(index, 0, None)])
    return index[inside], inside


def decode_behaviour(
    times: np.ndarray,
    latents: np.ndarray,
    behaviour_times: np.ndarray,
    behaviour: np.ndarray,
    trials: dict | None = None,
    lags: tuple[int, ...] = DEFAULT_LAGS,
    n_folds: int = 5,
    alphas: tuple[float, ...] = DEFAULT_ALPHAS,
) -> dict:
    """Decode behaviour from latents with ridge regression, scored on held-out trials.

    Latents (at their own rate) are interpolated to the behaviour times (samples outside the latents' time
    span are left out); each behaviour sample is regressed
    on the latents at that time and ``lags`` earlier latent samples. Folds hold out whole trials (``GroupKFold``),
    and the ridge penalty is chosen inside each training fold (``RidgeCV`` over contiguous blocks) after
    standardising.

    Parameters
    ----------
    times : np.ndarray
        Times of the latent samples (s), shape (m,).
    latents : np.ndarray
        Latents, shape (m, k).
    behaviour_times : np.ndarray
        Times of the behaviour samples (s), on the latents' time base, shape (n,).
    behaviour : np.ndarray
        Behaviour, shape (n, d) or (n,).
    trials : dict or None, default: None
        ``start_time`` and ``stop_time`` arrays of trials: only samples inside trials are decoded, each fold
        holds out whole trials. None makes ``n_folds`` consecutive blocks of the session.
    lags : tuple of int, default: (0, 1, 2, 3, 4)
        Latent samples into the past used as features.
    n_folds : int, default: 5
        Cross-validation folds.
    alphas : tuple of float
        Ridge penalties tried inside each training fold.

    Returns
    -------
    dict
        ``r2`` (mean over behaviour dimensions), ``r2_per_dimension`` (list), ``n_samples``, ``n_trials``
        (groups), ``predicted`` and ``behaviour`` (held-out predictions and truth, for plots), ``times``.

    Raises
    ------
    ValueError
        NaNs, mismatched shapes, fewer groups than folds, or less than half of the behaviour inside the latents'
        time span.

    Examples
    --------
    >>> result = decode_behaviour(times, latents, velocity_times, velocity, trials=trials)
    >>> result["r2"], result["r2_per_dimension"]
    """
    from sklearn.linear_model import RidgeCV
    from sklearn.metrics import r2_score
    from sklearn.model_selection import GroupKFold, KFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    latents, times = check_behaviour(latents, times, "latents")
    behaviour, behaviour_times = check_behaviour(behaviour, behaviour_times, "behaviour")
    step = np.median(np.diff(times))
    covered = (behaviour_times >= times[0] - step) & (behaviour_times <= times[-1] + step)
    if covered.mean() < 0.5:
        raise ValueError(
            f"behaviour spans {behaviour_times[0]:.2f}-{behaviour_times[-1]:.2f} s but the latents only "
            f"{times[0]:.2f}-{times[-1]:.2f} s: different time bases?"
        )
    features = _lagged(latents, tuple(lags))
    at_behaviour = np.column_stack([np.interp(behaviour_times, times, column) for column in features.T])
    groups, inside = _groups(behaviour_times, trials, n_folds)
    groups, inside = groups[covered[inside]], inside & covered
    x, y = at_behaviour[inside], behaviour[inside]
    if np.unique(groups).size < n_folds:
        raise ValueError(f"need at least {n_folds} trials to hold out, got {np.unique(groups).size}")
    predicted = np.empty_like(y)
    with threadpool_limits(1):  # many small fits: one BLAS thread was 4x faster on a busy 2-core machine
        for train, test in GroupKFold(n_splits=n_folds).split(x, y, groups):
            # the penalty is chosen on contiguous blocks of the training trials (leave-one-out picks too small a
            # penalty: neighbouring samples are nearly copies of each other)
            ridge = RidgeCV(alphas=alphas, cv=KFold(n_splits=n_folds))
            model = make_pipeline(StandardScaler(), ridge).fit(x[train], y[train])
            predicted[test] = model.predict(x[test]).reshape(len(test), -1)
    per_dimension = r2_score(y, predicted, multioutput="raw_values")
    return {
        "r2": float(np.mean(per_dimension)),
        "r2_per_dimension": [float(v) for v in per_dimension],
        "n_samples": int(y.shape[0]),
        "n_trials": int(np.unique(groups).size),
        "predicted": predicted,
        "behaviour": y,
        "times": behaviour_times[inside],
    }
