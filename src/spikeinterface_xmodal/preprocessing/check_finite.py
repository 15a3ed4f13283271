"""A pass-through preprocessor that names the channels holding NaN or Inf samples as soon as they are read."""

from __future__ import annotations

import numpy as np
from spikeinterface.core import BaseRecording
from spikeinterface.core.core_tools import define_function_handling_dict_from_class
from spikeinterface.preprocessing.basepreprocessor import BasePreprocessor, BasePreprocessorSegment


class CheckFiniteRecording(BasePreprocessor):
    """Traces of ``recording``, unchanged; reading NaN or Inf raises a ValueError naming channels and frames.

    Filters and resamplers spread a single NaN over a whole chunk and fail without saying where it came from
    (SpikeInterface's ``resample``: "Resampling produced nonfinite values"); placed before them, this node
    reports the culprits instead.

    Parameters
    ----------
    recording : BaseRecording
        The recording to guard.
    """

    def __init__(self, recording: BaseRecording):
        BasePreprocessor.__init__(self, recording)
        for segment_index, parent_segment in enumerate(recording.segments):
            self.add_recording_segment(
                CheckFiniteRecordingSegment(parent_segment, recording.channel_ids, segment_index)
            )
        self._kwargs = dict(recording=recording)


class CheckFiniteRecordingSegment(BasePreprocessorSegment):
    def __init__(self, parent_recording_segment, channel_ids: np.ndarray, segment_index: int):
        BasePreprocessorSegment.__init__(self, parent_recording_segment)
        self.channel_ids = np.asarray(channel_ids)
        self.segment_index = segment_index

    def get_traces(self, start_frame, end_frame, channel_indices):
        traces = self.parent_recording_segment.get_traces(start_frame, end_frame, channel_indices)
        if traces.dtype.kind == "f":
            bad = ~np.isfinite(traces).all(axis=0)
            if np.any(bad):
                ids = self.channel_ids[channel_indices if channel_indices is not None else slice(None)][bad]
                raise ValueError(
                    f"The recording has NaN or Inf samples on channels {ids[:10].tolist()}"
                    f"{' and more' if ids.size > 10 else ''} (segment {self.segment_index}, frames "
                    f"{start_frame}-{end_frame}). Interpolate or remove those channels first, e.g. with "
                    "spikeinterface.preprocessing.interpolate_bad_channels."
                )
        return traces


check_finite = define_function_handling_dict_from_class(source_class=CheckFiniteRecording, name="check_finite")
