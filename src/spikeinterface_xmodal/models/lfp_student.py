"""The LFP student: a multi-session masked autoencoder of binned LFP whose latents can be aligned to a teacher's."""

from __future__ import annotations

import torch
from torch.nn import functional

from .session_transformer import SessionTransformer, SessionTransformerConfig

DEFAULT_ALIGNMENT_WEIGHT = 5.0


class LFPStudent(SessionTransformer):
    """Each session's LFP channels -> shared tokens; masked bins reconstructed with a squared error.

    Inputs are standardised LFP bins (the caller standardises per channel). With teacher latents, the loss adds
    ``alignment_weight * (1 - cosine similarity)`` between the student's and the teacher's latents, time-aligned
    bin by bin (see :func:`alignment_loss`).

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
            loss = loss + alignment_weight * alignment_loss(latents, teacher_latents)
        return loss


def alignment_loss(latents: torch.Tensor, teacher_latents: torch.Tensor) -> torch.Tensor:
    """``1 - cosine similarity`` of each latent dimension's course over a window's bins, centred, averaged.

    Both tensors are (batch, n_bins, d_latent), bin ``t`` of one the same time as bin ``t`` of the other. The
    cosine is taken along time for each dimension (a correlation over the window): it leaves each dimension's
    scale and offset free, which a linear decoder ignores, but not the size of one bin's latent against
    another's. Taken across dimensions bin by bin instead, each bin's norm is left free, and the reconstruction
    loss fills it with LFP noise: a per-bin gain that a linear decoder cannot undo (the distilled student
    decoded behaviour below the LFP-only baselines that way; ``docs/distillation.md``).
    """
    latents = latents - latents.mean(dim=1, keepdim=True)
    teacher_latents = teacher_latents - teacher_latents.mean(dim=1, keepdim=True)
    return (1.0 - functional.cosine_similarity(latents, teacher_latents, dim=1)).mean()


__all__ = ["DEFAULT_ALIGNMENT_WEIGHT", "LFPStudent", "SessionTransformerConfig", "alignment_loss"]
