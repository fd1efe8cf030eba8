"""scikit-learn's estimator contract, checked by sklearn itself over every estimator.

No check is expected to fail. The one that once did by design, a conditional
VAE (``fit(X, y)``) asked to ``transform(X)`` without labels as every
Pipeline's ``predict`` does, now encodes each row under its most likely class.
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from aekit import VAE, AutoEncoder

# three epochs: the checks test the contract (shapes, dtypes, cloning,
# pickling, determinism, errors), not the quality of the fit
# scikit-learn's checks pass y to fit: the plain VAE is the transformer they describe.
ESTIMATORS = [AutoEncoder(epochs=3, random_state=0),
              VAE(epochs=3, conditional=False, random_state=0)]  # fmt: skip


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_contract(estimator, check):
    check(estimator)
