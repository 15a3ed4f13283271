"""The LFP student: a multi-session masked autoencoder of binned LFP whose latents can be aligned to a teacher's."""

from __future__ import annotations

import torch
from torch.nn import functional

from .session_transformer import SessionTransformer, SessionTransformerConfig

DEFAULT_ALIGNMENT_WEIGHT = 5.0


class LFPStudent(SessionTransformer):
    """Each session's LFP channels -> shared tokens; masked bins reconstructed with a squared error.

    Inputs are standardised LFP bins (the caller standardises per channel). With teacher latents, the loss adds
    ``alignment_weight * (1 - cosine similarity)`` between the student's and the teacher's latents of every bin.

    Examples
    --------
    >>> student = LFPStudent(SessionTransformerConfig(), {"s0": 26})
    >>> loss = student.loss("s0", lfp_bins, teacher_latents=teacher_latents)
    """

    def latents(self, session_id: str, lfp: torch.Tensor) -> torch.Tensor:
        """Latents of unmasked windows of standardised LFP bins, shape (batch, n_bins, d_latent)."""
        return self(session_id, lfp)[0]

    def loss(
        self,
        session_id: str,
        lfp: torch.Tensor,
        teacher_latents: torch.Tensor | None = None,
        alignment_weight: float = DEFAULT_ALIGNMENT_WEIGHT,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Reconstruction error (masked, plus weighted unmasked bins) + weighted alignment to ``teacher_latents``."""
        mask = self.random_mask(*lfp.shape[:2]) if mask is None else mask
        latents, reconstruction = self(session_id, lfp, mask)
        loss = self.masked_loss(functional.mse_loss, reconstruction, lfp, mask)
        if teacher_latents is not None:
            alignment = 1.0 - functional.cosine_similarity(latents, teacher_latents, dim=-1)
            loss = loss + alignment_weight * alignment.mean()
        return loss


__all__ = ["DEFAULT_ALIGNMENT_WEIGHT", "LFPStudent", "SessionTransformerConfig"]
