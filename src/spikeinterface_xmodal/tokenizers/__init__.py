"""Tokenizers: LFP windows -> tokens."""

from .compute import SpectralTokens, compute_spectral_tokens
from .spatial import nearest_neighbours, neighbour_correlation
from .spectral import DEFAULT_BANDS, SpectralTokenizer

__all__ = [
    "DEFAULT_BANDS",
    "SpectralTokenizer",
    "SpectralTokens",
    "compute_spectral_tokens",
    "nearest_neighbours",
    "neighbour_correlation",
]
