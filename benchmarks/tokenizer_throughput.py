"""Throughput and peak memory of ``compute_spectral_tokens`` on a lazy 384-channel LFP recording.

What it measures: every 3 s window (``n_windows=None``) of a lazily generated noise recording
(``NoiseGeneratorRecording``, strategy ``"on_the_fly"``, 384 channels at 2.5 kHz, linear probe) is
tokenized with SpikeInterface job kwargs ``n_jobs`` and ``chunk_duration``. For each recording duration
and ``n_jobs`` a fresh Python subprocess runs one configuration and reports:

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

If peak memory does not grow with the recording duration, tokenization streams in chunks as claimed;
the only part that must grow is the output, ``tokens_mb`` (384 channels x 40 float32 per window).

Rerun (about 2 minutes on 2 cores; each subprocess spends ~10 s importing the package)::

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
        import psutil

        me = psutil.Process()
        while not self._stop_event.is_set():
            for child in me.children(recursive=True):
                hwm = _proc_status_mb(child.pid, "VmHWM")
                rss = _proc_status_mb(child.pid, "VmRSS")
                if hwm is None or rss is None:
                    continue
                self.worker_peaks_mb[child.pid] = max(hwm, self.worker_peaks_mb.get(child.pid, 0.0))
                self.worker_first_rss_mb[child.pid] = min(rss, self.worker_first_rss_mb.get(child.pid, rss))
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


def run_one(
    duration_s: float,
    n_jobs: int,
    num_channels: int,
    sampling_frequency: float,
    chunk_duration: str,
    repeats: int = 1,
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

    Returns
    -------
    dict
        One result row (see the module docstring).
    """
    _import_package()
    import numpy as np

    from spikeinterface_xmodal.tokenizers import SpectralTokenizer, compute_spectral_tokens

    recording = make_recording(duration_s, num_channels, sampling_frequency)
    tokenizer = SpectralTokenizer()
    baseline_rss_mb = _current_rss_mb()
    peak_before_mb = _maxrss_mb(resource.RUSAGE_SELF)
    children_before_mb = _maxrss_mb(resource.RUSAGE_CHILDREN)

    monitor = ChildMemoryMonitor()
    monitor.start()
    cpu_before = _cpu_s()
    walls = []
    for _ in range(repeats):
        tokens = None  # free the previous tokens before the next run
        started = time.perf_counter()
        tokens = compute_spectral_tokens(
            recording, tokenizer, n_windows=None, n_jobs=n_jobs, chunk_duration=chunk_duration, progress_bar=False
        )
        walls.append(time.perf_counter() - started)
    cpu_s = (_cpu_s() - cpu_before) / repeats
    wall_s = min(walls)
    monitor.stop()
    worker_pids = sorted(monitor.worker_peaks_mb, key=monitor.worker_peaks_mb.get, reverse=True)
    worker_peaks = [monitor.worker_peaks_mb[pid] for pid in worker_pids]
    worker_growth = [monitor.worker_peaks_mb[pid] - monitor.worker_first_rss_mb[pid] for pid in worker_pids]

    peak_rss_mb = _maxrss_mb(resource.RUSAGE_SELF)
    children_peak_rss_mb = _maxrss_mb(resource.RUSAGE_CHILDREN)
    end_rss_mb = _current_rss_mb()
    n_windows = int(tokens.windows.size)
    if not (np.isfinite(tokens.band_tokens).all() and np.isfinite(tokens.log_psd).all()):
        raise RuntimeError("Non-finite tokens: the benchmark result would be meaningless.")
    tokenized_s = n_windows * tokenizer.window_s
    return dict(
        duration_s=float(duration_s),
        n_jobs=int(n_jobs),
        n_windows=n_windows,
        tokenized_s=tokenized_s,
        wall_s=round(wall_s, 3),
        wall_s_runs=[round(wall, 3) for wall in walls],
        channel_seconds_per_s=round(num_channels * tokenized_s / wall_s, 1),
        windows_per_s=round(n_windows / wall_s, 2),
        cpu_s=round(cpu_s, 2),
        cpu_per_wall=round(cpu_s / (sum(walls) / repeats), 2),
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


def run_in_subprocess(args: argparse.Namespace, duration_s: float, n_jobs: int) -> dict:
    """Run one configuration in a fresh interpreter so that its ``ru_maxrss`` is its own.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed command-line arguments (channels, sampling rate, chunk duration).
    duration_s : float
        Recording duration in seconds.
    n_jobs : int
        SpikeInterface ``n_jobs``.

    Returns
    -------
    dict
        The result row printed as JSON by the child on its last stdout line.
    """
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
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
        raise RuntimeError(f"Configuration duration={duration_s} n_jobs={n_jobs} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory_vs_duration(rows: list[dict]) -> dict:
    """Growth of peak memory from the shortest to the longest duration, per ``n_jobs``.

    Parameters
    ----------
    rows : list of dict
        Result rows.

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


def machine_info() -> dict:
    """CPU count, platform and library versions of this machine."""
    import numpy
    import scipy
    import spikeinterface

    return dict(
        cpu_count=os.cpu_count(),
        affinity_cpu_count=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        platform=platform.platform(),
        processor=platform.processor() or platform.machine(),
        python=platform.python_version(),
        numpy=numpy.__version__,
        scipy=scipy.__version__,
        spikeinterface=spikeinterface.__version__,
    )


def format_table(rows: list[dict]) -> str:
    """Readable fixed-width table of result rows.

    Columns: duration, n_jobs, windows, wall time, channel-seconds per second, CPU seconds per wall
    second, baseline RSS, own peak RSS, peak minus baseline, and the largest pool-worker growth (peak
    minus its first RSS seen; "-" when ``n_jobs == 1``), all in MiB.
    """
    header = (
        f"{'dur_s':>6} {'jobs':>4} {'windows':>7} {'wall_s':>7} {'ch*s/s':>7} {'cpu/wall':>8} "
        f"{'base_MB':>8} {'peak_MB':>8} {'peak-base':>9} {'worker+MB':>9}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        growth = row["worker_peak_minus_first_rss_mb"]
        worker = f"{max(growth):>9.1f}" if growth else f"{'-':>9}"
        lines.append(
            f"{row['duration_s']:>6.0f} {row['n_jobs']:>4} {row['n_windows']:>7} {row['wall_s']:>7.2f} "
            f"{row['channel_seconds_per_s']:>7.0f} {row['cpu_per_wall']:>8.2f} {row['baseline_rss_mb']:>8.1f} "
            f"{row['peak_rss_mb']:>8.1f} {row['peak_minus_baseline_mb']:>9.1f} {worker}"
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
    parser.add_argument("--one", action="store_true", help="internal: run one configuration, print JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Run every configuration in its own subprocess, print a table and write the JSON.

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
            args.durations[0], args.jobs[0], args.channels, args.sampling_frequency, args.chunk_duration, args.repeats
        )
        print(json.dumps(row))
        return row

    started = time.perf_counter()
    rows = []
    for duration_s in args.durations:
        for n_jobs in args.jobs:
            row = run_in_subprocess(args, duration_s, n_jobs)
            rows.append(row)
            print(
                f"duration {duration_s:.0f} s, n_jobs {n_jobs}: {row['wall_s']:.2f} s, "
                f"peak {row['peak_rss_mb']:.0f} MB (baseline {row['baseline_rss_mb']:.0f} MB)",
                flush=True,
            )
    report = dict(
        benchmark="tokenizer_throughput",
        description=(
            "compute_spectral_tokens over every 3 s window of a lazy NoiseGeneratorRecording (on_the_fly); "
            "one fresh subprocess per configuration; RSS from getrusage ru_maxrss"
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
        ),
        results=rows,
        memory_vs_duration=memory_vs_duration(rows),
        total_wall_s=round(time.perf_counter() - started, 1),
    )
    print(format_table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return report


if __name__ == "__main__":
    main()
