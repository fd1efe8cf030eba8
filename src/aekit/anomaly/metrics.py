"""Scores for anomaly detection on series: event-level and point-adjusted F1.

An *event* is a maximal run of consecutive anomalous steps in the labels.

- Point-adjusted F1 (Xu et al., WWW 2018): when any step of a true event is
  flagged, every step of that event counts as flagged; then the usual
  point-wise F1. It rewards catching an event at all and is known to be
  generous (a single lucky flag inside a long event counts as the whole
  event; Kim et al., AAAI 2022).
- Event-level F1 (Hundman et al., KDD 2018, as the Orion benchmark computes
  it): a true event is found when any of its steps is flagged (a true
  positive) and missed otherwise (a false negative); a flagged run (a maximal
  run of consecutive flagged steps) that touches no event is a false alarm (a
  false positive). F1 = ``2 TP / (2 TP + FP + FN)``. Every false alarm costs,
  however short, and an event counts once however long, or however many
  separate flagged runs fall inside it.
- Pooled event F1 (:func:`event_counts`, :func:`f1_from_counts`): the same
  counts summed over the series of a collection before one F1 is taken. This
  is how the Orion benchmark (github.com/sintel-dev/Orion; Wong et al., IEEE
  BigData 2022) scores a data set such as a NAB category. A series with many
  false alarms weighs more here than in the mean of per-series F1.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of ``True`` in a 1-D mask as ``(start, stop)`` (stop exclusive)."""
    m = np.asarray(mask, dtype=bool).astype(np.int8)
    edges = np.diff(np.concatenate([[0], m, [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def _check(labels, predicted) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels).ravel().astype(bool)
    p = np.asarray(predicted).ravel().astype(bool)
    if y.shape != p.shape:
        raise ValueError(f"labels have {len(y)} steps but predictions {len(p)}")
    if len(y) == 0:
        raise ValueError("labels and predictions are empty: there is nothing to score")
    return y, p


def point_adjust(labels, predicted) -> np.ndarray:
    """Predictions with every true event fully flagged if any of its steps is.

    Parameters
    ----------
    labels, predicted : array-like of shape (T,)
        1 = anomalous step.

    Returns
    -------
    ndarray of shape (T,) of int
    """
    y, p = _check(labels, predicted)
    out = p.copy()
    for a, b in runs(y):
        if p[a:b].any():
            out[a:b] = True
    return out.astype(np.int64)


def point_adjusted_f1(labels, predicted) -> float:
    """Point-adjusted F1 (see the module docstring); 0 when nothing is flagged."""
    y, _ = _check(labels, predicted)
    return float(f1_score(y, point_adjust(labels, predicted), zero_division=0.0))


def event_f1(labels, predicted) -> float:
    """Event-level F1 (see the module docstring); 0 when no event is found."""
    return f1_from_counts(*event_counts(labels, predicted))


def event_counts(labels, predicted) -> tuple[int, int, int]:
    """Events found, events missed and false alarms on one series.

    Parameters
    ----------
    labels, predicted : array-like of shape (T,)
        1 = anomalous step.

    Returns
    -------
    found, missed, false_alarms : int
        ``false_alarms`` counts the flagged runs that touch no event.
    """
    y, p = _check(labels, predicted)
    hit = [bool(p[a:b].any()) for a, b in runs(y)]
    false_alarms = sum(not y[a:b].any() for a, b in runs(p))
    return sum(hit), len(hit) - sum(hit), int(false_alarms)


def f1_from_counts(found: int, missed: int, false_alarms: int) -> float:
    """Event F1 ``2 TP / (2 TP + FP + FN)`` from (summed) :func:`event_counts`.

    Parameters
    ----------
    found, missed, false_alarms : int
        True positives, false negatives and false positives, as
        :func:`event_counts` returns them for one series or summed over several.

    Returns
    -------
    float
        0 when nothing is found.
    """
    return 0.0 if found == 0 else float(2 * found / (2 * found + missed + false_alarms))


def best_f1(labels, scores, metric=event_f1, n_thresholds: int = 200) -> tuple[float, float]:
    """Highest ``metric`` over thresholds on ``scores`` (an *oracle*: it looks at the labels).

    Thresholds are ``n_thresholds`` quantiles of the scores between 0.5 and
    the largest value, and the ``n_thresholds`` highest distinct scores below
    the largest (so that flagging only the very top, often the best choice on
    a long series, is tried too). Reporting this number is optimistic: a real
    detector must choose its threshold without the test labels.

    Returns
    -------
    f1 : float
    threshold : float
        A step is flagged when its score is above it.
    """
    s = np.asarray(scores, dtype=np.float64).ravel()
    _check(labels, s)  # the same number of steps, and at least one
    top = np.unique(s)[-n_thresholds - 1 : -1]  # below the maximum: something is flagged
    cuts = np.unique(
        np.r_[np.quantile(s, np.linspace(0.5, 1.0, n_thresholds, endpoint=False)), top]
    )
    best = (0.0, float(cuts[-1]) if len(cuts) else 0.0)
    for c in cuts:
        f = metric(labels, s > c)
        if f > best[0]:
            best = (f, float(c))
    return best
