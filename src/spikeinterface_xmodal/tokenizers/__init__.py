"""Tokenizers: LFP windows -> tokens."""

from .compute import SpectralTokens, compute_spectral_tokens
from .spectral import DEFAULT_BANDS, SpectralTokenizer

__all__ = ["DEFAULT_BANDS", "SpectralTokenizer", "SpectralTokens", "compute_spectral_tokens"]
