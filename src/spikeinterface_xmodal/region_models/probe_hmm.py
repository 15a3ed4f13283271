"""Hidden-Markov smoothing of region labels along the probe (as IBL's ephys atlas does)."""

from __future__ import annotations

import numpy as np
from spikeinterface.core import BaseRecording


def probe_order(channel_locations: np.ndarray, shank_ids: np.ndarray | None = None) -> list[np.ndarray]:
    """Channel indices of each shank, ordered from the tip upwards (by depth, then by x).

    Parameters
    ----------
    channel_locations : np.ndarray
        Shape (n_channels, 2+), column 1 is the position along the probe.
    shank_ids : np.ndarray or None
        Shank of each channel; None treats the probe as one shank.

    Returns
    -------
    list of np.ndarray
        One array of channel indices per shank.
    """
    locations = np.asarray(channel_locations, dtype="float64")
    shank_ids = np.zeros(locations.shape[0]) if shank_ids is None else np.asarray(shank_ids)
    orders = []
    for shank in np.unique(shank_ids):
        members = np.flatnonzero(shank_ids == shank)
        orders.append(members[np.lexsort((locations[members, 0], locations[members, 1]))])
    return orders


def recording_probe_order(recording: BaseRecording) -> list[np.ndarray]:
    """Channel indices per shank, tip upwards, from the recording's locations and ``group`` property."""
    return probe_order(recording.get_channel_locations(), recording.get_property("group"))


class ProbeHMM:
    """A hidden-Markov model over channels ordered along the probe.

    States are regions; the transition matrix is learned from label sequences of training probes
    (with a pseudocount). The per-channel probabilities of a class-balanced classifier act as
    emission likelihoods: balanced training removes the class prior from its output, so the output
    is proportional to p(features | region), and the HMM supplies the prior through its start and
    transition probabilities. Smoothing returns the forward-backward posterior of each channel given
    its whole shank, and labels each channel with its most probable region.

    Parameters
    ----------
    pseudocount : float, default: 1.0
        Added to every transition count.
    """

    def __init__(self, pseudocount: float = 1.0):
        self.pseudocount = pseudocount

    def fit(self, label_sequences: list[np.ndarray], classes: list[str]) -> ProbeHMM:
        """Learn transitions and priors from label sequences ordered along probes."""
        self.classes_ = np.asarray(classes, dtype=str)
        index = {label: i for i, label in enumerate(self.classes_)}
        n = len(self.classes_)
        counts = np.full((n, n), float(self.pseudocount))
        occupancy = np.full(n, float(self.pseudocount))
        for sequence in label_sequences:
            states = np.array([index[label] for label in sequence], dtype=int)
            np.add.at(counts, (states[:-1], states[1:]), 1.0)
            np.add.at(occupancy, states, 1.0)
        self.transition_ = counts / counts.sum(axis=1, keepdims=True)
        self.prior_ = occupancy / occupancy.sum()
        return self

    def to_dict(self) -> dict:
        """JSON-serialisable fitted state."""
        return dict(
            pseudocount=self.pseudocount,
            classes=self.classes_.tolist(),
            transition=self.transition_.tolist(),
            prior=self.prior_.tolist(),
        )

    @classmethod
    def from_dict(cls, state: dict) -> ProbeHMM:
        """Rebuild a fitted model from ``to_dict`` output; a ValueError names the field that is wrong."""
        try:
            classes = [str(c) for c in state["classes"]]
            transition = np.asarray(state["transition"], dtype="float64")
            prior = np.asarray(state["prior"], dtype="float64")
            pseudocount = float(state["pseudocount"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"unreadable smoothing state: {error!r}") from error
        n = len(classes)
        if len(set(classes)) != n:
            raise ValueError(f"smoothing classes are not unique: {classes}")
        if transition.shape != (n, n) or prior.shape != (n,):
            raise ValueError(
                f"smoothing transition must be ({n}, {n}) and prior ({n},) for {n} classes; "
                f"got {transition.shape} and {prior.shape}"
            )
        for name, values in (("transition", transition), ("prior", prior)):
            if not np.all(np.isfinite(values)) or np.any(values < 0):
                raise ValueError(f"smoothing {name} must hold finite non-negative probabilities")
        if not np.allclose(transition.sum(axis=1), 1.0, atol=1e-6) or not np.isclose(prior.sum(), 1.0, atol=1e-6):
            raise ValueError("smoothing transition rows and prior must each sum to 1")
        hmm = cls(pseudocount=pseudocount)
        hmm.classes_ = np.asarray(classes, dtype=str)
        hmm.transition_ = transition
        hmm.prior_ = prior
        return hmm

    @staticmethod
    def _log_emissions(probabilities: np.ndarray) -> np.ndarray:
        return np.log(np.clip(probabilities, 1e-9, 1.0))

    def smooth_sequence(self, probabilities: np.ndarray) -> np.ndarray:
        """Forward-backward posteriors of one ordered sequence of per-channel class probabilities.

        Parameters
        ----------
        probabilities : np.ndarray
            Shape (n_channels, n_classes), in probe order, columns following ``classes_``.

        Returns
        -------
        np.ndarray
            State posteriors given the whole shank, same shape.
        """
        from scipy.special import logsumexp  # slow to import: only when smoothing

        log_e = self._log_emissions(probabilities)
        with np.errstate(divide="ignore"):  # an impossible transition is log(0) = -inf, as it should be
            log_t = np.log(self.transition_)
            log_prior = np.log(self.prior_)
        n, k = log_e.shape
        alpha = np.empty((n, k))
        beta = np.zeros((n, k))
        alpha[0] = log_prior + log_e[0]
        for t in range(1, n):
            alpha[t] = logsumexp(alpha[t - 1][:, None] + log_t, axis=0) + log_e[t]
        for t in range(n - 2, -1, -1):
            beta[t] = logsumexp(log_t + (log_e[t + 1] + beta[t + 1])[None, :], axis=1)
        log_posterior = alpha + beta
        return np.exp(log_posterior - logsumexp(log_posterior, axis=1, keepdims=True))

    def smooth(self, probabilities: np.ndarray, orders: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Smooth every shank of a probe.

        Parameters
        ----------
        probabilities : np.ndarray
            Shape (n_channels, n_classes) in channel order.
        orders : list of np.ndarray
            From ``probe_order``.

        Returns
        -------
        posterior : np.ndarray
            Shape (n_channels, n_classes) in channel order.
        labels : np.ndarray
            Most probable region (str) of each channel given its whole shank, in channel order.
        """
        posterior = np.empty_like(probabilities, dtype="float64")
        for order in orders:
            posterior[order] = self.smooth_sequence(probabilities[order])
        return posterior, self.classes_[posterior.argmax(axis=1)]
