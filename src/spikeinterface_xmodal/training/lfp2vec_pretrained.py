"""A self-supervised Lfp2Vec encoder as a model folder (kind ``"lfp2vec_pretrained"``): what fine-tuning starts from."""

from __future__ import annotations

from pathlib import Path

from ..model_folder import read_model_card, save_model_folder
from ..model_kinds import register_model_kind
from ..models.lfp2vec import Lfp2VecConfig, Lfp2VecPretraining
from ..region_models.lfp2vec import LFP2VEC_REGION_KIND, load_weights, read_config

LFP2VEC_PRETRAINED_KIND = "lfp2vec_pretrained"
# the folders that fit_lfp2vec_region and continued pretraining start from
STARTING_KINDS = (LFP2VEC_PRETRAINED_KIND, LFP2VEC_REGION_KIND)


@register_model_kind
class PretrainedLfp2Vec:
    """A pretrained ``Lfp2VecPretraining`` network (encoder, quantiser and projections) and its card.

    Parameters
    ----------
    network : Lfp2VecPretraining
    card : dict or None
        Provenance: training data, losses, settings.
    """

    kind = LFP2VEC_PRETRAINED_KIND

    def __init__(self, network: Lfp2VecPretraining, card: dict | None = None):
        self.network = network
        self.card = dict(card or {})

    @property
    def config(self) -> Lfp2VecConfig:
        """The encoder's settings."""
        return self.network.config

    def save(self, folder: str | Path, overwrite: bool = False) -> Path:
        """Write the model folder (``model.safetensors`` + ``card.json``)."""
        from safetensors.torch import save_model

        from ..region_models.lfp2vec import WEIGHTS_FILENAME

        card = dict(self.card)
        card.update(
            kind=LFP2VEC_PRETRAINED_KIND,
            classes=[],
            lfp2vec=self.config.to_dict(),
            sampling_frequency=self.config.sampling_frequency,
            window_s=self.config.window_s,
        )
        write = lambda tmp: save_model(self.network, str(tmp / WEIGHTS_FILENAME))  # noqa: E731
        return save_model_folder(folder, card, write, overwrite=overwrite)

    @classmethod
    def load(cls, folder: str | Path) -> PretrainedLfp2Vec:
        """Load a folder written by ``save``; a ValueError names the folder and what is wrong."""
        folder = Path(folder)
        card = read_model_card(folder, expected_kind=LFP2VEC_PRETRAINED_KIND)
        network = Lfp2VecPretraining(read_config(card, folder))
        load_weights(network, folder)
        return cls(network, card)


def read_starting_card(folder: str | Path) -> dict:
    """The card of a folder to start from (pretrained encoder or fine-tuned region model); else a clear ValueError."""
    card = read_model_card(folder)
    if card["kind"] not in STARTING_KINDS:
        raise ValueError(
            f"The model in {folder} is a {card['kind']!r} model; Lfp2Vec training starts from a folder of kind "
            f"{' or '.join(repr(k) for k in STARTING_KINDS)} (written by pretrain_lfp2vec or fit_lfp2vec_region)"
        )
    return card
