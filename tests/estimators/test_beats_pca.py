"""The default AutoEncoder reduces dimensions better than PCA (issue 3's promise).

The full benchmark is ``benchmarks/reduce_vs_pca.py`` (MNIST, code size 30);
this is its fast version on scikit-learn's digits, with default settings.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from aekit import AutoEncoder

K = 8  # code size: an eighth of the 64 pixels


@pytest.mark.parametrize("as_images", [False, True], ids=["table", "images"])
def test_default_autoencoder_beats_pca_on_digits(digits, as_images):
    X_tr, X_te = train_test_split(digits[0], test_size=0.25, random_state=0)
    pca = PCA(n_components=K).fit(X_tr)
    err_pca = np.mean((pca.inverse_transform(pca.transform(X_te)) - X_te) ** 2)
    shape = (-1, 8, 8) if as_images else (-1, 64)
    ae = AutoEncoder(latent_dim=K, random_state=0).fit(X_tr.reshape(shape))
    assert ae.module_.config.architecture == ("conv2d" if as_images else "dense")
    err_ae = ae.reconstruction_error(X_te.reshape(shape)).mean()
    # held-out error, same units: about 0.49 of PCA's measured for both (dense
    # 64-256-128-8 and conv 32 channels); a wide margin, not a tie
    assert err_ae < 0.7 * err_pca
