"""Sliding windows, period detection, window errors back to steps, and series F1 scores."""

from __future__ import annotations

import numpy as np
import pytest

from aekit.anomaly.metrics import (
    best_f1,
    event_counts,
    event_f1,
    f1_from_counts,
    point_adjust,
    point_adjusted_f1,
    runs,
)
from aekit.anomaly.windows import (
    DEFAULT_WINDOW,
    choose_window,
    detect_period,
    sliding_windows,
    windows_to_steps,
)


def test_sliding_windows_layout():
    x = np.arange(20.0).reshape(10, 2)
    W = sliding_windows(x, 4)
    assert W.shape == (7, 2, 4)
    np.testing.assert_array_equal(W[2, 1], x[2:6, 1])
    assert sliding_windows(x, 4, stride=3).shape == (3, 2, 4)
    with pytest.raises(ValueError, match="fewer than the window"):
        sliding_windows(x, 11)


def test_windows_to_steps_inverts_windowing():
    x = np.random.default_rng(0).normal(size=(50, 3))
    np.testing.assert_allclose(windows_to_steps(sliding_windows(x, 8), 50), x)
    strided = windows_to_steps(sliding_windows(x, 8, stride=4), 50, stride=4)
    np.testing.assert_allclose(strided[:48], x[:48])
    assert np.isnan(strided[48:]).all()  # not covered by any window


@pytest.mark.parametrize("period", [24, 50, 96])
def test_detect_period_of_noisy_seasonal_series(period):
    rng = np.random.default_rng(period)
    t = np.arange(3000)
    x = np.sin(2 * np.pi * t / period) + 0.3 * rng.normal(size=t.size) + 1e-4 * t
    assert abs(detect_period(x[:, None]) - period) <= 1


@pytest.mark.parametrize("T", [4000, 20000])
def test_a_noisy_period_is_not_taken_for_one_of_its_multiples(T):
    # Multiples of the period peak almost as high; noise put the highest on
    # 2P, 3P or 4P for most of these seeds (100-350 for a period of 50).
    t = np.arange(T)
    for seed in range(4):
        x = np.sin(2 * np.pi * t / 50) + np.random.default_rng(seed).normal(size=T)
        assert abs(detect_period(x[:, None]) - 50) <= 2


def test_no_period_in_noise_or_constants():
    rng = np.random.default_rng(0)
    assert detect_period(rng.normal(size=(2000, 1))) is None
    assert detect_period(np.ones((100, 2))) is None
    assert choose_window(rng.normal(size=(2000, 1))) == DEFAULT_WINDOW


def test_long_period_gives_a_fraction_of_it():
    t = np.arange(4032)
    x = np.sin(2 * np.pi * t / 288)[:, None]
    assert choose_window(x) == 96


def test_runs_and_point_adjust():
    y = np.array([0, 1, 1, 1, 0, 0, 1, 1, 0])
    p = np.array([0, 0, 1, 0, 0, 1, 0, 0, 0])
    assert runs(y) == [(1, 4), (6, 8)]
    np.testing.assert_array_equal(point_adjust(y, p), [0, 1, 1, 1, 0, 1, 0, 0, 0])
    # adjusted: TP 3, FP 1, FN 2 -> precision 3/4, recall 3/5
    assert point_adjusted_f1(y, p) == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    # events: 1 of 2 found (TP 1, FN 1); one flagged run touches no event (FP 1)
    assert event_f1(y, p) == pytest.approx(0.5)
    assert event_f1(y, np.zeros_like(y)) == 0.0
    assert event_f1(y, y) == 1.0


def test_event_f1_counts_an_event_once_however_many_runs_flag_it():
    y = np.r_[np.zeros(5), np.ones(20), np.zeros(10)]
    p = np.zeros_like(y)
    p[6:24:4] = 1  # five separate flagged runs inside the one event
    p[30] = 1  # and one false alarm
    assert event_counts(y, p) == (1, 0, 1)
    assert event_f1(y, p) == pytest.approx(2 / 3)  # not 5/6 precision from counting runs


def test_pooled_event_f1_sums_counts_over_series():
    y = np.array([0, 1, 1, 1, 0, 0, 1, 1, 0])
    p = np.array([1, 0, 1, 1, 0, 1, 0, 0, 1])  # 3 of its 4 runs touch no event; event 1 is hit
    assert event_counts(y, p) == (1, 1, 3)
    assert event_counts(y, y) == (2, 0, 0)
    assert event_counts(np.zeros(5), [0, 1, 1, 0, 1]) == (0, 0, 2)
    # pooled over the two series: TP 3, FN 1, FP 3
    assert f1_from_counts(*np.add(event_counts(y, p), event_counts(y, y))) == pytest.approx(6 / 10)
    assert f1_from_counts(0, 2, 0) == 0.0
    with pytest.raises(ValueError, match="9 steps but predictions 3"):
        event_counts(y, [0, 1, 0])


def test_best_f1_is_an_upper_bound_on_any_threshold():
    rng = np.random.default_rng(0)
    y = np.zeros(500, dtype=int)
    y[200:220] = 1
    s = rng.normal(size=500) + 3 * y
    f, thr = best_f1(y, s)
    assert f >= event_f1(y, s > np.quantile(s, 0.9))
    assert f == pytest.approx(event_f1(y, s > thr))
    with pytest.raises(ValueError, match="steps"):
        event_f1(y, s[:10] > 0)


def test_empty_or_zero_length_inputs_are_refused():
    for f in (point_adjusted_f1, event_f1):
        with pytest.raises(ValueError, match="empty: there is nothing to score"):
            f([], [])
    with pytest.raises(ValueError, match="empty: there is nothing to score"):
        best_f1([], [])
    with pytest.raises(ValueError, match="window length must be at least 1, got 0"):
        sliding_windows(np.zeros((5, 1)), 0)


def test_best_f1_tries_flagging_only_the_top_scores():
    # One high step inside an event and five lower noise steps elsewhere: every
    # quantile between 0.5 and 1 is 0 and flags the noise too; only a cut between
    # the top scores finds the perfect F1.
    y = np.zeros(5000, dtype=int)
    y[3000:3050] = 1
    s = np.zeros(5000)
    s[[100, 600, 1100, 1600, 2100]] = 1.0
    s[3010] = 5.0
    f, thr = best_f1(y, s)
    assert f == 1.0 and 1.0 <= thr < 5.0
