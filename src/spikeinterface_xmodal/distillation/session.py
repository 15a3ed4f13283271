"""A distillation session: one sorting, one LFP recording and behaviour, checked to share one time base."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# spikes or behaviour this far (s) past the end of the LFP mean the two were not recorded together
_TIME_TOLERANCE_S = 0.5


def _check_single_segment(obj, what: str) -> None:
    if obj.get_num_segments() != 1:
        raise ValueError(f"{what} has {obj.get_num_segments()} segments; distillation sessions need exactly one")


def check_behaviour(behaviour: np.ndarray, behaviour_times: np.ndarray, what: str = "behaviour") -> tuple:
    """``behaviour`` as a finite (n, d) float array and its times as a finite increasing (n,) array.

    Raises
    ------
    ValueError
        Shapes disagree, a value is NaN or infinite, or the times do not increase.
    """
    behaviour = np.asarray(behaviour, dtype=float)
    behaviour = behaviour[:, None] if behaviour.ndim == 1 else behaviour
    times = np.asarray(behaviour_times, dtype=float)
    if behaviour.ndim != 2 or times.ndim != 1 or times.size != behaviour.shape[0]:
        raise ValueError(f"{what} must be an (n, d) array with n times; got shapes {behaviour.shape} and {times.shape}")
    if times.size < 2:
        raise ValueError(f"{what} needs at least two samples, got {times.size}")
    for name, values in ((what, behaviour), (f"{what} times", times)):
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValueError(f"{name} has {int(bad.sum())} NaN or infinite values; interpolate or drop them first")
    if np.any(np.diff(times) <= 0):
        raise ValueError(f"{what} times must be strictly increasing")
    return behaviour, times


@dataclass
class DistillationSession:
    """The data of one session for distillation: spikes, LFP and behaviour on one time base.

    Parameters
    ----------
    sorting : spikeinterface.core.BaseSorting or None
        Units at their own rate (e.g. 30 kHz); None for a session with LFP only (never distilled).
    lfp : spikeinterface.core.BaseRecording
        LFP channels at their own rate (e.g. 2.5 kHz).
    behaviour : np.ndarray or None
        Behaviour, shape (n, d), e.g. hand velocity; None when unlabeled.
    behaviour_times : np.ndarray or None
        Times of the behaviour rows in seconds (the LFP's time base).
    session_id : str
        Name of the session (keys its read-ins).
    trials : dict of str to np.ndarray or None, default: None
        ``start_time`` and ``stop_time`` of trials (s): held-out splits are made of whole trials. None splits
        the session into consecutive blocks instead.

    Raises
    ------
    ValueError
        The sorting and the LFP do not share a time base (spikes after the LFP ends, different durations of the
        sorting's registered recording and the LFP, spikes before the LFP starts), several segments, or bad
        behaviour (NaNs, shapes, times outside the LFP).

    Examples
    --------
    >>> session = DistillationSession(sorting, lfp, velocity, velocity_times, "monkey_j_day1")
    """

    sorting: object
    lfp: object
    behaviour: np.ndarray | None
    behaviour_times: np.ndarray | None
    session_id: str
    trials: dict | None = None

    def __post_init__(self) -> None:
        self.session_id = str(self.session_id)
        _check_single_segment(self.lfp, f"The LFP recording of session {self.session_id!r}")
        if self.sorting is not None:
            _check_single_segment(self.sorting, f"The sorting of session {self.session_id!r}")
            self._check_time_base()
        if (self.behaviour is None) != (self.behaviour_times is None):
            raise ValueError(f"session {self.session_id!r}: give both behaviour and behaviour_times, or neither")
        if self.behaviour is not None:
            self.behaviour, self.behaviour_times = check_behaviour(
                self.behaviour, self.behaviour_times, f"behaviour of session {self.session_id!r}"
            )
            start, stop = self.time_range
            if (
                self.behaviour_times[0] < start - _TIME_TOLERANCE_S
                or self.behaviour_times[-1] > stop + _TIME_TOLERANCE_S
            ):
                raise ValueError(
                    f"behaviour of session {self.session_id!r} spans {self.behaviour_times[0]:.2f}-"
                    f"{self.behaviour_times[-1]:.2f} s but the LFP spans {start:.2f}-{stop:.2f} s: "
                    "different time bases?"
                )

    @property
    def time_range(self) -> tuple[float, float]:
        """Start and end of the LFP in seconds."""
        times = self.lfp.get_times()
        return float(times[0]), float(times[-1] + 1.0 / self.lfp.sampling_frequency)

    def spike_times(self) -> list[np.ndarray]:
        """Spike times (s) of every unit, on the LFP's time base (the sorting's own rate, from 0)."""
        fs = self.sorting.sampling_frequency
        return [self.sorting.get_unit_spike_train(u) / fs for u in self.sorting.unit_ids]

    def _check_time_base(self) -> None:
        start, stop = self.time_range
        name = self.session_id
        if self.sorting.has_recording():
            duration = self.sorting.get_total_duration()
            if abs(duration - (stop - start)) > _TIME_TOLERANCE_S:
                raise ValueError(
                    f"session {name!r}: the sorting's recording lasts {duration:.2f} s but the LFP "
                    f"{stop - start:.2f} s; they must cover the same time"
                )
        last = max((t[-1] for t in self.spike_times() if t.size), default=None)
        if last is None:
            raise ValueError(f"session {name!r}: the sorting has no spikes")
        if last > stop - start + _TIME_TOLERANCE_S:
            raise ValueError(
                f"session {name!r}: a spike at {last:.2f} s comes after the LFP ends ({stop - start:.2f} s long); "
                "the sorting and the LFP do not share a time base (different durations or sampling rates?)"
            )


def as_distillation_session(session) -> DistillationSession:
    """A DistillationSession from itself or from any object with the same attributes (e.g. a ``LatentSession``)."""
    if isinstance(session, DistillationSession):
        return session
    try:
        return DistillationSession(
            sorting=session.sorting,
            lfp=session.lfp,
            behaviour=session.behaviour,
            behaviour_times=session.behaviour_times,
            session_id=session.session_id,
            trials=getattr(session, "trials", None),
        )
    except AttributeError as error:
        raise TypeError(
            f"expected a DistillationSession (or an object with sorting, lfp, behaviour, behaviour_times and "
            f"session_id), got {type(session).__name__}"
        ) from error
