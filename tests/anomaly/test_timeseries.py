"""TimeSeriesDetector on synthetic series: spikes and level shifts found, per-step scores."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import aekit
from aekit import TimeSeriesDetector
from aekit.anomaly.metrics import runs

PERIOD = 40


def seasonal(n: int, seed: int, channels: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None]
    phase = np.arange(channels)[None, :]
    return np.sin(2 * np.pi * t / PERIOD + phase) + 0.05 * rng.normal(size=(n, channels))


@pytest.fixture(scope="module")
def fitted():
    train = seasonal(2000, 0)[:, 0]
    return TimeSeriesDetector(random_state=0).fit(train)


def test_window_from_period_and_spike_found(fitted):
    assert fitted.window_ == PERIOD
    cal = fitted.calibration_scores_
    assert fitted.threshold_ == pytest.approx(cal.mean() + 6.0 * cal.std())
    test = seasonal(1500, 1)[:, 0]
    test[700:703] += 2.5  # a short spike
    s = fitted.decision_function(test)
    assert s.shape == (1500,)
    assert 690 <= int(np.argmax(s)) <= 712
    flagged = np.flatnonzero(fitted.predict(test))
    assert len(flagged) and np.isin(np.arange(700, 703), flagged).any()
    # No false alarm away from the spike.
    far = np.r_[0:650, 760:1500]
    assert fitted.predict(test)[far].sum() == 0


def test_level_shift_found(fitted):
    test = seasonal(1500, 2)[:, 0]
    test[900:1000] += 1.5
    s = fitted.decision_function(test)
    inside, outside = s[900:1000], np.r_[s[:850], s[1050:]]
    assert np.median(inside) > np.quantile(outside, 0.99)
    assert fitted.predict(test)[900:1000].mean() > 0.3


def test_adaptive_threshold_follows_drift_and_still_finds_a_spike(fitted):
    """Default threshold='adaptive' against 'max' on a series whose swing grows."""
    n = 3000
    test = seasonal(n, 9)[:, 0] * np.linspace(1.0, 1.6, n)  # the swing grows slowly
    test[2500:2503] += 4.0
    adaptive = fitted
    fixed = TimeSeriesDetector(threshold="max", n_estimators=1, random_state=0)
    fixed.fit(seasonal(2000, 0)[:, 0])
    alarms_fixed = fixed.predict(test)[:2400].sum()
    pred = adaptive.predict(test)
    assert alarms_fixed > 100  # drift alone sets off the fixed threshold
    assert pred[:2400].sum() < alarms_fixed / 10
    assert pred[2490:2515].any()
    thr = adaptive.thresholds(test)
    assert thr.shape == (n,) and thr[0] == pytest.approx(adaptive.threshold_)
    # One short alarm: nothing to merge or to drop as a repeat.
    assert len(runs(pred)) == 1
    np.testing.assert_array_equal(pred, adaptive.decision_function(test) > thr)


def test_alarm_lasts_until_the_score_falls_to_n_sigmas_off(fitted):
    assert fitted.n_sigmas_off_ == 2.5
    test = seasonal(1500, 3)[:, 0]
    test[700:900] += 0.6 * np.sin(np.arange(200) / 3.0)  # a fault that comes and goes
    s = fitted.decision_function(test)
    thr = fitted.thresholds_for_scores(s)
    held = fitted.predict(test)
    np.testing.assert_array_equal(held, s > thr)
    params, gap = fitted.get_params(), fitted.alarm_gap_
    try:
        fitted.set_params(n_sigmas_off=None).n_sigmas_off_ = None  # the plain rule
        fitted.alarm_gap_ = 0  # its short alarms kept apart, as the rule gives them
        plain = fitted.predict(test)
    finally:
        fitted.set_params(**params).n_sigmas_off_ = 2.5
        fitted.alarm_gap_ = gap
    # The plain rule ends the alarm once the score first dips, a fifth of the
    # way in; with hysteresis it lasts through most of the fault, and no longer.
    assert held[plain == 1].all()
    assert held[700:840].all() and plain[700:840].mean() < 0.3
    assert not held[900:].any() and len(runs(held[600:])) == 1


@pytest.mark.parametrize("off", [-0.5, 7.0, np.nan, True, "2"])
def test_bad_n_sigmas_off(off):
    with pytest.raises(ValueError, match="n_sigmas_off must be 'auto', None or a number from 0"):
        TimeSeriesDetector(n_sigmas_off=off).fit(seasonal(400, 0)[:, 0])


def test_auto_smoothing_is_half_a_window_but_at_least_16_steps():
    x = seasonal(400, 0)[:, 0]
    for window, smoothing in ((8, 8), (16, 16), (24, 16), (40, 20)):
        det = TimeSeriesDetector(window=window, epochs=1, n_estimators=1, random_state=0)
        assert det.fit(x).smoothing_ == smoothing, window


def test_auto_n_sigmas_off_is_never_above_n_sigmas():
    x = seasonal(400, 0)[:, 0]
    low = TimeSeriesDetector(window=20, epochs=1, n_estimators=1, n_sigmas=2.0, random_state=0)
    assert low.fit(x).n_sigmas_off_ == 2.0
    assert low.set_params(n_sigmas=4.0).fit(x).n_sigmas_off_ == 2.5
    assert low.set_params(n_sigmas_off=1.0).fit(x).n_sigmas_off_ == 1.0


@pytest.mark.parametrize("k", [0, -1.0, np.inf, "6", True])
def test_bad_n_sigmas(k):
    with pytest.raises(ValueError, match="n_sigmas"):
        TimeSeriesDetector(n_sigmas=k).fit(seasonal(400, 0)[:, 0])


def test_multivariate_channel_break():
    train = seasonal(1500, 3, channels=3)
    det = TimeSeriesDetector(window=32, epochs=15, n_estimators=1, random_state=0)
    det.fit(pd.DataFrame(train))
    assert det.n_channels_ == 3 and det.window_ == 32
    test = seasonal(800, 4, channels=3)
    test[400:440, 2] = test[400:440, 0]  # channel 2 copies channel 0: relation broken
    s = det.decision_function(test)
    assert s[400:440].mean() > 3 * np.median(s)
    ex = det.explain(test)
    assert ex.shape == (800, 3)
    assert ex[400:440].mean(axis=0).argmax() == 2


def test_p_values_and_conformal_threshold():
    train = seasonal(1200, 5)[:, 0]
    # Alarms kept apart: what predict adds to the rule is tested in test_alarms.py.
    det = TimeSeriesDetector(window=20, epochs=5, threshold="conformal", contamination=0.05,
                             n_estimators=1, alarm_gap=0, random_state=0).fit(train)  # fmt: skip
    test = seasonal(500, 6)[:, 0]
    np.testing.assert_array_equal(det.predict(test), det.p_values(test) <= 0.05)


def test_rule_is_fixed_at_fit(fitted):
    x = seasonal(300, 7)[:, 0]
    before = fitted.predict(x)
    params = fitted.get_params()
    try:
        fitted.set_params(threshold=0.0, n_sigmas=1.0)  # no refit: predict must not change
        assert fitted.threshold_rule_ == "adaptive" and fitted.n_sigmas_ == 6.0
        np.testing.assert_array_equal(fitted.predict(x), before)
    finally:
        fitted.set_params(**params)


def test_conformal_rule_needs_enough_held_out_steps():
    with pytest.warns(UserWarning, match="needs at least 99 held-out scores"):
        det = TimeSeriesDetector(window=20, epochs=2, n_estimators=1, threshold="conformal",
                                 random_state=0).fit(seasonal(300, 15)[:, 0])  # fmt: skip
    assert det.threshold_rule_ == "conformal" and det.threshold_ == np.inf


def test_save_load_identical(tmp_path, fitted):
    fitted.save(tmp_path / "ts.aekit")
    again = aekit.load(tmp_path / "ts.aekit")
    x = seasonal(300, 7)[:, 0]
    np.testing.assert_array_equal(again.decision_function(x), fitted.decision_function(x))
    assert again.window_ == fitted.window_ and again.windows_ == fitted.windows_
    assert again.threshold_rule_ == "adaptive" and again.n_sigmas_ == fitted.n_sigmas_
    assert again.n_sigmas_off_ == fitted.n_sigmas_off_ == 2.5
    np.testing.assert_array_equal(again.predict(x), fitted.predict(x))
    assert len(set(fitted.windows_)) == 3  # members at three window lengths


def test_in_sample_calibration_for_short_series():
    det = TimeSeriesDetector(window=30, epochs=2, n_estimators=1, random_state=0)
    det.fit(seasonal(80, 8)[:, 0])
    assert det.calibration_in_sample_


def test_bad_series(fitted):
    with pytest.raises(ValueError, match="fewer than the window"):
        fitted.decision_function(np.zeros(10))
    with pytest.raises(ValueError, match="2 features"):
        fitted.decision_function(np.zeros((100, 2)))
    with pytest.raises(ValueError, match="NaN"):
        fitted.decision_function(np.r_[np.zeros(100), np.nan])
    with pytest.raises(ValueError, match="two windows .*pass a smaller window"):
        TimeSeriesDetector(window=60).fit(np.zeros(100))
    with pytest.raises(ValueError, match=r"\(2 x 2\), the shortest there is"):
        TimeSeriesDetector().fit(np.arange(3.0))
    with pytest.raises(ValueError, match="window"):
        TimeSeriesDetector(window=1).fit(np.zeros(100))
    with pytest.raises(ValueError, match="numeric"):
        TimeSeriesDetector().fit(pd.DataFrame({"t": ["a"] * 100, "v": np.zeros(100)}))
    days = pd.date_range("2024", periods=100, freq="h")
    for index in (days[::-1], days[:50].append(days[:50]), pd.Index(np.arange(100.0)[::-1]),
                  pd.RangeIndex(99, -1, -1)):  # fmt: skip
        with pytest.raises(ValueError, match="index is not in time order"):
            TimeSeriesDetector(window=8).fit(pd.Series(np.zeros(100), index=index))
    forward = pd.Series(seasonal(200, 5)[:, 0])
    with pytest.raises(ValueError, match="index is not in time order"):
        fitted.decision_function(forward[::-1])  # a reversed series keeps its RangeIndex
    assert fitted.decision_function(forward[::-1].reset_index(drop=True)).shape == (200,)


@pytest.mark.filterwarnings("ignore:X has feature names")  # fitted on an array
def test_a_series_of_0_or_1_steps_is_told_the_window_it_needs(fitted):
    # scikit-learn's "a minimum of 2 is required" read as if 2 steps would do.
    assert min(fitted.windows_) == 20
    for n, steps in ((0, "0 steps"), (1, "1 step"), (2, "2 steps")):
        for series in (np.zeros(n), pd.DataFrame({"v": np.zeros(n)})):
            with pytest.raises(ValueError, match=f"has {steps}, fewer than the window length 20"):
                fitted.decision_function(series)
    for n, steps in ((0, "0 steps"), (1, r"1 step \(one sample\)")):
        with pytest.raises(ValueError, match=rf"series has {steps}; it needs at least two windows "
                                             r"\(2 x 8\); even the shortest window \(2 steps\)"):
            TimeSeriesDetector(window=8).fit(np.zeros(n))
        with pytest.raises(ValueError, match=rf"has {steps}; .* \(2 x 2\), the shortest there is"):
            TimeSeriesDetector().fit(np.zeros(n))


def test_explain_keeps_a_pandas_series_index_and_channel_names():
    t = pd.date_range("2024-01-01", periods=120, freq="min")
    df = pd.DataFrame(seasonal(120, 20, channels=2), index=t, columns=["cpu", "mem"])
    det = TimeSeriesDetector(window=10, epochs=1, n_estimators=1, random_state=0).fit(df)
    ex = det.explain(df)
    assert isinstance(ex, pd.DataFrame) and list(ex.columns) == ["cpu", "mem"]
    assert ex.index.equals(df.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fitted with names: scikit-learn says so of arrays
        bare = det.explain(df.to_numpy())
    assert isinstance(bare, np.ndarray)
    np.testing.assert_array_equal(ex.to_numpy(), bare)
    assert isinstance(det.decision_function(df), np.ndarray)  # scores stay an array
    one = TimeSeriesDetector(window=10, epochs=1, n_estimators=1, random_state=0)
    ex = one.fit(df["cpu"]).explain(df["cpu"])
    assert list(ex.columns) == ["cpu"] and ex.index.equals(df.index)


def test_ensemble_averages_its_members_standardised_errors():
    train = seasonal(900, 10)[:, 0]
    det = TimeSeriesDetector(window=20, epochs=3, n_estimators=2, random_state=0).fit(train)
    assert len(det.estimators_) == 2 and det.estimator_ is det.estimators_[0]
    assert det.error_scales_.shape == (2, 1)
    assert det.windows_ == [20, 10]  # window_scales (1.0, 0.5, 2.0)
    w0 = next(det.estimators_[0].module_.parameters())
    w1 = next(det.estimators_[1].module_.parameters())
    assert not torch.equal(w0, w1)  # different seeds
    x = seasonal(300, 11)[:, :1]
    both = det.explain(x)
    members, scales, windows = det.estimators_, det.error_scales_, det.windows_
    singles = []
    for m, sc, w in zip(members, scales, windows):
        det.estimators_, det.error_scales_, det.windows_ = [m], sc[None], [w]
        singles.append(det.explain(x))  # this member's error over its own held-out scale
    det.estimators_, det.error_scales_, det.windows_ = members, scales, windows
    np.testing.assert_allclose(both, (singles[0] + singles[1]) / 2, rtol=1e-6)
    with pytest.raises(ValueError, match="n_estimators"):
        TimeSeriesDetector(n_estimators=0).fit(train)
    # True is an int to Python, not a width: it read as smoothing over 1 step
    with pytest.raises(ValueError, match="smoothing must be 'auto' or an integer >= 1, got True"):
        TimeSeriesDetector(smoothing=True).fit(train)


def test_state_with_one_estimator_from_before_the_ensemble_loads():
    det = TimeSeriesDetector(window=20, epochs=2, n_estimators=1, random_state=0)
    det.fit(seasonal(400, 12)[:, 0])
    state, arrays = det._state_to_save()
    dropped = ("estimators_", "windows_", "threshold_rule_", "n_sigmas_", "n_sigmas_off_",
               "recurrence_ratio_")
    old = {k: v for k, v in state.items() if k not in dropped}
    old["estimator_"] = det.estimator_
    old_arrays = {k: v for k, v in arrays.items() if k != "error_scales_"}
    old_arrays["error_scale_"] = arrays["error_scales_"][0]
    again = TimeSeriesDetector()  # the saved parameters did not have n_estimators
    again._state_from_saved(old, old_arrays)
    assert again.n_estimators == 1 and again.estimators_ == [det.estimator_]
    assert again.threshold_rule_ == "adaptive" and again.n_sigmas_ == 6.0  # from the parameters
    assert again.n_sigmas_off_ is None  # alarms end at the threshold, as when it was saved
    assert again.n_sigmas_off is None  # and a clone or refit keeps that rule
    assert again.recurrence_ratio_ is None and again.recurrence_ratio is None  # every alarm
    assert again.windows_ == [20]
    x = seasonal(200, 13)[:, 0]
    det.n_sigmas_off_ = det.recurrence_ratio_ = None
    np.testing.assert_array_equal(again.predict(x), det.predict(x))


def test_members_read_windows_of_several_lengths():
    det = TimeSeriesDetector(window=20, epochs=2, random_state=0).fit(seasonal(900, 14)[:, 0])
    assert det.window_ == 20 and det.windows_ == [20, 10, 40]
    assert [m.input_shape_ for m in det.estimators_] == [(1, 20), (1, 10), (1, 40)]
    # codes of an eighth of each member's window, at least 2
    assert [m.latent_dim_ for m in det.estimators_] == [2, 2, 5]
    given = TimeSeriesDetector(window=20, epochs=2, latent_dim=3, random_state=0)
    assert {m.latent_dim_ for m in given.fit(seasonal(900, 14)[:, 0]).estimators_} == {3}
    # 100 steps: two 40-step training windows and the held-out part do not fit
    short = TimeSeriesDetector(window=20, epochs=2, random_state=0).fit(seasonal(100, 15)[:, 0])
    assert short.windows_ == [20, 10, 20]
    same = TimeSeriesDetector(window=20, epochs=2, window_scales=(1.0,), random_state=0)
    assert same.fit(seasonal(900, 14)[:, 0]).windows_ == [20, 20, 20]


def test_series_shorter_than_a_member_window_is_scored_by_the_others():
    det = TimeSeriesDetector(window=20, epochs=2, random_state=0).fit(seasonal(900, 16)[:, 0])
    x = seasonal(30, 17)[:, 0]  # longer than the 10- and 20-step windows, not the 40
    with pytest.warns(UserWarning, match="scored by 2 of 3 members"):
        errs = det._member_errors(det.scaler_.transform(x[:, None]))
    assert errs[2] is None and errs[0].shape == errs[1].shape == (30, 1)
    expected = (errs[0] / det.error_scales_[0] ** 2 + errs[1] / det.error_scales_[1] ** 2) / 2
    with pytest.warns(UserWarning, match="longest member window"):
        np.testing.assert_allclose(det.explain(x), expected)
        assert np.isfinite(det.decision_function(x)).all()
    with pytest.raises(ValueError, match="fewer than the window length 10"):
        det.decision_function(x[:8])


@pytest.mark.parametrize(
    "bad", [(), (0.5, 0.0), (1.0, -2.0), "1.0", (True,), (float("inf"),), np.ones((1, 2))]
)
def test_bad_window_scales_are_refused(bad):
    with pytest.raises(ValueError, match="window_scales"):
        TimeSeriesDetector(window_scales=bad).fit(seasonal(300, 18)[:, 0])


def test_window_scales_may_be_an_array():
    det = TimeSeriesDetector(window=20, epochs=1, window_scales=np.array([1.0, 0.5]))
    assert det.fit(seasonal(900, 19)[:, 0]).windows_ == [20, 10, 20]


def test_an_overflowing_spike_is_flagged_where_it_is(fitted):
    # 1e25 overflows float32 when squared: the steps whose windows hold it score
    # +inf (not NaN, which no threshold flags), and the steps far from it keep
    # finite scores instead of a moving average turned NaN to the series' end.
    test = seasonal(1500, 1)[:, 0]
    test[700] = 1e25
    s = fitted.decision_function(test)
    assert not np.isnan(s).any()
    reach = max(fitted.windows_) + fitted.smoothing_
    inf = np.flatnonzero(np.isinf(s))
    assert 700 in inf and inf.min() >= 700 - reach and inf.max() <= 700 + reach
    assert np.isfinite(s[: 700 - reach]).all() and np.isfinite(s[700 + reach :]).all()
    assert fitted.predict(test)[700] == 1
    test[700] = 1e39  # beyond float32 altogether
    with pytest.raises(ValueError, match="beyond float32's range"):
        fitted.decision_function(test)


def test_numbers_held_as_objects_are_a_series():
    train = pd.Series(seasonal(600, 0)[:, 0]).astype(object)
    ts = TimeSeriesDetector(epochs=1, n_estimators=1, random_state=0).fit(train)
    np.testing.assert_array_equal(ts.decision_function(train),
                                  ts.decision_function(train.astype(float)))  # fmt: skip
