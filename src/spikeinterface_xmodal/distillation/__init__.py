"""Spike-teacher / LFP-student distillation: sessions, binning and behaviour decoding (the models train in
``training``). Everything loads on first use."""

from .._lazy import lazy_attributes

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "DistillationSession": ".session",
        "as_distillation_session": ".session",
        "decode_behaviour": ".decoding",
        "plot_decoded_behaviour": ".plots",
    },
)

__all__ = ["DistillationSession", "as_distillation_session", "decode_behaviour", "plot_decoded_behaviour"]
