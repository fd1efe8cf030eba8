"""scikit-learn's estimator contract, checked by sklearn itself over every estimator.

No check is expected to fail. The one that once did by design, a conditional
VAE (``fit(X, y)``) asked to ``transform(X)`` without labels as every
Pipeline's ``predict`` does, now encodes each row under its most likely class.
Every estimator takes its parameters by keyword only, as scikit-learn's do.
"""

from __future__ import annotations

import inspect

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from aekit import VAE, AnomalyDetector, AutoEncoder, TimeSeriesDetector

# three epochs: the checks test the contract (shapes, dtypes, cloning,
# pickling, determinism, errors), not the quality of the fit
# scikit-learn's checks pass y to fit: the plain VAE is the transformer they describe.
ESTIMATORS = [AutoEncoder(epochs=3, random_state=0),
              VAE(epochs=3, conditional=False, random_state=0)]  # fmt: skip


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_contract(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", [AutoEncoder, VAE, AnomalyDetector, TimeSeriesDetector])
def test_parameters_are_keyword_only(cls):
    # A positional argument would bind to another setting whenever a parameter is
    # added before it.
    first, param = next(iter(inspect.signature(cls).parameters.items()))
    with pytest.raises(TypeError, match="positional"):
        cls(param.default)
    assert cls(**{first: param.default}).get_params()[first] == param.default
