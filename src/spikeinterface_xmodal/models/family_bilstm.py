"""An attention BiLSTM over feature families: one token per family, attention weights per family.

Each family's features (and their missing-value mask) are projected to a shared width by their own linear layer,
a learned family embedding is added, a bidirectional LSTM runs over the family tokens, and additive attention
pools the tokens into one vector that a linear head classifies. The attention weights say how much each family
contributed to a cell's prediction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class FamilyBiLSTMConfig:
    """Shape of a ``FamilyBiLSTM``.

    Parameters
    ----------
    family_sizes : list of int
        Number of features of each family, in token order (the input's columns are grouped by family).
    n_classes : int
        Output classes.
    width : int, default: 32
        Shared width every family is projected to.
    hidden : int, default: 32
        LSTM hidden size per direction.
    dropout : float, default: 0.2
        Dropout on the tokens and before the head.
    """

    family_sizes: list[int]
    n_classes: int
    width: int = 32
    hidden: int = 32
    dropout: float = 0.2

    def to_dict(self) -> dict:
        """JSON-serialisable fields."""
        return asdict(self)


class FamilyBiLSTM(nn.Module):
    """Family tokens -> BiLSTM -> additive attention -> class logits.

    ``forward(values, missing)`` takes (batch, n_features) standardised values (0 where missing) and the
    (batch, n_features) missing mask as floats, columns grouped by family; it returns (logits, attention) with
    attention (batch, n_families) summing to one per cell.
    """

    def __init__(self, config: FamilyBiLSTMConfig):
        super().__init__()
        self.config = config
        self.projections = nn.ModuleList(nn.Linear(2 * size, config.width) for size in config.family_sizes)
        self.family_embedding = nn.Parameter(torch.zeros(len(config.family_sizes), config.width))
        self.dropout = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(config.width, config.hidden, batch_first=True, bidirectional=True)
        self.score = nn.Sequential(nn.Linear(2 * config.hidden, config.hidden), nn.Tanh(), nn.Linear(config.hidden, 1))
        self.head = nn.Linear(2 * config.hidden, config.n_classes)

    def forward(self, values: torch.Tensor, missing: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        sizes = self.config.family_sizes
        tokens = torch.stack(
            [
                torch.nn.functional.gelu(projection(torch.cat([v, m], dim=1)))
                for projection, v, m in zip(
                    self.projections, values.split(sizes, dim=1), missing.split(sizes, dim=1), strict=True
                )
            ],
            dim=1,
        )
        states, _ = self.lstm(self.dropout(tokens + self.family_embedding))
        attention = torch.softmax(self.score(states).squeeze(-1), dim=1)
        pooled = (attention.unsqueeze(-1) * states).sum(dim=1)
        return self.head(self.dropout(pooled)), attention
