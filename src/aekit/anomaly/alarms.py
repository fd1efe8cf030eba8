"""Alarms close together on a series are one alarm: the gap between them is flagged too.

A series detector's score at a step reads every model window covering it,
widened by the smoothing, so two steps less than about twice the longest
member window plus the smoothing width apart have scores that read some of
the same values. When the score dips below its threshold inside an event (a
flat stretch the model half reconstructs, the calm middle of a burst) and
rises again, the second alarm comes from the same steps as the first: it is
the same incident, and counting it again would call a true alarm false as
soon as it ends outside the labelled event. Telemanom (Hundman et al., KDD
2018) pads each anomalous sequence by an error buffer and merges those that
overlap; alerting systems merge anomalies within a maximum gap for the same
reason: one incident, one alarm.

The price: a flagged span is longer, by the gap it closes, so the share of
flagged steps rises a little; and two events closer than the gap are one
alarm. Repeated alarms are dropped first (:mod:`aekit.anomaly.recurrence`),
so that a chain of repeats a gap apart is not judged as one new alarm.
Figures in ``benchmarks/README.md``.
"""

from __future__ import annotations

import numpy as np

from aekit._params import is_count


def auto_gap(windows: list[int], smoothing: int) -> int:
    """``alarm_gap='auto'``: twice the longest member window plus the smoothing width.

    Parameters
    ----------
    windows : list of int
        Each member's window in steps.
    smoothing : int
        Width of the score's moving average in steps.

    Returns
    -------
    int
    """
    return 2 * int(max(windows)) + int(smoothing)


def merging_gap(det) -> int:
    """The gap a fitted series detector's ``predict`` merges with; 0 when it merges nothing.

    ``alarm_gap_`` of 0 or 1 step merges nothing, and neither does a detector
    saved before the setting existed (no ``alarm_gap_``).
    """
    gap = getattr(det, "alarm_gap_", 0) or 0
    return int(gap) if gap > 1 else 0


def check_gap(gap) -> None:
    """Refuse an ``alarm_gap`` that is neither 'auto' nor an integer >= 0."""
    auto = isinstance(gap, str) and gap == "auto"
    if not (auto or is_count(gap, 0)):
        raise ValueError(f"alarm_gap must be 'auto' or an integer >= 0, got {gap!r}")


def merge_close_alarms(flags: np.ndarray, gap: int) -> np.ndarray:
    """Flags with every run of fewer than ``gap`` unflagged steps between two alarms flagged.

    Parameters
    ----------
    flags : ndarray of shape (T,)
        1 (or True) for a flagged step.
    gap : int
        Alarms separated by fewer unflagged steps than this become one; 0 or 1
        changes nothing (a gap of 0 steps is already one alarm).

    Returns
    -------
    ndarray of shape (T,), int64
        A new array; steps before the first alarm and after the last are unchanged.
    """
    f = np.asarray(flags)
    if f.ndim != 1:
        raise ValueError(f"flags must be one per step, of shape (T,), got shape {f.shape}")
    f = f.astype(bool)
    edges = np.diff(f.astype(np.int8), prepend=0, append=0)
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out = f.copy()
    # Gap i lies between run i's stop and run i + 1's start.
    close = np.flatnonzero(starts[1:] - stops[:-1] < gap)
    if close.size:
        delta = np.zeros(len(f) + 1, dtype=np.int64)
        np.add.at(delta, stops[close], 1)
        np.add.at(delta, starts[close + 1], -1)
        out |= np.cumsum(delta[:-1]) > 0
    return out.astype(np.int64)
