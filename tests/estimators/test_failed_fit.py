"""A fit that fails leaves the estimator as it was: fitted with its old model, or unfitted."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from aekit import AnomalyDetector, AutoEncoder, TimeSeriesDetector
from aekit.training import NonFiniteLossError

TINY = dict(latent_dim=2, hidden=(8,), epochs=3, random_state=0)
DIVERGES = dict(lr=1e6)  # training blows up to NaN in the first epoch


@pytest.fixture(scope="module")
def table() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(120, 6))


def test_a_failed_refit_keeps_the_model_it_had(table):
    ae = AutoEncoder(**TINY).fit(table)
    before = ae.transform(table[:5])
    with pytest.raises(NonFiniteLossError):
        ae.set_params(latent_dim=3, **DIVERGES).fit(table)
    assert ae.latent_dim_ == 2
    np.testing.assert_array_equal(ae.transform(table[:5]), before)


def test_a_failed_first_fit_leaves_it_unfitted(table, tmp_path):
    ae = AutoEncoder(**TINY, **DIVERGES)
    with pytest.raises(NonFiniteLossError):
        ae.fit(table)
    assert not [k for k in vars(ae) if k.endswith("_")]
    with pytest.raises(NotFittedError):
        ae.save(tmp_path / "broken.aekit")  # no model file of NaN weights


def test_a_failed_warm_start_keeps_the_trained_weights(table):
    ae = AutoEncoder(**TINY, warm_start=True).fit(table)
    before = ae.transform(table[:5])
    with pytest.raises(NonFiniteLossError):
        ae.set_params(**DIVERGES).fit(table)  # trains the same network in place
    np.testing.assert_array_equal(ae.transform(table[:5]), before)


def test_a_failed_detector_refit_keeps_its_members(table):
    det = AnomalyDetector(epochs=3, random_state=0).fit(table)
    before = det.decision_function(table[:5])
    with pytest.raises(NonFiniteLossError):
        det.set_params(base=AutoEncoder(epochs=2, **DIVERGES), epochs=None).fit(table)
    assert len(det.estimators_) == 3
    np.testing.assert_array_equal(det.decision_function(table[:5]), before)


def test_a_failed_series_fit_leaves_it_unfitted():
    ts = TimeSeriesDetector(window=8, epochs=2, n_estimators=1, random_state=0)
    with pytest.raises(ValueError, match="window"):
        ts.fit(np.arange(10.0))  # too short for two windows: fails after scaling
    assert not [k for k in vars(ts) if k.endswith("_")]  # no scaler_ of the failed fit
    with pytest.raises(NotFittedError):
        ts.decision_function(np.arange(20.0))
