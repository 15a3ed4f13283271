"""True vs decoded behaviour over time, from a :func:`decode_behaviour` result."""

from __future__ import annotations


def plot_decoded_behaviour(result: dict, max_seconds: float = 20.0, labels: tuple[str, ...] = ("vx", "vy")):
    """One panel per behaviour dimension: held-out truth and prediction over the first ``max_seconds``.

    Parameters
    ----------
    result : dict
        From ``decode_behaviour``.
    max_seconds : float, default: 20.0
        Length of the plotted stretch (from the first decoded sample).
    labels : tuple of str
        Names of the behaviour dimensions.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> plot_decoded_behaviour(decode_behaviour(times, latents, t, velocity, trials=trials)).savefig("decoded.png")
    """
    import matplotlib.pyplot as plt

    times, truth, predicted = result["times"], result["behaviour"], result["predicted"]
    keep = times <= times[0] + max_seconds
    n = truth.shape[1]
    figure, axes = plt.subplots(n, 1, figsize=(9, 2.2 * n), sharex=True, squeeze=False)
    for d, ax in enumerate(axes[:, 0]):
        ax.plot(times[keep], truth[keep, d], ".", ms=2, color="0.3", label="true")
        ax.plot(times[keep], predicted[keep, d], ".", ms=2, color="C1", label="decoded (held-out trials)")
        label = labels[d] if d < len(labels) else f"dim {d}"
        ax.set_ylabel(f"{label}\nR² {result['r2_per_dimension'][d]:.2f}")
    axes[0, 0].legend(loc="upper right", markerscale=4, fontsize=8)
    axes[-1, 0].set_xlabel("time (s)")
    figure.tight_layout()
    return figure
