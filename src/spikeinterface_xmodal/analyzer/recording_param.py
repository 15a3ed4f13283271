"""The ``lfp_recording`` parameter of our extensions: stored as a JSON description, given back as a recording."""

from __future__ import annotations

from spikeinterface.core import BaseRecording, load
from spikeinterface.core.sortinganalyzer import AnalyzerExtension


def describe_recording(recording: BaseRecording | dict | None) -> dict | None:
    """JSON description of a recording for an extension's params: its ``to_dict`` when it can be reloaded.

    A description (as stored in the params) is accepted as it is, so that params round-trip; a recording that
    cannot be serialised is described as ``{"in_memory": ...}``.
    """
    if recording is None or isinstance(recording, dict):
        return recording
    if not isinstance(recording, BaseRecording):
        raise TypeError(f"lfp_recording must be a spikeinterface BaseRecording, got {type(recording).__name__}")
    if recording.check_serializability("json"):
        return recording.to_dict(recursive=True, relative_to=None)
    return dict(in_memory=str(recording))


def given_or_analyzer_recording(extension: AnalyzerExtension) -> BaseRecording:
    """The recording given as ``lfp_recording`` (the live one, else reloaded from the params), else the analyzer's.

    Raises
    ------
    ValueError
        If the given recording lived in memory and is gone, or none was given and the analyzer has no recording.
    """
    name = extension.extension_name
    recording = getattr(extension, "_lfp_recording", None)
    description = extension.params["lfp_recording"]
    if recording is None and description is not None:
        if "in_memory" in description:
            raise ValueError(
                f"The LFP recording given to {name} lived in memory and is gone; compute again with "
                "lfp_recording=<recording> (save it first, e.g. lfp.save(folder=...), to make it reloadable)"
            )
        recording = extension._lfp_recording = load(description)
    if recording is None:
        if not extension.sorting_analyzer.has_recording():
            raise ValueError(
                f"{name} needs an LFP recording: pass lfp_recording=..., or attach the recording to the analyzer "
                "(analyzer.set_temporary_recording(recording))"
            )
        recording = extension.sorting_analyzer.recording
    return recording
