"""From anomaly scores to decisions: contamination quantiles, fixed values, conformal p-values.

Every rule here works on *held-out* normal scores (the calibration scores),
never on the scores of the rows a model was trained on: a network reconstructs
its own training rows better than new ones, so a quantile of training scores
would flag too many new normal rows.

Conformal p-values (Vovk et al. 2005; Bates et al., "Testing for outliers with
conformal p-values", 2023): with ``n`` calibration scores ``c_i`` of normal
rows, the p-value of a new score ``s`` is

    p(s) = (1 + #{i : c_i >= s}) / (n + 1).

When the new row is normal and exchangeable with the calibration rows,
``P(p(s) <= alpha) <= alpha`` for every ``alpha``: flagging ``p <= alpha``
has a false-positive rate of at most ``alpha``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from aekit._params import is_count
from aekit._warnings import warn_user

#: Named threshold rules; a real number is a fixed threshold.
THRESHOLD_RULES = ("contamination", "conformal")
#: Series detectors also know 'adaptive' (see :mod:`aekit.anomaly.adaptive`) and
#: 'max' (see :func:`max_threshold`).
SERIES_THRESHOLD_RULES = ("adaptive", "max", "contamination", "conformal")
#: Margin of the 'max' rule over the highest held-out score.
MAX_MARGIN = 1.5


def check_threshold(threshold, rules: tuple[str, ...] = THRESHOLD_RULES) -> str | float:
    """Validate a ``threshold`` parameter: a rule name or a finite number.

    Parameters
    ----------
    threshold : str or float
        One of ``rules``, or a fixed threshold.
    rules : tuple of str
        The rule names allowed.

    Returns
    -------
    str or float
    """
    if isinstance(threshold, str):
        if threshold not in rules:
            raise ValueError(f"threshold must be one of {rules} or a number, got {threshold!r}")
        return threshold
    if isinstance(threshold, numbers.Real) and not isinstance(threshold, bool):
        if not math.isfinite(threshold):
            raise ValueError(f"a fixed threshold must be finite, got {threshold!r}")
        return float(threshold)
    raise ValueError(f"threshold must be one of {rules} or a number, got {threshold!r}")


def check_contamination(contamination) -> float:
    """Validate ``contamination``: a share of anomalies in ``(0, 0.5]``."""
    if (
        not isinstance(contamination, numbers.Real)
        or isinstance(contamination, bool)
        or not 0 < contamination <= 0.5
    ):
        raise ValueError(f"contamination must be a number in (0, 0.5], got {contamination!r}")
    return float(contamination)


def quantile_threshold(calibration_scores: np.ndarray, contamination: float) -> float:
    """Score above which a share ``contamination`` of the calibration rows lies.

    Parameters
    ----------
    calibration_scores : ndarray of shape (n,)
        Anomaly scores (higher = more anomalous) of held-out normal rows.
    contamination : float
        Share of rows to flag, in ``(0, 0.5]``.

    Returns
    -------
    float
        The ``1 - contamination`` quantile (linear interpolation).
    """
    scores = _check_scores(calibration_scores)
    return float(np.quantile(scores, 1.0 - contamination))


def max_threshold(calibration_scores: np.ndarray, margin: float = MAX_MARGIN) -> float:
    """``margin`` times the highest calibration score (the scores must be >= 0).

    Meant for series, whose held-out stretch is short: its quantiles say
    little about how high a normal score gets over a long series, and every
    false alarm is a separate event to the user. A margin over the maximum
    trades small events for far fewer false alarms.

    Parameters
    ----------
    calibration_scores : ndarray of shape (n,)
    margin : float

    Returns
    -------
    float
    """
    scores = _check_scores(calibration_scores)
    return float(margin * scores.max())


def conformal_threshold(calibration_scores: np.ndarray, alpha: float) -> float:
    """Smallest score cut that flags exactly the rows with ``p_value <= alpha``.

    A row is flagged when its score is strictly above the returned value. With
    ``m = floor(alpha * (n + 1)) - 1`` (how many calibration scores may lie at
    or above a flagged score), the cut is the ``(n - m)``-th smallest
    calibration score; when ``m < 0`` no score can reach the level and the cut
    is ``+inf``.

    Parameters
    ----------
    calibration_scores : ndarray of shape (n,)
    alpha : float
        Significance level (the false-positive rate to guarantee).

    Returns
    -------
    float
    """
    scores = np.sort(_check_scores(calibration_scores))
    n = len(scores)
    m = math.floor(alpha * (n + 1) + 1e-12) - 1
    if m < 0:
        return math.inf
    if m >= n:
        return -math.inf
    return float(scores[n - m - 1])


def conformal_p_values(calibration_scores: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Conformal p-values of ``scores`` against normal calibration scores.

    Parameters
    ----------
    calibration_scores : ndarray of shape (n,)
        Scores of held-out normal rows.
    scores : ndarray of shape (m,)
        Scores to test.

    Returns
    -------
    ndarray of shape (m,)
        ``(1 + #{calibration >= score}) / (n + 1)``, in ``[1/(n+1), 1]``;
        small values mean anomalous.
    """
    cal = np.sort(_check_scores(calibration_scores))
    s = np.asarray(scores, dtype=np.float64)
    at_or_above = len(cal) - np.searchsorted(cal, s, side="left")
    return (1.0 + at_or_above) / (len(cal) + 1.0)


def _check_scores(scores: np.ndarray) -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64).ravel()
    if len(s) == 0:
        raise ValueError("no calibration scores: the threshold needs held-out normal rows")
    if not np.isfinite(s).all():
        raise ValueError("calibration scores contain NaN or infinity")
    return s


def make_threshold(
    rule: str | float, calibration_scores: np.ndarray, contamination: float
) -> float:
    """The threshold for a checked ``rule`` (see :func:`check_threshold`).

    Parameters
    ----------
    rule : {'contamination', 'conformal', 'max'} or float
    calibration_scores : ndarray of shape (n,)
        Scores of held-out normal data.
    contamination : float
        Expected anomaly share (the conformal level for ``'conformal'``).

    Returns
    -------
    float
    """
    if rule == "max":
        return max_threshold(calibration_scores)
    if rule == "contamination":
        return quantile_threshold(calibration_scores, contamination)
    if rule == "conformal":
        cut = conformal_threshold(calibration_scores, contamination)
        if cut == math.inf:
            need = math.ceil(1.0 / contamination - 1.0 - 1e-9)
            warn_user(
                f"threshold='conformal' at contamination={contamination} needs at least "
                f"{need} held-out scores to flag anything, and there are "
                f"{len(calibration_scores)}: predict() will flag nothing (p-values still "
                "rank). Give more normal data, a larger calibration_fraction or a larger "
                "contamination."
            )
        return cut
    return float(rule)


def check_calibration_params(est, int_names: tuple[str, ...]) -> None:
    """Check ``calibration_fraction``, ``hidden`` and the positive-integer-or-None parameters."""
    cf = est.calibration_fraction
    if not isinstance(cf, numbers.Real) or not 0 < cf <= 0.5:
        raise ValueError(f"calibration_fraction must be in (0, 0.5], got {cf!r}")
    for name in int_names:
        v = getattr(est, name)
        if v is not None and not is_count(v):
            raise ValueError(f"{name} must be a positive integer or None, got {v!r}")
    h = est.hidden
    if h is not None and (isinstance(h, str) or not hasattr(h, "__iter__")):
        raise ValueError(f"hidden must be None or a tuple of layer sizes, e.g. (64, 32), got {h!r}")
