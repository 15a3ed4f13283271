"""Analysis windows of a recording: reproducible sampling (``sample_windows``), chunked reading (``read_windows``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from spikeinterface.core import BaseRecording
from spikeinterface.core.job_tools import TimeSeriesChunkExecutor, fix_job_kwargs
from threadpoolctl import threadpool_limits

window_dtype = np.dtype([("segment_index", "int64"), ("start_frame", "int64")])
_TRANSPOSE_BLOCK = 512


def window_length_samples(recording: BaseRecording, window_s: float) -> int:
    """Number of samples in a window of ``window_s`` seconds at the recording's sampling rate."""
    if window_s <= 0:
        raise ValueError(f"window_s must be positive, got {window_s}")
    return round(window_s * recording.sampling_frequency)


def sample_windows(
    recording: BaseRecording,
    window_s: float = 3.0,
    n_windows: int | None = 20,
    seed: int | None = 0,
) -> np.ndarray:
    """Choose non-overlapping analysis windows, reproducibly.

    The recording is tiled into consecutive non-overlapping windows of ``window_s`` seconds in every
    segment; ``n_windows`` of them are drawn without replacement with ``seed`` (all of them when
    ``n_windows`` is None or larger than the number of tiles). Windows are returned sorted by time.

    Parameters
    ----------
    recording : BaseRecording
        The recording to cut.
    window_s : float, default: 3.0
        Window length in seconds.
    n_windows : int or None, default: 20
        How many windows to draw; None takes every window.
    seed : int or None, default: 0
        Seed of the draw.

    Returns
    -------
    np.ndarray
        Structured array with fields ``segment_index`` and ``start_frame``, sorted.
    """
    window_len = window_length_samples(recording, window_s)
    tiles = []
    for segment_index in range(recording.get_num_segments()):
        n_tiles = recording.get_num_samples(segment_index) // window_len
        starts = np.arange(n_tiles, dtype="int64") * window_len
        tiles.append(np.column_stack([np.full(n_tiles, segment_index), starts]))
    tiles = np.concatenate(tiles) if tiles else np.zeros((0, 2), dtype="int64")
    if tiles.shape[0] == 0:
        longest = max(recording.get_duration(s) for s in range(recording.get_num_segments()))
        raise ValueError(
            f"The recording is shorter than one window: its longest segment lasts {longest:.2f} s "
            f"and the window is {window_s} s. Use a shorter window or a longer recording."
        )
    if n_windows is not None:
        if n_windows <= 0:
            raise ValueError(f"n_windows must be positive or None, got {n_windows}")
        if n_windows < tiles.shape[0]:
            rng = np.random.default_rng(seed)
            tiles = tiles[np.sort(rng.choice(tiles.shape[0], size=n_windows, replace=False))]
    windows = np.zeros(tiles.shape[0], dtype=window_dtype)
    windows["segment_index"] = tiles[:, 0]
    windows["start_frame"] = tiles[:, 1]
    return windows


WindowBatchFunction = Callable[[np.ndarray], Mapping[str, np.ndarray]]


def _check_windows(recording: BaseRecording, windows: np.ndarray, window_len: int) -> None:
    """Raise a ValueError unless every window lies inside its segment."""
    if windows.dtype.names is None or not {"segment_index", "start_frame"} <= set(windows.dtype.names):
        raise ValueError(
            f"windows must be a structured array with fields segment_index and start_frame (see sample_windows), "
            f"got dtype {windows.dtype}"
        )
    for segment_index in np.unique(windows["segment_index"]):
        if not 0 <= segment_index < recording.get_num_segments():
            raise ValueError(
                f"A window names segment {segment_index}; the recording has {recording.get_num_segments()}"
            )
        starts = windows["start_frame"][windows["segment_index"] == segment_index]
        n_samples = recording.get_num_samples(int(segment_index))
        outside = starts[(starts < 0) | (starts + window_len > n_samples)]
        if outside.size:
            raise ValueError(
                f"A window of {window_len} samples starting at frame {outside[0]} does not fit in segment "
                f"{segment_index} ({n_samples} samples)."
            )


def _chunk_slices(windows: np.ndarray, window_len: int, chunk_size: int) -> list[tuple[int, int, int]]:
    """Group windows by segment and ``start_frame // chunk_size``; one (segment, first, last) frame span per group.

    A span holds at most ``chunk_size`` + one window of samples, and each window falls in exactly one span.
    """
    keys = np.column_stack([windows["segment_index"], windows["start_frame"] // chunk_size])
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = group.ravel()
    first = np.full(group.max() + 1, np.iinfo("int64").max)
    last = np.full(group.max() + 1, -1)
    np.minimum.at(first, group, windows["start_frame"])
    np.maximum.at(last, group, windows["start_frame"])
    segment = np.zeros(group.max() + 1, dtype="int64")
    segment[group] = windows["segment_index"]
    return [(int(s), int(a), int(b) + window_len) for s, a, b in zip(segment, first, last, strict=True)]


def _init_window_reader(recording, windows, window_len, batch_function):
    return dict(recording=recording, windows=windows, window_len=window_len, batch_function=batch_function)


def _read_chunk_windows(segment_index, start_frame, end_frame, worker_dict):
    """Read one span, cut its windows into a float32 batch and run the batch function on it."""
    recording, windows, window_len = worker_dict["recording"], worker_dict["windows"], worker_dict["window_len"]
    in_chunk = np.flatnonzero(
        (windows["segment_index"] == segment_index)
        & (windows["start_frame"] >= start_frame)
        & (windows["start_frame"] + window_len <= end_frame)
    )
    traces = recording.get_traces(segment_index=segment_index, start_frame=start_frame, end_frame=end_frame)
    # channel-major memory: each channel's window is contiguous, as FFTs and sequence models read it
    channels_first = np.empty((in_chunk.size, traces.shape[1], window_len), dtype="float32")
    for row, start in enumerate(windows["start_frame"][in_chunk] - start_frame):
        for offset in range(0, window_len, _TRANSPOSE_BLOCK):  # blocks of samples: the transpose stays in cache
            stop = min(offset + _TRANSPOSE_BLOCK, window_len)
            channels_first[row, :, offset:stop] = traces[start + offset : start + stop].T
    batch = channels_first.transpose(0, 2, 1)
    if not np.issubdtype(traces.dtype, np.integer):
        _check_finite(batch, recording, segment_index, start_frame, end_frame)
    return in_chunk, worker_dict["batch_function"](batch)


def _check_finite(batch: np.ndarray, recording: BaseRecording, segment_index: int, start: int, end: int) -> None:
    """Raise a ValueError naming the channels with NaN or Inf samples in ``batch``."""
    # a sum is non-finite when a term is (or, for values near float32's limit, when it overflows): check those exactly
    suspect = ~np.isfinite(batch.sum(axis=1)).all(axis=0)
    if not suspect.any():
        return
    bad = np.flatnonzero(suspect)[~np.isfinite(batch[:, :, suspect]).all(axis=(0, 1))]
    if bad.size:
        raise ValueError(
            f"The recording has NaN or Inf samples on channels {recording.channel_ids[bad][:10].tolist()} "
            f"(segment {segment_index}, frames {start}-{end}). Interpolate or remove those channels "
            "first, e.g. with spikeinterface.preprocessing.interpolate_bad_channels."
        )


def read_windows(
    recording: BaseRecording,
    windows: np.ndarray,
    window_s: float,
    batch_function: WindowBatchFunction,
    job_name: str = "read windows",
    **job_kwargs,
) -> dict[str, np.ndarray]:
    """Read analysis windows of a recording in chunks and gather a per-window result of each batch.

    The windows (as drawn by ``sample_windows``) are grouped into spans of about ``chunk_size`` samples
    (``chunk_duration`` / ``chunk_size`` / ``chunk_memory`` job kwargs); SpikeInterface's
    ``TimeSeriesChunkExecutor`` reads each span once (``n_jobs`` processes or threads) and hands its
    windows to ``batch_function`` as one float32 array. Results are written into output arrays allocated
    once, so peak memory is one span and its batch per worker, whatever the recording length; only the
    outputs grow with the number of windows. BLAS / OpenMP threads are limited to the
    ``max_threads_per_worker`` job kwarg (default 1), with ``n_jobs=1`` too.

    Parameters
    ----------
    recording : BaseRecording
        The recording; traces are read as stored (``return_in_uV=False``) and cast to float32.
    windows : np.ndarray
        Structured array with fields ``segment_index`` and ``start_frame`` (see ``sample_windows``), in any order.
    window_s : float
        Window length in seconds (``window_length_samples`` samples).
    batch_function : callable
        ``batch_function(batch) -> {name: array}``. ``batch`` has shape (n_windows_in_chunk, n_samples,
        n_channels), float32, one row per window in the order of ``windows``; its memory is channel-major
        (``batch.transpose(0, 2, 1)`` is C-contiguous: each channel's window is contiguous) and it is the
        function's to modify in place. Each returned array has one row per window of the batch; rows are
        gathered into ``{name: array of shape (n_windows, ...)}``. With ``n_jobs > 1`` and process workers
        it must be picklable (a module-level function, a ``functools.partial`` of one, or an instance of a
        module-level class with ``__call__``).
    job_name : str, default: "read windows"
        Name shown by the progress bar.
    **job_kwargs
        SpikeInterface job kwargs: ``n_jobs``, ``chunk_duration``, ``progress_bar``, ``pool_engine``,
        ``max_threads_per_worker``, ...

    Returns
    -------
    dict of str to np.ndarray
        The batch function's outputs for every window, rows following ``windows``.

    Raises
    ------
    ValueError
        When ``windows`` is empty or a window does not fit in its segment, when a window has NaN or Inf
        samples (naming the channels), or when batch results lack rows or change names or shapes.

    Examples
    --------
    Per-window, per-channel z-scored waveforms for a raw-waveform model::

        def zscore(batch):
            batch -= batch.mean(axis=1, keepdims=True)
            batch /= np.maximum(batch.std(axis=1, keepdims=True), 1e-12)
            return {"waveforms": batch.transpose(0, 2, 1).copy()}  # (n_windows, n_channels, n_samples)

        waveforms = read_windows(lfp, sample_windows(lfp, 3.0), 3.0, zscore, n_jobs=2)["waveforms"]
    """
    windows = np.asarray(windows)
    if windows.size == 0:
        raise ValueError("windows is empty: there is nothing to read")
    window_len = window_length_samples(recording, window_s)
    _check_windows(recording, windows, window_len)
    job_kwargs = fix_job_kwargs(job_kwargs)
    outputs: dict[str, np.ndarray] = {}

    def gather(result):
        window_indices, batch_outputs = result
        batch_outputs = {name: np.asarray(values) for name, values in batch_outputs.items()}
        if not outputs:
            outputs.update({name: np.empty((windows.size, *v.shape[1:]), v.dtype) for name, v in batch_outputs.items()})
        if set(batch_outputs) != set(outputs):
            raise ValueError(f"batch_function returned {sorted(batch_outputs)}, earlier batches {sorted(outputs)}")
        for name, values in batch_outputs.items():
            if values.shape[:1] != (window_indices.size,):
                raise ValueError(
                    f"batch_function output {name!r} has shape {values.shape}; expected one row per window "
                    f"of the batch ({window_indices.size})"
                )
            outputs[name][window_indices] = values

    executor = TimeSeriesChunkExecutor(
        recording,
        _read_chunk_windows,
        _init_window_reader,
        (recording, windows, window_len, batch_function),
        gather_func=gather,
        job_name=job_name,
        **job_kwargs,
    )
    chunk_size = executor.chunk_size or max(recording.get_num_samples(s) for s in range(recording.get_num_segments()))
    slices = _chunk_slices(windows, window_len, chunk_size)
    # worker processes limit their threads themselves (max_threads_per_worker); do the same in-process
    with threadpool_limits(limits=job_kwargs.get("max_threads_per_worker") if executor.n_jobs == 1 else None):
        executor.run(slices=slices)
    return outputs
