"""Close alarms merged into one: the rule on flags, and TimeSeriesDetector's alarm_gap."""

import pickle

import numpy as np
import pytest

import aekit
from aekit import TimeSeriesDetector
from aekit.anomaly.alarms import auto_gap, merge_close_alarms, merging_gap
from aekit.anomaly.metrics import runs


# ------------------------------------------------------------------ the rule
@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        (0, [0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0]),
        (2, [0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0]),  # the gaps hold 2 and 3 steps
        (3, [0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0]),
        (4, [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]),
        (100, [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]),  # nothing before or after the alarms
    ],
)
def test_gaps_shorter_than_the_limit_are_flagged(gap, expected):
    flags = np.array([0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0])
    out = merge_close_alarms(flags, gap)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(flags, [0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0])  # not changed


@pytest.mark.parametrize("flags", [[0, 0, 0], [1, 1, 1], [0, 1, 0], [0, 1, 1, 0, 0]])
def test_one_alarm_or_none_has_nothing_to_merge(flags):
    out = merge_close_alarms(np.array(flags), 100)
    np.testing.assert_array_equal(out, np.asarray(flags, dtype=np.int64))


@pytest.mark.parametrize("gap", [0, 1])
def test_a_gap_of_0_or_1_merges_nothing(gap):
    flags = np.array([True, False, True, False, False, True])
    np.testing.assert_array_equal(merge_close_alarms(flags, gap), flags.astype(np.int64))


def test_merging_agrees_with_a_loop_over_the_runs():
    rng = np.random.default_rng(0)
    for _ in range(200):
        flags = rng.random(int(rng.integers(1, 60))) < rng.random()
        gap = int(rng.integers(0, 8))
        want = flags.copy()
        found = runs(flags)
        for (_, stop), (start, _) in zip(found, found[1:]):
            if start - stop < gap:
                want[stop:start] = True
        np.testing.assert_array_equal(merge_close_alarms(flags, gap), want)


@pytest.mark.parametrize(("saved", "gap"), [({"alarm_gap_": 225}, 225), ({"alarm_gap_": 1}, 0),
                                            ({"alarm_gap_": 0}, 0), ({}, 0)])
def test_the_gap_a_detector_merges_with(saved, gap):
    class Fitted:  # only the attribute matters; {} is a detector from before the setting
        pass

    det = Fitted()
    det.__dict__.update(saved)
    assert merging_gap(det) == gap


# -------------------------------------------------------------- the detector
def sine(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sin(2 * np.pi * np.arange(n) / 50) + 0.05 * rng.standard_normal(n)


@pytest.fixture(scope="module")
def detector():
    return TimeSeriesDetector(random_state=0).fit(sine(2000, 0))


def burst_then_dip(after: int) -> np.ndarray:
    """A burst at step 3000 and a dip (another shape: not a repeat) ``after`` steps later."""
    test = sine(5000, 1)
    test[3000:3020] += 2.0 * np.hanning(20)
    test[3000 + after : 3010 + after] -= 3.0
    return test


def test_auto_gap_is_twice_the_longest_window_plus_the_smoothing(detector):
    assert detector.windows_ == [50, 25, 100] and detector.smoothing_ == 25
    assert detector.alarm_gap_ == auto_gap(detector.windows_, detector.smoothing_) == 225


def test_two_events_close_together_raise_one_alarm(detector):
    test = burst_then_dip(200)
    scores, flags = detector.score_and_predict(test)
    raw = runs(scores > detector.thresholds_for_scores(scores))
    assert len(raw) == 2 and raw[1][0] - raw[0][1] < 225  # two alarms, 142 steps apart
    assert runs(flags) == [(raw[0][0], raw[1][1])]
    np.testing.assert_array_equal(flags, detector.predict(test))


def test_events_farther_apart_stay_two_alarms(detector):
    test = burst_then_dip(400)
    scores, flags = detector.score_and_predict(test)
    raw = runs(scores > detector.thresholds_for_scores(scores))
    assert len(raw) == 2 and raw[1][0] - raw[0][1] >= 225
    assert runs(flags) == raw


def test_repeats_a_gap_apart_are_dropped_before_alarms_are_merged(detector):
    # Merged first, the four bursts would be one alarm, new at its start, and all kept.
    test = sine(5000, 1)
    for at in (3000, 3150, 3300, 3450):  # one burst shape, 150 steps apart
        test[at : at + 20] += 2.0 * np.hanning(20)
    scores, flags = detector.score_and_predict(test)
    raw = runs(scores > detector.thresholds_for_scores(scores))
    assert len(raw) == 4 and all(b[0] - a[1] < 225 for a, b in zip(raw, raw[1:]))
    assert runs(flags) == [raw[0]]


def test_a_new_event_after_a_repeat_is_kept(detector):
    test = sine(5000, 1)
    for at in (2000, 3000):  # a burst, then its repeat
        test[at : at + 20] += 2.0 * np.hanning(20)
    test[3150:3160] -= 3.0  # something new, 150 steps after the repeat
    scores, flags = detector.score_and_predict(test)
    raw = runs(scores > detector.thresholds_for_scores(scores))
    assert len(raw) == 3
    assert runs(flags) == [raw[0], raw[2]]  # the repeat dropped, the dip kept


def test_the_report_counts_a_repeat_inside_a_merged_gap_as_dropped(detector):
    import re

    from aekit.report import Report

    test = sine(5000, 1)
    test[2000:2020] += 3.0 * np.hanning(20)
    test[3000:3010] -= 3.0
    test[3100:3120] += 3.0 * np.hanning(20)  # the first burst again: a repeat, dropped ...
    test[3200:3210] += 3.0  # ... and then flagged with the gap it lies in
    scores, kept, flags = detector._alarm_steps(test)
    raw = runs(scores > detector.thresholds_for_scores(scores))
    assert len(raw) == 4 and runs(kept) == [raw[0], raw[1], raw[3]]
    assert runs(flags) == [raw[0], (raw[1][0], raw[3][1])] and flags[raw[2][0]]
    html = Report().add_estimator(detector, test).to_html()
    rows = dict(re.findall(r"<tr><th>([^<]*)</th><td[^>]*>([^<]*)</td>", html))
    assert rows["alarms dropped as repeats of earlier ones"] == "1"
    assert rows["alarms merged into the one before"] == "1"


def test_zero_keeps_alarms_apart():
    det = TimeSeriesDetector(alarm_gap=0, random_state=0).fit(sine(2000, 0))
    assert det.alarm_gap_ == 0
    scores, flags = det.score_and_predict(burst_then_dip(200))
    np.testing.assert_array_equal(flags, scores > det.thresholds_for_scores(scores))
    assert len(runs(flags)) == 2


def test_the_gap_is_kept_at_fit():
    x = sine(600, 2)
    det = TimeSeriesDetector(window=20, epochs=2, n_estimators=1, alarm_gap=7).fit(x)
    assert det.alarm_gap_ == 7
    assert det.set_params(alarm_gap="auto").alarm_gap_ == 7  # until refitted
    assert det.fit(x).alarm_gap_ == 2 * 20 + 16  # one member: window 20, smoothing 16


def test_a_numpy_integer_is_a_gap():
    det = TimeSeriesDetector(window=20, epochs=1, n_estimators=1, alarm_gap=np.int64(7))
    assert det.fit(sine(600, 2)).alarm_gap_ == 7


def test_flags_must_be_one_per_step():
    with pytest.raises(ValueError, match=r"flags must be one per step, of shape \(T,\)"):
        merge_close_alarms(np.zeros((5, 2)), 3)


@pytest.mark.parametrize("bad", [-1, 2.5, np.nan, "7", None, True])
def test_bad_alarm_gap(bad):
    with pytest.raises(ValueError, match="alarm_gap must be 'auto' or an integer >= 0"):
        TimeSeriesDetector(alarm_gap=bad).fit(sine(400, 3))


def test_saved_and_loaded(tmp_path, detector):
    detector.save(tmp_path / "ts.aekit")
    again = aekit.load(tmp_path / "ts.aekit")
    assert again.alarm_gap_ == 225 and again.alarm_gap == "auto"
    test = burst_then_dip(200)
    np.testing.assert_array_equal(again.predict(test), detector.predict(test))


def test_older_models_keep_alarms_apart(tmp_path, detector):
    from aekit.anomaly import saved

    test = burst_then_dip(200)
    old = pickle.loads(pickle.dumps(detector))
    del old.alarm_gap, old.alarm_gap_  # as pickled before they existed
    again = pickle.loads(pickle.dumps(old))
    assert again.alarm_gap == again.alarm_gap_ == 0
    assert again.get_params()["alarm_gap"] == 0  # a clone keeps that rule
    assert len(runs(again.predict(test))) == 2

    state, arrays = saved.series_state(detector)
    del state["alarm_gap_"]  # a file written before the setting existed
    restored = TimeSeriesDetector()
    saved.restore_series(restored, state, arrays)
    assert restored.alarm_gap == restored.alarm_gap_ == 0
    assert len(runs(restored.predict(test))) == 2
