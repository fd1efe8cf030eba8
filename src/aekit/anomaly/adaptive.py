"""An adaptive threshold for series: each step against the scores that came before it.

Real series drift after a model is trained (a server's load grows, a sensor
ages): the reconstruction error of every later step grows with it, and a
threshold fixed at fit time then raises alarm after alarm. Here a step is
anomalous when its score lies more than ``n_sigmas`` standard deviations
above the mean of all earlier scores: the held-out calibration scores first,
then the series' own earlier steps. The rule is causal (a step needs only
its past), so it works on a stream as well as on a whole series; slow drift
raises the mean and the spread with it, while a sudden jump in error stands
out. Hundman et al. (KDD 2018) threshold smoothed errors against the
statistics of recent errors, and NAB's "anomaly likelihood" compares a score
with the distribution of earlier ones; this is the simplest form of that idea,
with one parameter.
"""

from __future__ import annotations

import numpy as np

#: Default number of standard deviations above the running mean.
N_SIGMAS = 6.0


def expanding_thresholds(
    prior: np.ndarray, scores: np.ndarray, n_sigmas: float = N_SIGMAS
) -> np.ndarray:
    """Threshold for each step: mean + ``n_sigmas`` x std of everything before it.

    Parameters
    ----------
    prior : ndarray of shape (n,)
        Scores seen before the series (held-out normal scores); at least one.
    scores : ndarray of shape (T,)
        The series' scores, in time order.
    n_sigmas : float
        How many standard deviations above the mean a step must lie.

    Returns
    -------
    ndarray of shape (T,)
        Step ``t``'s threshold from ``prior`` and ``scores[:t]`` (population
        standard deviation).
    """
    prior = np.asarray(prior, dtype=np.float64).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if len(prior) == 0:
        raise ValueError("the adaptive threshold needs at least one earlier score")
    # Centred on the prior's mean so the running sums of squares do not cancel.
    c = prior.mean()
    p, d = prior - c, s - c
    n = len(p) + np.arange(len(d), dtype=np.float64)
    s1 = p.sum() + np.concatenate(([0.0], np.cumsum(d)[:-1]))
    s2 = np.square(p).sum() + np.concatenate(([0.0], np.cumsum(np.square(d))[:-1]))
    mean = s1 / n
    std = np.sqrt(np.maximum(s2 / n - np.square(mean), 0.0))
    return c + mean + n_sigmas * std
