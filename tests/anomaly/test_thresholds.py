"""Threshold rules and conformal p-values (pure numpy, no training)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import kstest

from aekit.anomaly.thresholds import (
    check_contamination,
    check_threshold,
    conformal_p_values,
    conformal_threshold,
    make_threshold,
    quantile_threshold,
)


def test_quantile_threshold_flags_the_contamination_share():
    rng = np.random.default_rng(0)
    cal = rng.normal(size=5000)
    new = rng.normal(size=20000)
    thr = quantile_threshold(cal, 0.05)
    assert abs((new > thr).mean() - 0.05) < 0.01


def test_conformal_p_values_are_uniform_on_exchangeable_normals():
    rng = np.random.default_rng(1)
    cal = rng.exponential(size=999)
    p = conformal_p_values(cal, rng.exponential(size=5000))
    assert p.min() >= 1 / 1000 and p.max() <= 1.0
    assert kstest(p, "uniform").pvalue > 0.01
    # Validity at a few levels: P(p <= a) <= a (up to sampling error).
    for a in (0.01, 0.05, 0.2):
        assert (p <= a).mean() <= a + 3 * np.sqrt(a * (1 - a) / 5000)


def test_conformal_threshold_matches_p_value_rule():
    rng = np.random.default_rng(2)
    cal = np.round(rng.normal(size=200), 1)  # ties on purpose
    s = np.round(rng.normal(scale=2, size=3000), 1)
    for a in (0.005, 0.01, 0.05, 0.1, 0.5):
        thr = conformal_threshold(cal, a)
        np.testing.assert_array_equal(s > thr, conformal_p_values(cal, s) <= a)


def test_conformal_threshold_too_strict_level_flags_nothing():
    assert conformal_threshold(np.arange(10.0), 0.05) == np.inf
    with pytest.warns(UserWarning, match="needs at least 19 held-out scores"):
        assert make_threshold("conformal", np.arange(10.0), 0.05) == np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 19 scores reach the 0.05 level: no warning
        assert make_threshold("conformal", np.arange(19.0), 0.05) == 18.0


def test_anomalies_get_small_p_values():
    cal = np.random.default_rng(3).normal(size=500)
    p = conformal_p_values(cal, np.array([10.0, -10.0]))
    assert p[0] == pytest.approx(1 / 501)
    assert p[1] == 1.0


@pytest.mark.parametrize("bad", [0, -0.1, 0.7, "x", None, True, np.nan])
def test_bad_contamination(bad):
    with pytest.raises(ValueError, match="contamination"):
        check_contamination(bad)


@pytest.mark.parametrize("bad", ["quantile", np.inf, None, [1.0]])
def test_bad_threshold(bad):
    with pytest.raises(ValueError, match="threshold"):
        check_threshold(bad)


def test_empty_or_nan_calibration():
    with pytest.raises(ValueError, match="calibration"):
        quantile_threshold(np.array([]), 0.1)
    with pytest.raises(ValueError, match="NaN"):
        conformal_p_values(np.array([1.0, np.nan]), np.array([0.0]))


def test_max_threshold_and_series_rules():
    from aekit.anomaly.thresholds import SERIES_THRESHOLD_RULES, max_threshold

    assert max_threshold(np.array([0.5, 2.0, 1.0])) == 3.0
    assert check_threshold("max", SERIES_THRESHOLD_RULES) == "max"
    with pytest.raises(ValueError, match="threshold"):
        check_threshold("max")  # not a rule of the table detector


def test_expanding_thresholds_match_a_direct_computation():
    from aekit.anomaly.adaptive import expanding_thresholds

    rng = np.random.default_rng(0)
    prior, s = 100 + rng.normal(size=7), 100 + rng.gamma(1.0, size=30)
    thr = expanding_thresholds(prior, s, n_sigmas=2.5)
    for t in (0, 1, 17, 29):
        past = np.r_[prior, s[:t]]
        assert thr[t] == pytest.approx(past.mean() + 2.5 * past.std(), rel=1e-12)
    with pytest.raises(ValueError, match="at least one earlier score"):
        expanding_thresholds(np.array([]), s)


def test_expanding_thresholds_cap_extreme_scores():
    from aekit.anomaly.adaptive import CAP, expanding_thresholds

    rng = np.random.default_rng(1)
    prior, s = rng.normal(size=200), rng.normal(size=400)
    s[100] = 1e6  # one extreme error
    thr = expanding_thresholds(prior, s, n_sigmas=3.0)
    past = np.r_[prior, s[:100]]
    # it entered at the cap, not at 1e6: later thresholds stay near the normal ones
    capped = past.mean() + CAP * 3.0 * past.std()
    with_cap = np.r_[past, capped]
    assert thr[101] == pytest.approx(with_cap.mean() + 3.0 * with_cap.std(), rel=1e-9)
    assert thr[101] < 10 and (s[101:] > thr[101:]).mean() < 0.01
    s[200] = np.inf
    thr = expanding_thresholds(prior, s, n_sigmas=3.0)
    assert np.isfinite(thr).all() and s[200] > thr[200]
    with pytest.raises(ValueError, match="NaN or infinity"):
        expanding_thresholds(np.array([1.0, np.nan]), s)
    with pytest.raises(ValueError, match="the scores contain -inf"):
        expanding_thresholds(prior, np.array([0.0, -np.inf]))


def test_expanding_thresholds_keep_an_alarm_on_until_the_lower_level():
    from aekit.anomaly.adaptive import expanding_thresholds
    from aekit.anomaly.metrics import runs

    rng = np.random.default_rng(2)
    prior = rng.normal(size=5000)  # mean near 0, std near 1
    s = rng.normal(size=300)
    # An event whose score hovers around the 6-sigma threshold: 5 to 8 sigmas.
    s[100:140] = 6.5 + 1.5 * np.sin(np.arange(40))
    plain = s > expanding_thresholds(prior, s, n_sigmas=6.0)
    held = s > expanding_thresholds(prior, s, n_sigmas=6.0, n_sigmas_off=2.0)
    assert len(runs(plain[90:150])) > 5  # one event, many short alarms
    assert runs(held[90:150]) == [(10, 50)]  # one alarm, the whole event
    assert not held[:100].any() and not held[150:].any()
    # Off equal to n_sigmas, or None, is the plain rule; step t's threshold is
    # the lower one exactly when step t-1 was flagged.
    np.testing.assert_array_equal(
        expanding_thresholds(prior, s, 6.0, 6.0), expanding_thresholds(prior, s, 6.0))
    hi = expanding_thresholds(prior, s, 6.0)
    lo = expanding_thresholds(prior, s, 6.0, 2.0)
    assert np.all((lo < hi) == np.r_[False, held[:-1]])
    for bad in (-1.0, 6.5, True, "2", np.nan):
        with pytest.raises(ValueError, match="n_sigmas_off must lie between 0 and n_sigmas"):
            expanding_thresholds(prior, s, 6.0, bad)
    for bad in (0.0, np.inf, "6"):
        with pytest.raises(ValueError, match="n_sigmas must be a positive number"):
            expanding_thresholds(prior, s, bad)


def test_expanding_thresholds_adapt_after_a_prior_without_spread():
    from aekit.anomaly.adaptive import expanding_thresholds

    # A perfectly reconstructed held-out part: every earlier score is 0. The
    # first error is flagged, and the threshold then follows the scores; capped
    # at a mean of 0 they stayed at 0, and every later step was flagged.
    s = np.random.default_rng(0).random(200)
    thr = expanding_thresholds(np.zeros(50), s, n_sigmas=3.0)
    assert thr[0] == 0 and s[0] > thr[0]
    assert (s[1:] > thr[1:]).mean() < 0.05
