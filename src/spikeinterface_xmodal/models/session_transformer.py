"""A masked-autoencoding transformer shared by sessions, each with its own linear read-in and read-out.

Tokens are time bins: session ``s`` gives ``n_s`` values per bin (its units' counts or its LFP channels); its
read-in maps them to ``d_model``, a learned mask token replaces a fraction of the bins, a shared transformer
encoder with learned positions gives per-bin latents, and the session's read-out maps latents back to ``n_s``
values. The spike teacher and the LFP student differ only in their inputs and losses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class SessionTransformerConfig:
    """Sizes of a :class:`SessionTransformer`.

    Attributes
    ----------
    d_model : int
        Width of the tokens.
    n_layers, n_heads : int
        Transformer encoder layers and attention heads.
    d_latent : int
        Latent dimensions per bin (what behaviour is decoded from).
    dropout : float
        Dropout inside the encoder.
    mask_ratio : float
        Fraction of bins masked during training.
    max_bins : int
        Longest window in bins (size of the learned position table).
    visible_loss_weight : float
        Weight of the reconstruction loss of the unmasked bins, beside that of the masked bins (weight 1). Only
        with it are the latents of unmasked bins trained, and at inference no bin is masked.
    """

    d_model: int = 32
    n_layers: int = 2
    n_heads: int = 4
    d_latent: int = 16
    dropout: float = 0.1
    mask_ratio: float = 0.6
    max_bins: int = 64
    visible_loss_weight: float = 1.0

    def to_dict(self) -> dict:
        """JSON-serialisable fields."""
        return asdict(self)


class SessionTransformer(nn.Module):
    """Session read-ins -> masked shared transformer -> latents -> session read-outs.

    Parameters
    ----------
    config : SessionTransformerConfig
        Sizes.
    session_sizes : dict of str to int
        Values per bin of each session (units or channels), keyed by session id.
    """

    def __init__(self, config: SessionTransformerConfig, session_sizes: dict[str, int]) -> None:
        super().__init__()
        self.config = config
        self.read_in = nn.ModuleDict()
        self.read_out = nn.ModuleDict()
        self.mask_token = nn.Parameter(torch.zeros(config.d_model))
        self.positions = nn.Parameter(torch.randn(config.max_bins, config.d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(
            config.d_model, config.n_heads, 4 * config.d_model, config.dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, config.n_layers, enable_nested_tensor=False)
        self.to_latent = nn.Linear(config.d_model, config.d_latent)
        for session_id, size in session_sizes.items():
            self.add_session(session_id, size)

    def add_session(self, session_id: str, size: int) -> None:
        """Add a read-in and a read-out for a session with ``size`` values per bin."""
        self.read_in[_key(session_id)] = nn.Linear(size, self.config.d_model)
        self.read_out[_key(session_id)] = nn.Linear(self.config.d_latent, size)

    def copy_session(self, session_id: str, source: str) -> None:
        """Set the read-in and read-out of ``session_id`` to (trainable) copies of those of ``source``."""
        for layers in (self.read_in, self.read_out):
            layers[_key(session_id)].load_state_dict(layers[_key(source)].state_dict())

    def copy_read_out(self, session_id: str, source: str) -> None:
        """Give ``session_id`` a frozen copy of the read-out of ``source`` (same number of values per bin)."""
        layer = self.read_out[_key(session_id)]
        layer.load_state_dict(self.read_out[_key(source)].state_dict())
        layer.requires_grad_(False)

    def session_sizes(self) -> dict[str, int]:
        """Values per bin of each session's read-in."""
        return {_unkey(key): layer.in_features for key, layer in self.read_in.items()}

    def shared_parameters(self) -> list[nn.Parameter]:
        """Everything but the read-ins and read-outs."""
        own = {id(p) for p in [*self.read_in.parameters(), *self.read_out.parameters()]}
        return [p for p in self.parameters() if id(p) not in own]

    def random_mask(self, batch: int, n_bins: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """A boolean (batch, n_bins) mask with ``mask_ratio`` of each row's bins True (at least one)."""
        n_masked = max(1, round(self.config.mask_ratio * n_bins))
        scores = torch.rand(batch, n_bins, generator=generator, device=self.mask_token.device)
        ranks = scores.argsort(dim=1).argsort(dim=1)
        return ranks < n_masked

    def forward(self, session_id: str, values: torch.Tensor, mask: torch.Tensor | None = None) -> tuple:
        """Latents and reconstruction of a batch of windows of one session.

        Parameters
        ----------
        session_id : str
            Which read-in and read-out to use.
        values : torch.Tensor
            Inputs, shape (batch, n_bins, n_values) with n_bins <= ``max_bins``.
        mask : torch.Tensor or None
            Boolean (batch, n_bins): bins replaced by the mask token.

        Returns
        -------
        (latents, reconstruction)
            Shapes (batch, n_bins, d_latent) and (batch, n_bins, n_values).
        """
        tokens = self.read_in[_key(session_id)](values)
        if mask is not None:
            tokens = torch.where(mask[..., None], self.mask_token.to(tokens.dtype), tokens)
        hidden = self.encoder(tokens + self.positions[: values.shape[1]])
        latents = self.to_latent(hidden)
        return latents, self.read_out[_key(session_id)](latents)

    def masked_loss(self, loss_fn, prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``loss_fn`` on the masked bins plus ``visible_loss_weight`` times it on the unmasked bins."""
        loss = loss_fn(prediction[mask], target[mask])
        if self.config.visible_loss_weight and not bool(mask.all()):
            loss = loss + self.config.visible_loss_weight * loss_fn(prediction[~mask], target[~mask])
        return loss


def _key(session_id: str) -> str:
    """A ModuleDict key for any session id (keys cannot contain dots)."""
    return session_id.replace("%", "%25").replace(".", "%2E")


def _unkey(key: str) -> str:
    return key.replace("%2E", ".").replace("%25", "%")
