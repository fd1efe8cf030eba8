"""An adaptive threshold for series: each step against the scores that came before it.

Real series drift after a model is trained (a server's load grows, a sensor
ages): the reconstruction error of every later step grows with it, and a
threshold fixed at fit time then raises alarm after alarm. Here a step is
anomalous when its score lies more than ``n_sigmas`` standard deviations
above the mean of all earlier scores: the held-out calibration scores first,
then the series' own earlier steps. Slow drift raises the mean and the spread
with it, while a sudden jump in error stands out. Each score enters the
running statistics capped at :data:`CAP` times as far above the mean as the
threshold, so one extreme error cannot lift every later threshold (on NAB the
cap changed the event F1, as the benchmark counted it then, by less than 0.01;
capping at the threshold itself lowered it, because drift then never gets
absorbed).

An alarm, once raised, lasts while the score stays more than ``n_sigmas_off``
standard deviations above the running mean (hysteresis, as in a thermostat or a
Schmitt trigger): a score that hovers around the threshold then gives one alarm
instead of a string of short ones, each a false alarm once it falls outside
the event. On NAB's realAWSCloudwatch series (``benchmarks/anomaly_timeseries.py``,
seeds 0-2) ending alarms at 2.5 standard deviations instead of at the threshold
lifted the mean event F1 from 0.67 to 0.71 (figures in ``benchmarks/README.md``).

A step's threshold depends only on earlier scores. Each call starts again from
the calibration scores, so a long series scored in pieces gets different
thresholds than scored whole (pass the earlier scores as ``prior`` to continue;
an alarm in progress where the series was cut is not carried over).

Hundman et al. (KDD 2018) threshold smoothed errors against the statistics of
recent errors, and NAB's "anomaly likelihood" compares a score with the
distribution of earlier ones; this is the simplest form of that idea.
"""

from __future__ import annotations

import math

import numpy as np

from aekit._params import is_real

#: Default number of standard deviations above the running mean.
N_SIGMAS = 6.0
#: Default standard deviations above the running mean below which an alarm ends.
N_SIGMAS_OFF = 2.5
#: A score counts in the running statistics up to CAP x n_sigmas standard deviations.
CAP = 4.0


def expanding_thresholds(
    prior: np.ndarray,
    scores: np.ndarray,
    n_sigmas: float = N_SIGMAS,
    n_sigmas_off: float | None = None,
) -> np.ndarray:
    """Threshold for each step: mean + ``n_sigmas`` x std of everything before it.

    With ``n_sigmas_off``, a step that follows a flagged step (its score above
    its threshold) gets mean + ``n_sigmas_off`` x std instead, so an alarm lasts
    until the score falls that low. Either way ``scores > thresholds`` are the
    flagged steps.

    Parameters
    ----------
    prior : ndarray of shape (n,)
        Finite scores seen before the series (held-out normal scores); at least one.
    scores : ndarray of shape (T,)
        The series' scores, in time order. An infinite score is above any
        threshold and enters the statistics at the cap; a NaN score enters
        as the mean, so it moves neither. While the earlier scores have no
        spread (a constant prior), scores enter uncapped: a cap at the mean
        would keep the threshold there for good.
    n_sigmas : float
        How many standard deviations above the mean a step must lie.
    n_sigmas_off : float or None
        Standard deviations above the mean below which an alarm ends, at most
        ``n_sigmas``; None ends it as soon as a score is at or below the
        ``n_sigmas`` threshold.

    Returns
    -------
    ndarray of shape (T,)
        Step ``t``'s threshold from ``prior`` and ``scores[:t]`` (population
        standard deviation; each score capped as the module docstring says),
        or the lower ``n_sigmas_off`` threshold while an alarm lasts.
    """
    prior = np.asarray(prior, dtype=np.float64).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if len(prior) == 0:
        raise ValueError("the adaptive threshold needs at least one earlier score")
    if not np.isfinite(prior).all():
        raise ValueError("the earlier scores contain NaN or infinity")
    if np.isneginf(s).any():
        raise ValueError("the scores contain -inf; an anomaly score is a finite number or +inf")
    if not (is_real(n_sigmas) and n_sigmas > 0):
        raise ValueError(f"n_sigmas must be a positive number, got {n_sigmas!r}")
    off = n_sigmas if n_sigmas_off is None else n_sigmas_off
    if not (is_real(off) and 0 <= off <= n_sigmas):
        raise ValueError(
            f"n_sigmas_off must lie between 0 and n_sigmas ({n_sigmas}), got {n_sigmas_off!r}"
        )
    # Sums centred on the prior's mean, so the sum of squares does not cancel.
    c = float(prior.mean())
    n = float(len(prior))
    s1 = float((prior - c).sum())
    s2 = float(np.square(prior - c).sum())
    out = np.empty(len(s))
    alarm = False
    # A loop: each step's cap depends on the statistics the steps before it left.
    for t, x in enumerate(s.tolist()):
        mean = s1 / n
        std = math.sqrt(max(s2 / n - mean * mean, 0.0))
        out[t] = c + mean + (off if alarm else n_sigmas) * std
        alarm = x > out[t]  # NaN compares False: it ends an alarm
        if x != x:
            v = mean  # NaN
        elif std > 0 or x == math.inf:
            v = min(x - c, mean + CAP * n_sigmas * std)
        else:
            v = x - c
        n += 1.0
        s1 += v
        s2 += v * v
    return out
