"""Throughput and peak memory of ``compute_spectral_tokens`` on 384-channel LFP recordings, beside an rfft-Welch floor.

What it measures: every 3 s window (``n_windows=None``) of two 384-channel 2.5 kHz recordings with a
linear probe is tokenized with SpikeInterface job kwargs ``n_jobs`` and ``chunk_duration``:

* ``lazy_generator``: a lazily generated noise recording (``NoiseGeneratorRecording``, strategy
  ``"on_the_fly"``, float32): traces are generated on every read (rows in ``results``);
* ``binary_folder_int16``: the real read path: the same kind of noise rounded to int16 and saved once to
  a binary folder (``recording.save``), then read back through ``spikeinterface.load`` (rows in
  ``binary_folder_results``; shorter durations are ``frame_slice``s of the saved folder).

For each recording, duration and ``n_jobs`` a fresh Python subprocess runs one configuration and reports:

* ``wall_s``, the fastest of ``--repeats`` runs (all in ``wall_s_runs``), and ``channel_seconds_per_s``
  (channels x tokenized seconds / ``wall_s``; includes the process-pool start-up when ``n_jobs > 1``);
* ``baseline_rss_mb``: resident memory after imports and recording creation, before tokenizing;
* ``peak_rss_mb``: ``ru_maxrss`` of the process itself (``RUSAGE_SELF``), and
  ``peak_minus_baseline_mb``;
* ``children_peak_rss_mb``: ``ru_maxrss`` over its reaped children (``RUSAGE_CHILDREN``): the largest
  single child, not a sum. It also counts the helpers spawned while importing (``ldconfig``, ``uname``),
  which inherit the parent's peak at ``exec``, hence ``children_peak_before_tokenizing_mb``;
* ``worker_peak_rss_mb`` / ``worker_peak_minus_first_rss_mb``: each pool worker's own peak
  (``VmHWM``, polled from ``/proc``) and its growth over the first RSS seen after the fork;
* ``cpu_s`` and ``cpu_per_wall``: CPU seconds per run of the process and its workers (a ``cpu_per_wall`` well
  below ``n_jobs`` means the machine, not the code, limits the parallel speed-up);
* ``end_rss_mb``: resident memory after tokenizing, with the tokens still alive, and ``tokens_mb``.

The floor (binary folder, ``n_jobs=1`` rows, ``floor``): in the same subprocess and over the same windows,
alternating with the tokenizer runs, each window is read with ``get_traces``, cast to float32 channel-major
and reduced to a Welch PSD with ``numpy.fft.rfft`` over strided 1 s Hann segments at 50 % overlap, on one
thread: the least work any Welch-based spectral token needs. ``floor_ratio`` is the tokenizer's
channel-seconds per second over the floor's (goal >= 0.75); ``n_jobs_ratio`` is n_jobs=2 over n_jobs=1 on
the binary folder (goal >= 1.7 when two cores are free: read it beside ``cpu_per_wall``).

If peak memory does not grow with the recording duration, tokenization streams in chunks as claimed;
the only part that must grow is the output, ``tokens_mb`` (384 channels x 40 float32 per window).

Rerun (a few minutes on 2 cores; each subprocess spends ~10 s importing the package; the binary folder,
~0.5 GB for 240 s, is written to a temporary directory and removed)::

    PYTHONPATH=src python benchmarks/tokenizer_throughput.py
    PYTHONPATH=src python benchmarks/tokenizer_throughput.py --durations 60 240 960 --jobs 1 2

Writes ``benchmarks/results/tokenizer_throughput.json`` (``--out``) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "tokenizer_throughput.json"


def _maxrss_mb(who: int) -> float:
    """Peak resident set size in MiB from ``getrusage(who)`` (KiB on Linux, bytes on macOS)."""
    maxrss = resource.getrusage(who).ru_maxrss
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 2**10


def _current_rss_mb() -> float:
    """Current resident set size in MiB (``VmRSS``; falls back to the peak where /proc is missing)."""
    rss = _proc_status_mb("self", "VmRSS")
    return _maxrss_mb(resource.RUSAGE_SELF) if rss is None else rss


def _cpu_s() -> float:
    """User + system CPU seconds of this process and of its reaped children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _proc_status_mb(pid: int | str, field: str) -> float | None:
    """A kB field (e.g. ``VmHWM``, ``VmRSS``) of ``/proc/<pid>/status`` in MiB, or None when unreadable."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 2**10
    except OSError:
        pass
    return None


def _descendant_pids(pid: int) -> list[int]:
    """Process ids of every descendant of ``pid``, from ``/proc/<pid>/task/<tid>/children`` (Linux; else empty)."""
    descendants, frontier = [], [pid]
    while frontier:
        children = []
        for parent in frontier:
            try:
                for task in os.listdir(f"/proc/{parent}/task"):
                    with open(f"/proc/{parent}/task/{task}/children") as listed:
                        children += [int(child) for child in listed.read().split()]
            except OSError:
                continue
        descendants += children
        frontier = children
    return descendants


class ChildMemoryMonitor(threading.Thread):
    """Poll the peak memory of this process's children (the pool workers) while tokenizing.

    ``RUSAGE_CHILDREN`` only reports the largest child, and also counts helper processes spawned
    while importing (e.g. ``ldconfig``, ``uname``), which inherit the parent's peak at ``exec``. Polling
    ``/proc/<pid>/status`` gives each worker's own peak (``VmHWM``, a high-water mark, so no transient is
    missed) and its smallest RSS seen (close to its RSS right after the fork: a forked worker starts with
    most of the parent's pages). Reading ``status`` is cheap, so polling barely disturbs the timing.
    Linux only; elsewhere it records nothing.

    Parameters
    ----------
    interval_s : float, default: 0.05
        Polling period in seconds.
    """

    def __init__(self, interval_s: float = 0.05):
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self.worker_peaks_mb: dict[int, float] = {}
        self.worker_first_rss_mb: dict[int, float] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Poll until ``stop`` is called."""
        while not self._stop_event.is_set():
            for pid in _descendant_pids(os.getpid()):
                hwm = _proc_status_mb(pid, "VmHWM")
                rss = _proc_status_mb(pid, "VmRSS")
                if hwm is None or rss is None:
                    continue
                self.worker_peaks_mb[pid] = max(hwm, self.worker_peaks_mb.get(pid, 0.0))
                self.worker_first_rss_mb[pid] = min(rss, self.worker_first_rss_mb.get(pid, rss))
            self._stop_event.wait(self.interval_s)

    def stop(self) -> None:
        """Stop polling and wait for the thread."""
        self._stop_event.set()
        self.join()


def _import_package() -> None:
    """Make ``spikeinterface_xmodal`` importable from the source tree when PYTHONPATH lacks it."""
    try:
        import spikeinterface_xmodal  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(REPO_ROOT / "src"))


def make_recording(duration_s: float, num_channels: int, sampling_frequency: float, seed: int = 0):
    """Lazy white-noise recording with a linear probe; traces are generated on every ``get_traces``.

    Parameters
    ----------
    duration_s : float
        Length of the single segment in seconds.
    num_channels : int
        Number of channels.
    sampling_frequency : float
        Sampling rate in Hz.
    seed : int, default: 0
        Seed of the noise.

    Returns
    -------
    BaseRecording
        A ``NoiseGeneratorRecording`` (strategy ``"on_the_fly"``, 1 s noise blocks) with a probe.
    """
    from probeinterface import generate_linear_probe
    from spikeinterface.generation import NoiseGeneratorRecording

    recording = NoiseGeneratorRecording(
        num_channels=num_channels,
        sampling_frequency=sampling_frequency,
        durations=[duration_s],
        noise_levels=50.0,
        dtype="float32",
        seed=seed,
        strategy="on_the_fly",
        noise_block_size=int(sampling_frequency),
    )
    probe = generate_linear_probe(num_elec=num_channels, ypitch=20)
    probe.set_device_channel_indices(list(range(num_channels)))
    recording.set_probe(probe)  # in place since spikeinterface 0.104
    return recording


RECORDING_KINDS = ("lazy_generator", "binary_folder_int16")


def save_binary_recording(folder: Path, duration_s: float, num_channels: int, sampling_frequency: float) -> float:
    """Round ``make_recording``'s noise to int16 and save it to a binary folder; returns the seconds it took.

    Parameters
    ----------
    folder : Path
        Folder to create.
    duration_s : float
        Recording duration in seconds (the longest one benchmarked).
    num_channels : int
        Number of channels.
    sampling_frequency : float
        Sampling rate in Hz.

    Returns
    -------
    float
        Wall seconds spent generating and writing.
    """
    from spikeinterface.preprocessing import astype

    started = time.perf_counter()
    recording = astype(make_recording(duration_s, num_channels, sampling_frequency), "int16")
    recording.save(folder=folder, chunk_duration="10s", n_jobs=1, progress_bar=False)
    return time.perf_counter() - started


def load_recording(kind: str, duration_s: float, num_channels: int, sampling_frequency: float, binary_folder):
    """The recording of one configuration: generated lazily, or the first ``duration_s`` of the binary folder."""
    if kind == "lazy_generator":
        return make_recording(duration_s, num_channels, sampling_frequency)
    import spikeinterface

    recording = spikeinterface.load(binary_folder)
    n_samples = round(duration_s * sampling_frequency)
    return recording if n_samples == recording.get_num_samples() else recording.frame_slice(0, n_samples)


def rfft_welch_floor(recording, windows, window_s: float, segment_s: float = 1.0) -> float:
    """Seconds to read each window and reduce it to a Welch PSD with ``numpy.fft.rfft``, on one thread.

    Each window is read with ``get_traces``, cast to float32 channel-major, cut into strided Hann
    segments of ``segment_s`` at 50 % overlap, transformed and averaged: the least work any
    Welch-based spectral token needs.

    Parameters
    ----------
    recording : BaseRecording
        The recording.
    windows : np.ndarray
        Windows from ``sample_windows``.
    window_s : float
        Window length in seconds.
    segment_s : float, default: 1.0
        Welch segment length in seconds.

    Returns
    -------
    float
        Wall seconds.
    """
    import numpy as np
    from threadpoolctl import threadpool_limits

    fs = recording.sampling_frequency
    window_len, segment_len = round(window_s * fs), round(segment_s * fs)
    taper = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(segment_len) / segment_len)).astype("float32")
    started = time.perf_counter()
    with threadpool_limits(limits=1):
        for segment_index, start in windows:
            traces = recording.get_traces(
                segment_index=int(segment_index), start_frame=start, end_frame=start + window_len
            )
            channels_first = np.ascontiguousarray(traces.T, dtype="float32")
            segments = np.lib.stride_tricks.sliding_window_view(channels_first, segment_len, axis=1)
            spectra = np.fft.rfft(segments[:, :: segment_len // 2] * taper, axis=-1)
            (spectra.real**2 + spectra.imag**2).mean(axis=1)
    return time.perf_counter() - started


def run_one(
    duration_s: float,
    n_jobs: int,
    num_channels: int,
    sampling_frequency: float,
    chunk_duration: str,
    repeats: int = 1,
    recording_kind: str = "lazy_generator",
    binary_folder: Path | None = None,
) -> dict:
    """Tokenize every window of one recording in this process and measure time and memory.

    Parameters
    ----------
    duration_s : float
        Recording duration in seconds.
    n_jobs : int
        SpikeInterface ``n_jobs``.
    num_channels : int
        Number of channels.
    sampling_frequency : float
        Sampling rate in Hz.
    chunk_duration : str
        SpikeInterface ``chunk_duration``, e.g. ``"10s"``.
    repeats : int, default: 1
        Number of timed runs; ``wall_s`` is the fastest (least disturbed by other load), the memory
        figures are peaks over all runs.
    recording_kind : {"lazy_generator", "binary_folder_int16"}, default: "lazy_generator"
        Which recording to tokenize.
    binary_folder : Path or None, default: None
        The saved int16 folder, for ``"binary_folder_int16"``.

    Returns
    -------
    dict
        One result row (see the module docstring). Binary-folder rows with ``n_jobs == 1`` also hold
        the rfft-Welch floor, timed after each tokenizer run over the same windows (its own memory is
        left out of ``peak_rss_mb``, read before the first floor run).
    """
    _import_package()
    import numpy as np

    from spikeinterface_xmodal.tokenizers import SpectralTokenizer, compute_spectral_tokens

    recording = load_recording(recording_kind, duration_s, num_channels, sampling_frequency, binary_folder)
    tokenizer = SpectralTokenizer()
    with_floor = recording_kind == "binary_folder_int16" and n_jobs == 1
    baseline_rss_mb = _current_rss_mb()
    peak_before_mb = _maxrss_mb(resource.RUSAGE_SELF)
    children_before_mb = _maxrss_mb(resource.RUSAGE_CHILDREN)

    monitor = ChildMemoryMonitor()
    monitor.start()
    walls, cpus, floor_walls = [], [], []
    for _ in range(repeats):
        tokens = None  # free the previous tokens before the next run
        cpu_before, started = _cpu_s(), time.perf_counter()
        tokens = compute_spectral_tokens(
            recording, tokenizer, n_windows=None, n_jobs=n_jobs, chunk_duration=chunk_duration, progress_bar=False
        )
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu_s() - cpu_before)
        if not floor_walls:
            peak_rss_mb = _maxrss_mb(resource.RUSAGE_SELF)
        if with_floor:
            floor_walls.append(rfft_welch_floor(recording, tokens.windows, tokenizer.window_s))
    wall_s = min(walls)
    monitor.stop()
    worker_pids = sorted(monitor.worker_peaks_mb, key=monitor.worker_peaks_mb.get, reverse=True)
    worker_peaks = [monitor.worker_peaks_mb[pid] for pid in worker_pids]
    worker_growth = [monitor.worker_peaks_mb[pid] - monitor.worker_first_rss_mb[pid] for pid in worker_pids]

    children_peak_rss_mb = _maxrss_mb(resource.RUSAGE_CHILDREN)
    end_rss_mb = _current_rss_mb()
    n_windows = int(tokens.windows.size)
    if not all(np.isfinite(values).all() for values in (tokens.band_tokens, tokens.log_psd)):
        raise RuntimeError("Non-finite tokens: the benchmark result would be meaningless.")
    tokenized_s = n_windows * tokenizer.window_s
    row = dict(
        recording=recording_kind,
        duration_s=float(duration_s),
        n_jobs=int(n_jobs),
        n_windows=n_windows,
        tokenized_s=tokenized_s,
        wall_s=round(wall_s, 3),
        wall_s_runs=[round(wall, 3) for wall in walls],
        channel_seconds_per_s=round(num_channels * tokenized_s / wall_s, 1),
        windows_per_s=round(n_windows / wall_s, 2),
        cpu_s=round(sum(cpus) / repeats, 2),
        cpu_per_wall=round(sum(cpus) / sum(walls), 2),
        baseline_rss_mb=round(baseline_rss_mb, 1),
        peak_before_tokenizing_mb=round(peak_before_mb, 1),
        peak_rss_mb=round(peak_rss_mb, 1),
        peak_minus_baseline_mb=round(peak_rss_mb - baseline_rss_mb, 1),
        children_peak_rss_mb=round(children_peak_rss_mb, 1),
        children_peak_before_tokenizing_mb=round(children_before_mb, 1),
        worker_peak_rss_mb=[round(peak, 1) for peak in worker_peaks],
        worker_peak_minus_first_rss_mb=[round(growth, 1) for growth in worker_growth],
        end_rss_mb=round(end_rss_mb, 1),
        tokens_mb=round((tokens.band_tokens.nbytes + tokens.log_psd.nbytes) / 2**20, 2),
    )
    if with_floor:
        floor_s = min(floor_walls)
        row.update(
            floor_wall_s=round(floor_s, 3),
            floor_wall_s_runs=[round(wall, 3) for wall in floor_walls],
            floor_channel_seconds_per_s=round(num_channels * tokenized_s / floor_s, 1),
            floor_ratio=round(floor_s / wall_s, 3),
        )
    return row


def run_in_subprocess(
    args: argparse.Namespace, recording_kind: str, duration_s: float, n_jobs: int, binary_folder: Path
) -> dict:
    """Run one configuration in a fresh interpreter so that its ``ru_maxrss`` is its own.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed command-line arguments (channels, sampling rate, chunk duration, repeats).
    recording_kind : str
        One of ``RECORDING_KINDS``.
    duration_s : float
        Recording duration in seconds.
    n_jobs : int
        SpikeInterface ``n_jobs``.
    binary_folder : Path
        The saved int16 binary folder.

    Returns
    -------
    dict
        The result row printed as JSON by the child on its last stdout line.
    """
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
        "--recording-kind",
        recording_kind,
        "--binary-folder",
        str(binary_folder),
        "--durations",
        str(duration_s),
        "--jobs",
        str(n_jobs),
        "--channels",
        str(args.channels),
        "--sampling-frequency",
        str(args.sampling_frequency),
        "--chunk-duration",
        args.chunk_duration,
        "--repeats",
        str(args.repeats),
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT / "src"), env.get("PYTHONPATH")) if p)
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"Configuration {recording_kind} duration={duration_s} n_jobs={n_jobs} failed:\n{done.stderr}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory_vs_duration(rows: list[dict]) -> dict:
    """Growth of peak memory from the shortest to the longest duration, per ``n_jobs``.

    Parameters
    ----------
    rows : list of dict
        Result rows of one recording kind.

    Returns
    -------
    dict
        For each ``n_jobs`` (as a string): the durations compared, the growth of the own peak RSS,
        of the largest worker growth over its first RSS (the absolute worker peak depends on the
        parent's RSS at fork time), and of the token arrays, in MiB, and the own peak growth per
        minute of recording.
    """
    summary = {}
    for n_jobs in sorted({row["n_jobs"] for row in rows}):
        same = sorted((row for row in rows if row["n_jobs"] == n_jobs), key=lambda row: row["duration_s"])
        if len(same) < 2:
            continue
        short, long = same[0], same[-1]
        minutes = (long["duration_s"] - short["duration_s"]) / 60
        worker_growth = None
        if short["worker_peak_minus_first_rss_mb"] and long["worker_peak_minus_first_rss_mb"]:
            worker_growth = round(
                max(long["worker_peak_minus_first_rss_mb"]) - max(short["worker_peak_minus_first_rss_mb"]), 1
            )
        summary[str(n_jobs)] = dict(
            durations_s=[short["duration_s"], long["duration_s"]],
            peak_rss_growth_mb=round(long["peak_rss_mb"] - short["peak_rss_mb"], 1),
            peak_rss_growth_mb_per_min=round((long["peak_rss_mb"] - short["peak_rss_mb"]) / minutes, 2),
            worker_peak_growth_mb=worker_growth,
            tokens_growth_mb=round(long["tokens_mb"] - short["tokens_mb"], 2),
        )
    return summary


def speed_ratios(rows: list[dict]) -> dict:
    """Floor ratio (n_jobs=1) and n_jobs=2 / n_jobs=1 speed-up per duration of the binary-folder rows.

    Parameters
    ----------
    rows : list of dict
        Binary-folder result rows.

    Returns
    -------
    dict
        Per duration (as a string): the tokenizer's and the floor's channel-seconds per second with
        ``n_jobs=1``, ``floor_ratio``, and ``n_jobs_ratio`` with the ``cpu_per_wall`` of both rows and
        their ratio of CPU seconds (the parallel overhead, which does not depend on free cores).
    """
    ratios = {}
    for duration_s in sorted({row["duration_s"] for row in rows}):
        by_jobs = {row["n_jobs"]: row for row in rows if row["duration_s"] == duration_s}
        one, two = by_jobs.get(1), by_jobs.get(2)
        entry = {}
        if one is not None:
            entry.update(
                tokenizer_channel_seconds_per_s=one["channel_seconds_per_s"],
                floor_channel_seconds_per_s=one["floor_channel_seconds_per_s"],
                floor_ratio=one["floor_ratio"],
            )
        if one is not None and two is not None:
            entry.update(
                n_jobs_ratio=round(two["channel_seconds_per_s"] / one["channel_seconds_per_s"], 3),
                cpu_per_wall_n_jobs_1=one["cpu_per_wall"],
                cpu_per_wall_n_jobs_2=two["cpu_per_wall"],
                # parallel overhead, independent of how many cores were free: 1 = none
                cpu_s_n_jobs_2_over_n_jobs_1=round(two["cpu_s"] / one["cpu_s"], 3),
            )
        ratios[f"{duration_s:g}"] = entry
    return ratios


def machine_info() -> dict:
    """CPU count, platform and library versions of this machine."""
    import numpy
    import scipy
    import spikeinterface

    return dict(
        cpu_count=os.cpu_count(),
        affinity_cpu_count=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        load_average_1_5_15_min=[round(load, 2) for load in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        platform=platform.platform(),
        processor=platform.processor() or platform.machine(),
        python=platform.python_version(),
        numpy=numpy.__version__,
        scipy=scipy.__version__,
        spikeinterface=spikeinterface.__version__,
    )


def format_table(rows: list[dict]) -> str:
    """Readable fixed-width table of result rows.

    Columns: recording, duration, n_jobs, windows, wall time, channel-seconds per second, CPU seconds per
    wall second, baseline RSS, own peak RSS, peak minus baseline, the largest pool-worker growth (peak
    minus its first RSS seen; "-" when ``n_jobs == 1``), all in MiB, and the floor ratio where measured.
    """
    header = (
        f"{'recording':>19} {'dur_s':>6} {'jobs':>4} {'windows':>7} {'wall_s':>7} {'ch*s/s':>7} {'cpu/wall':>8} "
        f"{'base_MB':>8} {'peak_MB':>8} {'peak-base':>9} {'worker+MB':>9} {'floor':>6}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        growth = row["worker_peak_minus_first_rss_mb"]
        worker = f"{max(growth):>9.1f}" if growth else f"{'-':>9}"
        floor = f"{row['floor_ratio']:>6.2f}" if "floor_ratio" in row else f"{'-':>6}"
        lines.append(
            f"{row['recording']:>19} {row['duration_s']:>6.0f} {row['n_jobs']:>4} {row['n_windows']:>7} "
            f"{row['wall_s']:>7.2f} {row['channel_seconds_per_s']:>7.0f} {row['cpu_per_wall']:>8.2f} "
            f"{row['baseline_rss_mb']:>8.1f} {row['peak_rss_mb']:>8.1f} {row['peak_minus_baseline_mb']:>9.1f} "
            f"{worker} {floor}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON output path")
    parser.add_argument("--durations", type=float, nargs="+", default=[60.0, 240.0], help="recording durations (s)")
    parser.add_argument("--channels", type=int, default=384, help="number of channels")
    parser.add_argument("--sampling-frequency", type=float, default=2500.0, help="sampling rate (Hz)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="n_jobs values")
    parser.add_argument("--chunk-duration", default="10s", help="SpikeInterface chunk_duration")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per configuration (fastest kept)")
    parser.add_argument("--tmp-dir", type=Path, default=None, help="where to write the binary folder (deleted)")
    parser.add_argument("--one", action="store_true", help="internal: run one configuration, print JSON")
    parser.add_argument("--recording-kind", choices=RECORDING_KINDS, default="lazy_generator", help="internal")
    parser.add_argument("--binary-folder", type=Path, default=None, help="internal")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Save the binary folder, run every configuration in its own subprocess, print a table, write the JSON.

    Parameters
    ----------
    argv : list of str or None, default: None
        Command-line arguments; None reads ``sys.argv``.

    Returns
    -------
    dict
        The written report.
    """
    args = parse_args(argv)
    if args.one:
        row = run_one(
            args.durations[0],
            args.jobs[0],
            args.channels,
            args.sampling_frequency,
            args.chunk_duration,
            args.repeats,
            args.recording_kind,
            args.binary_folder,
        )
        print(json.dumps(row))
        return row

    _import_package()
    started = time.perf_counter()
    rows = {kind: [] for kind in RECORDING_KINDS}
    with tempfile.TemporaryDirectory(dir=args.tmp_dir) as tmp:
        binary_folder = Path(tmp) / "lfp_int16"
        save_s = save_binary_recording(binary_folder, max(args.durations), args.channels, args.sampling_frequency)
        print(f"saved {max(args.durations):.0f} s int16 binary folder in {save_s:.1f} s", flush=True)
        for kind in RECORDING_KINDS:
            for duration_s in args.durations:
                for n_jobs in args.jobs:
                    row = run_in_subprocess(args, kind, duration_s, n_jobs, binary_folder)
                    rows[kind].append(row)
                    floor = f", floor ratio {row['floor_ratio']:.2f}" if "floor_ratio" in row else ""
                    print(
                        f"{kind} {duration_s:.0f} s, n_jobs {n_jobs}: {row['wall_s']:.2f} s "
                        f"({row['channel_seconds_per_s']:.0f} ch*s/s, cpu/wall {row['cpu_per_wall']:.2f}){floor}, "
                        f"peak {row['peak_rss_mb']:.0f} MB (baseline {row['baseline_rss_mb']:.0f} MB)",
                        flush=True,
                    )
    binary_rows = rows["binary_folder_int16"]
    ratios = speed_ratios(binary_rows)
    longest = ratios[f"{max(args.durations):g}"]
    report = dict(
        benchmark="tokenizer_throughput",
        description=(
            "compute_spectral_tokens over every 3 s window of a lazy NoiseGeneratorRecording (on_the_fly; "
            "'results') and of the same kind of noise saved as int16 to a binary folder ('binary_folder_results'), "
            "beside a numpy.fft.rfft Welch floor over the same windows; one fresh subprocess per configuration; "
            "RSS from getrusage ru_maxrss"
        ),
        machine=machine_info(),
        settings=dict(
            durations_s=args.durations,
            channels=args.channels,
            sampling_frequency=args.sampling_frequency,
            jobs=args.jobs,
            chunk_duration=args.chunk_duration,
            repeats=args.repeats,
            pool_engine="process (SpikeInterface default; mp_context fork on Linux)",
            window_s=3.0,
            n_windows=None,
            recording="NoiseGeneratorRecording(strategy='on_the_fly', noise_block_size=fs, dtype=float32)",
            binary_folder_recording="the same noise, astype int16, saved with recording.save (binary folder)",
            floor=(
                "per window: get_traces, float32 channel-major, numpy.fft.rfft over strided 1 s periodic Hann "
                "segments at 50 % overlap, |X|^2 averaged; one thread; same windows, same subprocess, "
                "alternating with the tokenizer runs (fastest of each kept)"
            ),
        ),
        results=rows["lazy_generator"],
        memory_vs_duration=memory_vs_duration(rows["lazy_generator"]),
        binary_folder_results=binary_rows,
        binary_folder_memory_vs_duration=memory_vs_duration(binary_rows),
        binary_folder_save_s=round(save_s, 1),
        speed_ratios_by_duration_s=ratios,
        floor_ratio=longest.get("floor_ratio"),
        n_jobs_ratio=longest.get("n_jobs_ratio"),
        goals=dict(floor_ratio=">= 0.75 (n_jobs=1)", n_jobs_ratio=">= 1.7 when two cores are free (see cpu_per_wall)"),
        total_wall_s=round(time.perf_counter() - started, 1),
    )
    print(format_table(rows["lazy_generator"] + binary_rows))
    print(f"floor ratio (n_jobs=1, binary folder, {max(args.durations):g} s): {report['floor_ratio']}")
    print(f"n_jobs=2 / n_jobs=1 (binary folder, {max(args.durations):g} s): {report['n_jobs_ratio']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return report


if __name__ == "__main__":
    main()
