"""Small fitted models shared by the model-file, pickle and ONNX tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

import aekit

FAST = dict(epochs=3, batch_size=64, patience=None, random_state=0, device="cpu")


@pytest.fixture(scope="session")
def digits():
    """(X, y): 300 digits as 64 float features (0..16) and their labels."""
    d = load_digits()
    return d.data[:300].astype(np.float64), d.target[:300]


@pytest.fixture(scope="session")
def frame(digits):
    X, _ = digits
    return pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])])


@pytest.fixture(scope="session")
def dense_ae(frame):
    """Dense autoencoder with per-column standard scaling, fitted on a DataFrame."""
    return aekit.AutoEncoder(hidden=(32,), latent_dim=4, **FAST).fit(frame)


@pytest.fixture(scope="session")
def images(digits):
    """(n, 8, 8) images in [0, 1]."""
    return digits[0].reshape(-1, 8, 8) / 16.0


@pytest.fixture(scope="session")
def conv_ae(images):
    """conv2d autoencoder on 8x8 images, with a global min-max scaler."""
    return aekit.AutoEncoder(hidden=(8, 16), latent_dim=6, scaler="minmax", **FAST).fit(images)


@pytest.fixture(scope="session")
def vae(digits):
    return aekit.VAE(hidden=(32,), latent_dim=3, **FAST).fit(digits[0])


@pytest.fixture(scope="session")
def cvae(digits):
    """Conditional VAE whose classes are strings."""
    X, y = digits
    labels = np.array([f"d{v}" for v in y])
    cvae = aekit.VAE(hidden=(32,), latent_dim=3, scaler="minmax", conditional=True, **FAST)
    return cvae.fit(X, labels), labels
