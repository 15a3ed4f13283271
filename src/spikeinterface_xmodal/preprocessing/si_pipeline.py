"""The package's preprocessing nodes in SpikeInterface's pipeline registry.

SpikeInterface's ``apply_preprocessing_pipeline`` / ``PreprocessingPipeline`` look steps up by function name in
``spikeinterface.preprocessing.pipeline.pp_names_to_functions``, and ``get_preprocessing_list_from_file`` turns
a saved recording's classes back into steps through ``spikeinterface.preprocessing.preprocessor_dict``. Both
are plain dictionaries filled when SpikeInterface is imported; importing this module (which
``import spikeinterface_xmodal`` does) adds the package's nodes to them.
"""

from __future__ import annotations

from collections.abc import Callable

from spikeinterface.preprocessing import preprocessor_dict
from spikeinterface.preprocessing.pipeline import pp_names_to_functions

from .band_power import BandPowerRecording, band_power
from .check_finite import CheckFiniteRecording, check_finite
from .extract_lfp import extract_lfp
from .lfp_latents import LfpLatentsRecording, lfp_latents


def register_preprocessor(function: Callable, recording_class: type | None = None) -> Callable:
    """Make ``function`` a step that SpikeInterface's preprocessing pipelines can name.

    Parameters
    ----------
    function : callable
        ``function(recording, **params) -> BaseRecording``; steps name it by ``function.__name__``.
    recording_class : type or None, default: None
        The recording class ``function`` builds, so that a saved recording made of it lists the step
        (``get_preprocessing_list_from_file``); None for a function that chains SpikeInterface's own nodes
        (such as ``extract_lfp``, listed back as ``resample`` and ``highpass_filter``).

    Returns
    -------
    callable
        ``function``, unchanged.

    Examples
    --------
    >>> register_preprocessor(my_filter, MyFilterRecording)
    >>> apply_preprocessing_pipeline(recording, [{"name": "my_filter", "params": {}}])
    """
    registered = pp_names_to_functions.get(function.__name__)
    if registered is not None and registered is not function:
        raise ValueError(f"A different preprocessing step is already registered as {function.__name__!r}")
    pp_names_to_functions[function.__name__] = function
    if recording_class is not None:
        preprocessor_dict[recording_class.__name__] = function
    return function


register_preprocessor(extract_lfp)
register_preprocessor(band_power, BandPowerRecording)
register_preprocessor(check_finite, CheckFiniteRecording)
register_preprocessor(lfp_latents, LfpLatentsRecording)
