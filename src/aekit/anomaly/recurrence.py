"""Alarms the series has shown before: dropped when an earlier part already explains them.

An autoencoder trained on a normal stretch flags every pattern it never saw,
and keeps flagging it each time it comes back: a server whose load resets
every few days, a disk that writes in large bursts after a change. Once a
pattern has recurred, it is part of how the series behaves. NAB's online
detectors learn this as they go; here the series' own past stands in for it.

For each flagged run, the windows of ``m`` steps that cover part of it and
carry its raised error are looked at: those whose error is above
:data:`NORMAL_LEVEL` times the model's typical held-out error and at least
:data:`PEAK_SHARE` of the run's highest window error. A window's error is the
mean of the model's per-step errors over it. Each is compared with the
earlier windows of the same series, those that end before the stretch of
raised error holding the run starts (so an alarm raised late in an event is
not matched against the event's own start): when the nearest of them is
closer to it than ``ratio`` times its error, both as mean squared difference
per value, the past explains that window better than the model does. A run
all of whose raised windows are explained repeats something the series has
already shown, and is dropped. A run with a single raised window that
nothing earlier comes close to (the onset of something new) is kept, and so
is the first occurrence of any pattern.

An alarm longer than ``sustained`` steps (the detector passes the score's
reach, as for ``alarm_gap``: twice the longest member window plus the
smoothing) is a lasting state, not one pattern: its raised windows cover
different parts of it, and each having a near copy somewhere earlier says
only that the state is made of familiar pieces. Such a run repeats the past
only if one earlier stretch holds near copies of all its raised windows, in
the same order and at the same spacing. On NAB this kept the event of
cpu_utilization_asg_misconfiguration on the seed where every raised 8-step
window of its alarms (up to 470 steps long) had a near copy earlier, and
changed no other series (``benchmarks/README.md``).

This is the idea of discord search on a series' left matrix profile (each
window's distance to its nearest earlier window), applied only to the
model's alarms, with the model's error as the yardstick. The price: a real
anomaly that repeats an earlier one closely enough is dropped too. The
default ratio and the two levels below were chosen on NAB; their figures,
with the seeds on which the gain holds and those on which it does not, are in
``benchmarks/README.md``.

Only alarms are searched, each raised window of them against every earlier
window, so the cost grows with the flagged steps times the series' length
(20 alarms of 40 steps in a series of a million steps took 1.6 s on 2 cores,
windows of 32); a long alarm usually stops at its first unexplained block.
A lasting alarm is searched for one stretch instead: one pass over the
earlier windows, then shifts tried a block at a time against windows spread
over the run, stopping at the first that fits. On a sine of a million steps
(windows of 32), a 3000-step alarm took 0.12 s that way against 11.3 s
window by window when it repeated the sine (dropped), and 0.18 s against
11.1 s when its two halves were half a period apart (kept).
"""

from __future__ import annotations

import numpy as np

from aekit._params import is_real
from aekit.anomaly.metrics import runs
from aekit.anomaly.windows import sliding_windows

#: Default ``recurrence_ratio``: the nearest earlier window must lie within 0.4 times
#: the model's error for a window to count as already seen.
RECURRENCE_RATIO = 0.4
#: A window whose error is at most this many times the model's typical held-out
#: error is normal: nothing in it needs explaining. Without it, windows at the
#: edge of a run (normal steps) decided whether it was kept, through their noise:
#: two noisy windows lie about twice the noise variance apart, against about the
#: noise variance between a window and its reconstruction. Not 1 or 2: a step's
#: error is averaged over the model windows covering it, so normal steps up to a
#: model window away from an event carry some of its error (2.2-2.5 times the
#: typical one in the test of a repeated burst on a sine).
NORMAL_LEVEL = 4.0
#: Windows below this share of a run's highest window error are its edges, where a
#: little of the event's error meets the noise of normal steps (the same noise
#: argument as above): they do not decide.
PEAK_SHARE = 0.1
#: Earlier windows compared per block, and an alarm's windows per block, bounding
#: memory (a block pair holds BLOCK x QUERY_BLOCK distances) on long series and alarms.
BLOCK = 4096
QUERY_BLOCK = 1024
#: Shifts tried at once when a lasting alarm must repeat one earlier stretch, and
#: the values one step of that search compares at most (bounding its memory), or
#: SHIFT_BLOCK windows' worth where one window holds more than MAX_VALUES / SHIFT_BLOCK.
SHIFT_BLOCK = 256
MAX_VALUES = 2**21


def check_ratio(ratio) -> None:
    """Refuse a ``recurrence_ratio`` that is neither None nor a number >= 0."""
    if not (ratio is None or (is_real(ratio) and 0 <= ratio < np.inf)):
        raise ValueError(
            f"recurrence_ratio must be None or a finite number >= 0, got {ratio!r}"
        )


def _nearest_earlier(windows: np.ndarray, queries: np.ndarray, n_past: int) -> np.ndarray:
    """Squared distance of each query row to its nearest row of ``windows[:n_past]``.

    ``windows`` is ``(n, C, m)``, ``queries`` ``(n_queries, C * m)``; returns
    shape (n_queries,). The nearest row is found through the expanded square
    ``|q|^2 + |p|^2 - 2 q.p`` and its distance then taken exactly, so an exact
    copy lies at 0, not at a rounding error from it.
    """
    q = queries.astype(np.float64)
    qq = np.einsum("ij,ij->i", q, q)[:, None]
    best = np.full(len(q), np.inf)
    where = np.zeros(len(q), dtype=np.int64)
    for s in range(0, n_past, BLOCK):
        p = windows[s : min(s + BLOCK, n_past)].reshape(-1, q.shape[1]).astype(np.float64)
        d = qq + np.einsum("ij,ij->i", p, p)[None, :] - 2.0 * (q @ p.T)
        i = d.argmin(axis=1)
        d_min = d[np.arange(len(q)), i]
        better = d_min < best
        best[better], where[better] = d_min[better], s + i[better]
    nearest = windows[where].reshape(len(q), -1).astype(np.float64)
    return np.square(q - nearest).sum(axis=1)


def _explained(
    wins: np.ndarray, first: int, idx: np.ndarray, err: np.ndarray, n_past: int, ratio: float
) -> bool:
    """Whether every window ``first + idx`` has an earlier window within ``ratio * err``.

    Highest errors first, :data:`QUERY_BLOCK` at a time, stopping at the first
    window left unexplained: a long alarm (a lasting shift) is then usually
    settled by its first block, and memory stays bounded.
    """
    n_values = wins.shape[1] * wins.shape[2]
    order = np.argsort(-err, kind="stable")
    for s in range(0, len(order), QUERY_BLOCK):
        part = order[s : s + QUERY_BLOCK]
        q = wins[first + idx[part]].reshape(len(part), -1)
        if (_nearest_earlier(wins, q, n_past) / n_values > ratio * err[part]).any():
            return False
    return True


def _in_one_stretch(
    wins: np.ndarray, starts: np.ndarray, err: np.ndarray, n_past: int, ratio: float
) -> bool:
    """Whether one shift puts every window ``starts`` near an earlier window.

    That is, some ``d`` with every ``wins[starts - d]`` among the first
    ``n_past`` windows and within ``ratio * err`` of ``wins[starts]`` (mean
    squared difference per value). The shifts tried are those that put the
    most raised window on one of its near copies, :data:`SHIFT_BLOCK` at a
    time, against windows spread over the run: a shift usually fails within
    the first few windows, and the first that passes them all settles it.
    """
    n_values = wins.shape[1] * wins.shape[2]
    # The most raised window first, then the others spread over the run (its ends,
    # middle, quarters, ...): a shift that fits one part of a new arrangement
    # usually fails at another part, found that way within a few windows.
    inner = np.arange(1, len(starts) - 1)
    by_level = inner[np.argsort(-(inner & -inner), kind="stable")]  # 2^j first, odd last
    spread = np.r_[0, len(starts) - 1, by_level] if len(starts) > 2 else np.arange(len(starts))
    top = int(np.argmax(err))
    order = np.r_[top, spread[spread != top]]
    starts, tol = starts[order], ratio * err[order]
    lo, hi = int(starts.max()) - n_past + 1, int(starts.min())  # shifts that stay in the past
    target = wins[starts[0]].astype(np.float64)
    found = []
    for s in range(0, n_past, BLOCK):
        part = wins[s : min(s + BLOCK, n_past)].astype(np.float64)
        d = np.square(part - target).sum(axis=(1, 2)) / n_values
        found.append(starts[0] - (s + np.flatnonzero(d <= tol[0])))
    shifts = np.concatenate(found)
    shifts = shifts[(shifts >= lo) & (shifts <= hi)]
    # Windows compared per step: one at first, since most shifts fail within a few
    # windows, then twice as many each step, up to about MAX_VALUES values a step.
    most = max(1, MAX_VALUES // (SHIFT_BLOCK * n_values))
    for s in range(0, len(shifts), SHIFT_BLOCK):
        cand = shifts[s : s + SHIFT_BLOCK]
        w, step = 1, 1
        while w < len(starts) and len(cand):
            at = starts[w : w + step]
            part = wins[at[:, None] - cand[None, :]].astype(np.float64)  # (step, cand, C, m)
            d = np.square(part - wins[at][:, None].astype(np.float64)).sum(axis=(2, 3))
            cand = cand[(d / n_values <= tol[w : w + step, None]).all(axis=0)]
            w, step = w + step, min(2 * step, most)
        if len(cand):
            return True
    return False


def drop_recurring(
    flags: np.ndarray,
    xs: np.ndarray,
    errors: np.ndarray,
    window: int,
    ratio: float,
    normal_error: float,
    sustained: int | None = None,
) -> np.ndarray:
    """``flags`` without the runs that repeat an earlier part of the series.

    Parameters
    ----------
    flags : ndarray of shape (T,)
        1 (or True) for a flagged step.
    xs : ndarray of shape (T, C)
        The series, in the units the model reads (scaled per channel).
    errors : ndarray of shape (T,)
        The model's squared reconstruction error per step, mean over channels,
        in the same units as ``xs``.
    window : int
        Length ``m`` of the windows compared.
    ratio : float
        A window counts as already seen when its nearest earlier window lies
        within ``ratio`` times its mean error (both per value).
    normal_error : float
        The model's typical squared error per value on normal data; a window
        whose mean error is at most :data:`NORMAL_LEVEL` times it is normal.
    sustained : int or None, default=None
        A run longer than this many steps must repeat one earlier stretch: one
        shift must put every raised window on an earlier window within the
        same tolerance (same order and spacing; see the module docstring),
        which implies the window-by-window test. None: every run is judged
        window by window.

    Returns
    -------
    ndarray of shape (T,), int64
        ``flags`` with every step of a recurring run set to 0.
    """
    out = np.asarray(flags).astype(np.int64).copy()
    T, C = xs.shape
    m = int(window)
    if T < 2 * m:  # no window has an earlier one that does not overlap it
        return out
    wins = sliding_windows(xs, m)  # (T - m + 1, C, m), a view
    # Each window's mean error, summed window by window: a running sum would let one
    # huge step error swallow every later window's. inf or NaN in a window stays there.
    win_err = sliding_windows(np.asarray(errors, dtype=np.float64)[:, None], m)[:, 0].mean(axis=1)
    high = ~(win_err <= NORMAL_LEVEL * normal_error)  # NaN counts as high
    # The last window at or before each one whose error is not raised (-1: none).
    last_low = np.maximum.accumulate(np.where(high, -1, np.arange(len(high))))
    for a, b in runs(out):
        first, stop = max(0, a - m + 1), min(b, T - m + 1)
        err = win_err[first:stop]
        if stop <= first or not np.isfinite(err).all():
            continue  # an overflowing error is nothing the past can explain
        raised = high[first:stop]
        if not raised.any():
            continue  # this model saw nothing here: the alarm came from the others
        # The past ends before the stretch of raised error the alarm belongs to, so
        # an alarm raised late in an event is not matched against the event's start.
        onset = last_low[first - 1] + 1 if first > 0 else 0
        n_past = onset - m + 1  # earlier windows end before that stretch starts
        if n_past <= 0:
            continue
        idx = np.flatnonzero(raised & (err >= PEAK_SHARE * err.max()))
        if sustained is not None and b - a > sustained:
            # One stretch holding every window implies a near copy for each, so the
            # window-by-window search would only repeat work here.
            repeat = _in_one_stretch(wins, first + idx, err[idx], n_past, ratio)
        else:
            repeat = _explained(wins, first, idx, err[idx], n_past, ratio)
        if repeat:
            out[a:b] = 0
    return out
