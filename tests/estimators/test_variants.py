"""Input kinds (tables, images, windows) and the variants that are settings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aekit import AutoEncoder
from aekit.nn import losses


@pytest.fixture(scope="module")
def unit_digits(digits):
    """Digits in [0, 1]: 1200 rows to fit, 597 held out."""
    X = digits[0]
    return X[:1200], X[1200:]


def _baseline(X: np.ndarray) -> float:
    """Mean squared error of predicting every sample by the mean sample."""
    return float(np.mean((X - X.mean(axis=0)) ** 2))


def test_images_go_through_conv2d(unit_digits):
    X_tr, X_te = (X.reshape(-1, 8, 8) for X in unit_digits)
    ae = AutoEncoder(latent_dim=8, epochs=15, random_state=0).fit(X_tr)
    assert ae.module_.config.architecture == "conv2d"
    assert ae.module_.config.input_shape == (1, 8, 8)
    Z = ae.transform(X_te)
    assert Z.shape == (len(X_te), 8) and Z.dtype == np.float32
    assert ae.inverse_transform(Z).shape == X_te.shape
    # decoded codes keep their precision, as reconstruct keeps the data's
    assert ae.inverse_transform(Z).dtype == ae.reconstruct(X_te).dtype == X_te.dtype
    assert ae.inverse_transform(Z.astype(np.float64)).dtype == np.float64
    assert ae.reconstruct(X_te).shape == X_te.shape
    # learned something: well under the error of the mean image (0.45 measured)
    assert ae.reconstruction_error(X_te).mean() < 0.6 * _baseline(X_te)
    # channels-first images are taken as they are
    ae4 = AutoEncoder(latent_dim=4, epochs=1, random_state=0).fit(X_tr[:, None])
    assert ae4.module_.config.input_shape == (1, 8, 8)


def _windows(n: int, channels: int, length: int, seed: int) -> np.ndarray:
    """Sine windows of random frequency and phase, plus a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    freq = rng.uniform(0.05, 0.2, size=(n, channels, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n, channels, 1))
    return np.sin(2 * np.pi * freq * t + phase) + 0.05 * rng.normal(size=(n, channels, length))


@pytest.mark.parametrize("channels", [1, 2])
def test_series_windows_go_through_conv1d(channels):
    W_tr, W_te = _windows(600, channels, 32, 0), _windows(200, channels, 32, 1)
    if channels == 1:  # univariate windows may come as (n, length)
        W_tr, W_te = W_tr[:, 0], W_te[:, 0]
    k = 6 * channels  # each channel has its own frequency and phase
    ae = AutoEncoder(architecture="conv1d", latent_dim=k, epochs=30, random_state=0).fit(W_tr)
    assert ae.module_.config.architecture == "conv1d"
    assert ae.module_.config.input_shape == (channels, 32)
    assert ae.transform(W_te).shape == (200, k)
    assert ae.reconstruct(W_te).shape == W_te.shape
    # measured 0.01 (one channel) and 0.29 (two) of the mean window's error
    assert ae.reconstruction_error(W_te).mean() < 0.5 * _baseline(W_te)


def _fit(X, **kw) -> AutoEncoder:
    return AutoEncoder(latent_dim=16, epochs=15, random_state=0, **kw).fit(X)


@pytest.fixture(scope="module")
def plain(unit_digits) -> AutoEncoder:
    return _fit(unit_digits[0])


def _noisy(X: np.ndarray, kind: str) -> np.ndarray:
    rng = np.random.default_rng(0)
    if kind == "gaussian":
        return np.clip(X + rng.normal(0, 0.3, X.shape), 0, 1).astype(X.dtype)
    return X * (rng.random(X.shape) >= 0.3)


@pytest.mark.parametrize("noise_type", ["gaussian", "masking"])
def test_denoising_autoencoder_removes_the_noise_it_was_trained_on(unit_digits, plain, noise_type):
    X_tr, X_te = unit_digits
    dae = _fit(X_tr, noise=0.3, noise_type=noise_type)
    noisy = _noisy(X_te, noise_type)
    err = {
        name: np.mean((m.reconstruct(noisy) - X_te) ** 2)
        for name, m in [("plain", plain), ("denoising", dae)]
    }
    # measured 0.029 vs 0.034 (gaussian), 0.031 vs 0.035 (masking)
    assert err["denoising"] < 0.95 * err["plain"]


def test_sparse_autoencoder_has_smaller_codes(unit_digits, plain):
    X_tr, X_te = unit_digits
    sae = _fit(X_tr, sparsity=0.1)
    assert "l1" in sae.history_ and "val_l1" in sae.history_
    # measured 0.1 vs 2.4; the reconstruction stays usable
    assert np.abs(sae.transform(X_te)).mean() < 0.25 * np.abs(plain.transform(X_te)).mean()
    assert sae.reconstruction_error(X_te).mean() < 0.5 * _baseline(X_te)


def _jacobian_norm(ae: AutoEncoder, X: np.ndarray) -> float:
    x = torch.from_numpy(X[:200]).requires_grad_(True)
    with torch.enable_grad():
        return float(losses.contractive_penalty(ae.module_.encode(x), x).detach())


def test_contractive_autoencoder_has_a_flatter_encoder(unit_digits, plain):
    X_tr, X_te = unit_digits
    cae = _fit(X_tr, contractive=0.1)
    assert "contractive" in cae.history_
    # squared Frobenius norm of the encoder's Jacobian: measured 0.9 vs 185
    assert _jacobian_norm(cae, X_te) < 0.1 * _jacobian_norm(plain, X_te)


def test_warm_start_continues_from_the_fitted_weights(unit_digits):
    X_tr, _ = unit_digits
    ae = AutoEncoder(latent_dim=8, epochs=5, patience=None, warm_start=True, random_state=0)
    ae.fit(X_tr)
    first = ae.history_["loss"]
    module, scaler = ae.module_, ae.scaler_
    before = {k: v.clone() for k, v in module.state_dict().items()}
    ae.fit(X_tr)
    assert ae.module_ is module and ae.scaler_ is scaler
    assert any(not torch.equal(before[k], v) for k, v in module.state_dict().items())
    # it picked up where it stopped instead of starting again
    assert ae.history_["loss"][0] < 0.9 * first[-1] or ae.history_["loss"][0] < first[1]
    cold = AutoEncoder(latent_dim=8, epochs=5, patience=None, random_state=0).fit(X_tr)
    assert ae.history_["loss"][0] < 0.5 * cold.history_["loss"][0]
    with pytest.raises(ValueError, match="features"):
        ae.fit(X_tr[:, :10])  # warm start keeps the input size


def test_latent_dim_auto_picks_the_smallest_good_code(unit_digits):
    from aekit.estimators.latent_search import TOLERANCE

    X_tr = unit_digits[0][:800]
    ae = AutoEncoder(latent_dim="auto", epochs=20, random_state=0).fit(X_tr)
    curve = ae.latent_curve_
    assert sorted(curve) == [2, 4, 8, 16, 32, 64]  # capped at the 64 features
    best = min(curve.values())
    good = [k for k, v in curve.items() if v <= best * (1 + TOLERANCE)]
    assert ae.latent_dim_ == min(good) == ae.transform(X_tr[:3]).shape[1]
    # the curve is real: 2 units reconstruct far worse than 16 (2.1 vs 1.0 measured)
    assert curve[2] > 1.5 * curve[16]


def test_latent_dim_auto_curve_is_the_kept_weights_error_and_does_not_outlive_its_fit():
    X = np.random.default_rng(0).random((60, 6))
    # lr=0.5 without early stopping: the last epoch is not the best one.
    ae = AutoEncoder(latent_dim="auto", hidden=(8,), epochs=6, patience=None, lr=0.5,
                     random_state=0).fit(X)  # fmt: skip
    assert ae.best_epoch_ == 6
    assert ae.latent_curve_[ae.latent_dim_] == ae.history_["val_recon"][-1]
    assert min(ae.history_["val_recon"]) < ae.history_["val_recon"][-1]
    ae.set_params(latent_dim=3).fit(X)
    assert not hasattr(ae, "latent_curve_")  # the curve was of another fit
    with pytest.raises(ValueError, match="latent_dim='auto' compares code sizes on held-out"):
        AutoEncoder(latent_dim="auto", validation_fraction=0, epochs=1).fit(X)
