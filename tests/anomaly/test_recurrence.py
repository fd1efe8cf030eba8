"""Alarms that repeat an earlier part of the series are dropped; new ones are kept."""

from __future__ import annotations

import numpy as np
import pytest

import aekit
from aekit import TimeSeriesDetector
from aekit.anomaly.metrics import runs
from aekit.anomaly.recurrence import NORMAL_LEVEL, drop_recurring

M = 10  # window of the unit tests


def bumps(starts, T=400, shapes=None, channels=1):
    """A flat series with bumps, the model's error on them, and flags over them."""
    xs = np.zeros((T, channels))
    err = np.zeros(T)
    flags = np.zeros(T, dtype=np.int64)
    for i, a in enumerate(starts):
        shape = np.hanning(M) if shapes is None else shapes[i]
        xs[a : a + M, 0] += shape
        err[a : a + M] = 0.5  # far above the normal error of 1e-3
        flags[a - 3 : a + M + 3] = 1
    return xs, err, flags


def test_an_exact_repeat_is_dropped_and_the_first_kept():
    xs, err, flags = bumps([100, 250])
    out = drop_recurring(flags, xs, err, M, 0.4, 1e-3)
    assert runs(out) == runs(flags)[:1]
    assert out.dtype == np.int64 and flags.sum() > out.sum()  # the input is not changed


def test_a_different_shape_is_kept():
    other = np.hanning(M)
    other[M // 2 :] *= -1.0
    xs, err, flags = bumps([100, 250], shapes=[np.hanning(M), other])
    np.testing.assert_array_equal(drop_recurring(flags, xs, err, M, 0.4, 1e-3), flags)


def test_the_ratio_sets_how_close_a_repeat_must_be():
    xs, err, flags = bumps([100, 250], shapes=[np.hanning(M), 1.3 * np.hanning(M)])
    # The repeat is off by 0.3 times the bump: 0.3**2 * mean(hanning**2) = 0.030 per value,
    # against ratio x 0.5, the error of the window holding the bump.
    assert drop_recurring(flags, xs, err, M, 0.4, 1e-3)[250:260].sum() == 0  # 0.030 <= 0.2
    assert drop_recurring(flags, xs, err, M, 0.05, 1e-3)[250:260].all()  # 0.030 > 0.025
    assert drop_recurring(flags, xs, err, M, 0.0, 1e-3)[250:260].all()  # only exact copies
    xs, err, flags = bumps([100, 250], shapes=[np.hanning(M) / 3, np.hanning(M) / 3])
    assert drop_recurring(flags, xs, err, M, 0.0, 1e-3)[250:260].sum() == 0  # exactly 0 apart


def test_every_channel_counts():
    xs, err, flags = bumps([100, 250], channels=2)
    xs[250 : 250 + M, 1] = 1.0  # the second channel did something new
    np.testing.assert_array_equal(drop_recurring(flags, xs, err, M, 0.4, 1e-3), flags)


def test_runs_without_a_past_or_without_raised_error_are_kept():
    xs, err, flags = bumps([5, 250])  # the first window of the run at 5 starts the series
    xs[250 : 250 + M, 0] = xs[5 : 5 + M, 0]
    np.testing.assert_array_equal(drop_recurring(flags, xs, err, M, 0.4, 1e-3)[:30], flags[:30])
    # The model's error at the repeat is normal: the alarm came from elsewhere, keep it.
    xs, err, flags = bumps([100, 250])
    err[250 : 250 + M] = NORMAL_LEVEL * 1e-3 / 2
    np.testing.assert_array_equal(drop_recurring(flags, xs, err, M, 0.4, 1e-3), flags)


def test_an_overflowing_error_is_kept_and_does_not_spoil_later_runs():
    xs, err, flags = bumps([100, 200, 300])
    err[200] = np.inf
    out = drop_recurring(flags, xs, err, M, 0.4, 1e-3)
    assert out[197:213].all()  # nothing earlier explains an infinite error
    assert out[300:310].sum() == 0  # the run after it is still a repeat


def test_a_huge_finite_error_does_not_spoil_later_windows():
    xs, err, flags = bumps([100, 200, 300])
    err[200:210] = 1.6e19  # a sentinel value reconstructed as it could be
    out = drop_recurring(flags, xs, err, M, 0.4, 1e-3)
    assert out[300:310].sum() == 0  # the window errors after it are still 0.5, not 0


def test_an_alarm_raised_late_in_an_event_is_not_matched_with_its_start():
    xs, err, flags = bumps([])
    wave = np.sin(2 * np.pi * np.arange(200) / 7)  # something new over steps 100-300
    xs[100:300, 0], err[100:300] = wave, 0.5
    flags[150:225] = 1  # raised only once the event was under way
    np.testing.assert_array_equal(drop_recurring(flags, xs, err, M, 0.4, 1e-3), flags)


def test_blocks_give_the_same_answer(monkeypatch):
    from aekit.anomaly import recurrence

    rng = np.random.default_rng(0)
    xs, err, flags = bumps([100, 200, 300], T=600, channels=2)
    xs += 0.01 * rng.standard_normal(xs.shape)
    xs[300 : 300 + M, 1] += np.linspace(0, 0.2, M)
    whole = drop_recurring(flags, xs, err, M, 0.4, 1e-3)
    monkeypatch.setattr(recurrence, "BLOCK", 7)
    monkeypatch.setattr(recurrence, "QUERY_BLOCK", 2)
    np.testing.assert_array_equal(drop_recurring(flags, xs, err, M, 0.4, 1e-3), whole)
    assert whole[100:110].all() and not whole[200:210].any()


def test_series_shorter_than_two_windows_keeps_its_flags():
    xs, err, flags = bumps([3], T=2 * M - 1)
    np.testing.assert_array_equal(drop_recurring(flags, xs, err, M, 0.4, 1e-3), flags)


def back_to_back(earlier_gap):
    """A bump and a dip seen earlier ``earlier_gap`` steps apart, then back to back at 300.

    The later run covers steps 297-323 (26 steps). Every window of it has a
    near copy earlier: inside either shape an exact one, and where they meet
    the bump's tail followed by flat steps, or flat steps followed by the
    dip's head (at most 0.17 per value, against a tolerance of 0.4 x 0.5).
    At any one shift, though, the windows of one shape face flat steps (0.34).
    """
    dip = -np.hanning(M)
    return bumps([100, 100 + earlier_gap, 300, 300 + M], shapes=[np.hanning(M), dip] * 2)


@pytest.fixture(params=["whole", "small blocks"])
def search_blocks(request, monkeypatch):
    """Each test runs with the searches whole and in small pieces: the answers agree."""
    from aekit.anomaly import recurrence

    if request.param == "small blocks":
        monkeypatch.setattr(recurrence, "BLOCK", 3)
        monkeypatch.setattr(recurrence, "SHIFT_BLOCK", 2)
        monkeypatch.setattr(recurrence, "MAX_VALUES", 1)


@pytest.mark.usefixtures("search_blocks")
def test_a_lasting_alarm_of_familiar_pieces_in_a_new_order_is_kept():
    xs, err, flags = back_to_back(earlier_gap=100)  # seen apart, now together
    assert runs(flags)[-1] == (297, 323)
    piecewise = drop_recurring(flags, xs, err, M, 0.4, 1e-3)
    assert piecewise[290:330].sum() == 0  # each window has a near copy somewhere earlier
    lasting = drop_recurring(flags, xs, err, M, 0.4, 1e-3, sustained=25)
    np.testing.assert_array_equal(lasting[290:330], flags[290:330])  # but not in one stretch
    # Only runs longer than `sustained` steps are judged as one stretch.
    np.testing.assert_array_equal(drop_recurring(flags, xs, err, M, 0.4, 1e-3, 26), piecewise)


@pytest.mark.usefixtures("search_blocks")
def test_a_lasting_alarm_that_repeats_one_earlier_stretch_is_dropped():
    xs, err, flags = back_to_back(earlier_gap=M)  # together before too
    out = drop_recurring(flags, xs, err, M, 0.4, 1e-3, sustained=0)
    assert out[97:123].all() and out[290:330].sum() == 0


@pytest.mark.usefixtures("search_blocks")
def test_the_one_stretch_search_agrees_with_trying_every_shift():
    from aekit.anomaly.recurrence import _in_one_stretch
    from aekit.anomaly.windows import sliding_windows

    rng = np.random.default_rng(0)
    answers = []
    for case in range(240):
        m, C, T = int(rng.integers(3, 6)), int(rng.integers(1, 3)), 200
        xs = rng.standard_normal((T, C))
        a = int(rng.integers(60, 100))  # the run's first raised window; the past ends before
        starts = a + np.sort(rng.choice(20, size=int(rng.integers(2, 8)), replace=False))
        s0, s1 = starts.min(), starts.max()
        err = rng.uniform(0.05, 0.5, size=len(starts))
        n_past = a - m + 1
        run = xs[s0 : s1 + m].copy()
        if case % 4 == 1:  # a copy anywhere in the past
            d = int(rng.integers(s1 - n_past + 1, s0 + 1))
            xs[s0 - d : s1 + m - d] = run
        elif case % 4 == 2:  # a copy one step too late: its last window is not in the past
            d = s1 - n_past
            xs[s0 - d : s1 + m - d] = run
        elif case % 4 == 3:  # the most raised window copied at the start, the others at the
            err[-1] = 1.0  # end, where a negative index would wrap around to
            xs[:m] = run[-m:]
            xs[T - m + 1 + s0 - s1 : T] = run[:-1]
        wins = sliding_windows(xs, m)
        brute = any(
            all(np.square(wins[s] - wins[s - d]).mean() <= 0.4 * e for s, e in zip(starts, err))
            for d in range(s1 - n_past + 1, s0 + 1)
        )
        assert _in_one_stretch(wins, starts, err, n_past, 0.4) == brute, case
        answers.append(brute)
    assert 40 < sum(answers) < 200  # both answers were put to the test


# ---------------------------------------------------------------- the detector
def sine(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sin(2 * np.pi * np.arange(n) / 50) + 0.05 * rng.standard_normal(n)


@pytest.fixture(scope="module")
def repeated():
    """A detector and a series with one burst shape three times, then a new dip."""
    det = TimeSeriesDetector(random_state=0).fit(sine(2000, 0))
    test = sine(6000, 1)
    for at in (3000, 3800, 4600):
        test[at : at + 20] += 2.0 * np.hanning(20)
    test[5300:5310] -= 3.0
    return det, test


def test_a_burst_that_comes_back_is_flagged_once(repeated):
    det, test = repeated
    assert det.recurrence_ratio_ == 0.4
    scores, flags = det.score_and_predict(test)
    np.testing.assert_array_equal(scores, det.decision_function(test))
    np.testing.assert_array_equal(flags, det.predict(test))
    every = (scores > det.thresholds(test)).astype(np.int64)
    starts = [a for a, _ in runs(every)]
    assert len(starts) == 4 and 2900 < starts[0] < 3000 and 5250 < starts[3] < 5300
    found = runs(flags)
    assert [a for a, _ in found] == [starts[0], starts[3]]  # the first burst and the dip
    assert flags[3000:3020].all() and flags[5300:5310].all()


def test_the_detector_judges_runs_longer_than_the_scores_reach_as_one_stretch(
    monkeypatch, repeated
):
    from aekit.anomaly import alarms, timeseries

    det, test = repeated
    seen = []

    def spy(*args):
        seen.append(args[6])
        return drop_recurring(*args)

    monkeypatch.setattr(timeseries, "drop_recurring", spy)
    det.predict(test)
    assert seen == [alarms.auto_gap(det.windows_, det.smoothing_)]


def test_none_keeps_every_alarm(repeated):
    det, test = repeated
    try:
        det.recurrence_ratio_ = None  # as fitted with recurrence_ratio=None
        scores, flags = det.score_and_predict(test)
    finally:
        det.recurrence_ratio_ = 0.4
    np.testing.assert_array_equal(flags, scores > det.thresholds_for_scores(scores))
    assert len(runs(flags)) == 4


def test_the_ratio_is_kept_at_fit():
    x = sine(600, 2)
    det = TimeSeriesDetector(window=20, epochs=2, n_estimators=1, recurrence_ratio=None)
    assert det.fit(x).recurrence_ratio_ is None
    assert det.set_params(recurrence_ratio=0).recurrence_ratio_ is None  # until refitted
    assert det.fit(x).recurrence_ratio_ == 0.0


@pytest.mark.parametrize("bad", [-0.1, np.nan, np.inf, "0.4", True])
def test_bad_recurrence_ratio(bad):
    with pytest.raises(ValueError, match="recurrence_ratio must be None or a finite number >= 0"):
        TimeSeriesDetector(recurrence_ratio=bad).fit(sine(400, 3))


def test_an_object_pickled_before_the_setting_keeps_every_alarm(tmp_path, repeated):
    import pickle

    det, test = repeated
    old = pickle.loads(pickle.dumps(det))
    del old.recurrence_ratio, old.recurrence_ratio_  # as pickled before they existed
    again = pickle.loads(pickle.dumps(old))
    assert again.recurrence_ratio is None and again.recurrence_ratio_ is None
    assert again.get_params()["recurrence_ratio"] is None  # a clone keeps that rule
    scores, flags = again.score_and_predict(test)
    np.testing.assert_array_equal(flags, scores > again.thresholds_for_scores(scores))
    assert len(runs(flags)) == 4
    again.save(tmp_path / "old.aekit")
    assert aekit.load(tmp_path / "old.aekit").recurrence_ratio_ is None


def test_saved_and_loaded(tmp_path, repeated):
    det, test = repeated
    det.save(tmp_path / "ts.aekit")
    again = aekit.load(tmp_path / "ts.aekit")
    assert again.recurrence_ratio_ == again.recurrence_ratio == 0.4
    np.testing.assert_array_equal(again.predict(test), det.predict(test))
