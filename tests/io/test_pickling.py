"""Pickle, joblib, clone, get_params and set_params, as scikit-learn users expect."""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import aekit


def _same_outputs(a, b, X, y=None):
    Z = a.transform(X, y)
    np.testing.assert_array_equal(Z, b.transform(X, y))
    np.testing.assert_array_equal(a.inverse_transform(Z, y), b.inverse_transform(Z, y))
    np.testing.assert_array_equal(a.score_samples(X, y), b.score_samples(X, y))


@pytest.mark.parametrize("name", ["dense_ae", "conv_ae", "vae"])
def test_pickle_round_trip(name, request, frame, images, digits):
    est = request.getfixturevalue(name)
    X = {"dense_ae": frame, "conv_ae": images, "vae": digits[0]}[name]
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded.get_params() == est.get_params()
    _same_outputs(est, loaded, X)


def test_joblib_round_trip(cvae, digits, tmp_path):
    est, labels = cvae
    joblib.dump(est, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    _same_outputs(est, loaded, digits[0], labels)
    np.testing.assert_array_equal(
        est.sample(3, y="d1", random_state=0), loaded.sample(3, y="d1", random_state=0)
    )


@pytest.mark.parametrize("cls", [aekit.AutoEncoder, aekit.VAE])
def test_clone_get_set_params(cls, dense_ae):
    est = cls(latent_dim=5, hidden=(8, 4), epochs=7)
    params = est.get_params()
    assert params["latent_dim"] == 5 and params["hidden"] == (8, 4) and params["epochs"] == 7
    assert est.set_params(latent_dim=2, lr=0.01) is est
    assert est.latent_dim == 2 and est.lr == 0.01
    with pytest.raises(ValueError, match="Invalid parameter"):
        est.set_params(not_a_param=1)
    copy = clone(est)
    assert copy is not est and copy.get_params() == est.get_params()
    # clone of a fitted estimator gives an unfitted one with the same settings.
    fresh = clone(dense_ae)
    assert fresh.get_params() == dense_ae.get_params()
    with pytest.raises(NotFittedError):
        fresh.transform(np.zeros((2, 64)))


def test_loaded_model_clones_and_refits(dense_ae, frame, tmp_path):
    dense_ae.save(tmp_path / "m.aekit")
    loaded = aekit.load(tmp_path / "m.aekit")
    refit = clone(loaded).fit(frame)
    # Same settings and seed: the refit repeats the original fit exactly on the CPU.
    np.testing.assert_allclose(refit.transform(frame), dense_ae.transform(frame), atol=1e-6)
