"""scikit-learn's estimator checks over both detectors (tiny models)."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from aekit import AnomalyDetector, TimeSeriesDetector

ESTIMATORS = [
    AnomalyDetector(epochs=2, n_estimators=1, random_state=0),
    TimeSeriesDetector(window=4, epochs=2, n_estimators=1, random_state=0),
]

_SERIES = "rows are time steps of one series, not independent samples"
EXPECTED_FAILURES = {
    "AnomalyDetector": {
        "check_methods_subset_invariance": (
            "the check scores training rows, some of which are calibration rows: their "
            "p-values sit exactly on a tie, and float32 results that differ in the last "
            "bit with the batch size flip it"
        ),
    },
    "TimeSeriesDetector": {
        "check_methods_sample_order_invariance": _SERIES + ": reordering them changes the windows",
        "check_methods_subset_invariance": _SERIES + ": a step's score depends on its neighbours",
        "check_fit1d": "a 1-D array is a univariate series, accepted by design",
        "check_fit2d_predict1d": "a 1-D array is a univariate series, accepted by design",
    },
}


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILURES[type(est).__name__]
)
def test_sklearn_contract(estimator, check):
    check(estimator)
