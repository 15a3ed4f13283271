"""The spike teacher: a multi-session masked autoencoder of binned spike counts with a Poisson loss."""

from __future__ import annotations

import torch
from torch.nn import functional

from .session_transformer import SessionTransformer, SessionTransformerConfig


class SpikeTeacher(SessionTransformer):
    """Each session's units -> shared tokens; masked bins reconstructed as Poisson log-rates.

    Inputs are ``log1p`` of the counts; the read-out gives log firing rates per bin.

    Examples
    --------
    >>> teacher = SpikeTeacher(SessionTransformerConfig(), {"s0": 56, "s1": 46})
    >>> loss = teacher.loss("s0", counts)  # counts: (batch, n_bins, 56)
    """

    def latents(self, session_id: str, counts: torch.Tensor) -> torch.Tensor:
        """Latents of unmasked windows of counts, shape (batch, n_bins, d_latent)."""
        return self(session_id, torch.log1p(counts))[0]

    def loss(self, session_id: str, counts: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Poisson negative log-likelihood of the counts (masked, plus weighted unmasked bins); random mask if None."""
        mask = self.random_mask(*counts.shape[:2]) if mask is None else mask
        _, log_rates = self(session_id, torch.log1p(counts), mask)
        return self.masked_loss(_poisson, log_rates, counts, mask)


def _poisson(log_rates: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    return functional.poisson_nll_loss(log_rates, counts, log_input=True, full=False)


__all__ = ["SessionTransformerConfig", "SpikeTeacher"]
