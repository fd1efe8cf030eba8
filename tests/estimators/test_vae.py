"""VAE: sampling, conditional generation, log-likelihood, beta, posterior means."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from aekit import VAE


@pytest.fixture(scope="module")
def digit_classifier(digits):
    X, y = digits
    return LogisticRegression(max_iter=3000).fit(X, y)


@pytest.fixture(scope="module")
def cvae(digits) -> VAE:
    X, y = digits
    return VAE(latent_dim=8, epochs=30, conditional=True, random_state=0).fit(X, y)


def test_sample_shapes_and_seed(digits):
    X = digits[0][:400]
    vae = VAE(latent_dim=4, epochs=2, random_state=0).fit(X)
    assert vae.sample(16).shape == (16, 64)
    np.testing.assert_array_equal(vae.sample(5, random_state=1), vae.sample(5, random_state=1))
    assert not np.array_equal(vae.sample(5, random_state=1), vae.sample(5, random_state=2))
    images = VAE(latent_dim=4, epochs=1, random_state=0).fit(X.reshape(-1, 8, 8))
    assert images.sample(3).shape == (3, 8, 8)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 1"):
        vae.sample(0)


def test_transform_is_the_posterior_mean(digits):
    X = digits[0][:300]
    vae = VAE(latent_dim=4, epochs=2, random_state=0).fit(X)
    Z = vae.transform(X)
    np.testing.assert_array_equal(Z, vae.transform(X))  # no sampling
    with torch.inference_mode():
        mu, _ = vae.module_.encode(torch.from_numpy(X))
    np.testing.assert_allclose(Z, mu.numpy(), rtol=1e-5, atol=1e-6)


def test_conditional_samples_look_like_their_class(cvae, digit_classifier):
    n = 30
    samples = np.concatenate([cvae.sample(n, y=k, random_state=k) for k in range(10)])
    assert samples.shape == (10 * n, 64)
    labels = np.repeat(np.arange(10), n)
    # a classifier trained on real digits reads the generated ones as the
    # asked-for class: 0.98 measured, chance is 0.1
    assert np.mean(digit_classifier.predict(samples) == labels) >= 0.8
    mixed = cvae.sample(4, y=[0, 1, 2, 3])
    assert mixed.shape == (4, 64)
    with pytest.raises(ValueError, match="pass the class labels"):
        cvae.sample(3)


def test_conditional_vae_without_labels_uses_the_likeliest_class(cvae, digits):
    X, y = digits
    inferred = cvae._likely_classes(X[:300])
    assert np.mean(inferred == y[:300]) >= 0.9  # 0.99 measured
    np.testing.assert_array_equal(cvae.transform(X[:300]), cvae.transform(X[:300], inferred))
    ll_marginal = cvae.log_likelihood(X[:20], n_samples=20)
    ll_true = cvae.log_likelihood(X[:20], y[:20], n_samples=20)
    assert np.all(np.isfinite(ll_marginal))
    # log sum_k p(x|k)/K is at least p(x|true)/K
    assert np.all(ll_marginal >= ll_true - np.log(10) - 1e-6)


def test_conditional_vae_on_a_data_frame_scores_it_without_feature_name_warnings():
    import warnings

    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(40, 4)), columns=list("abcd"))
    vae = VAE(latent_dim=2, hidden=(8,), epochs=1, conditional=True, random_state=0).fit(
        df, ["x", "y"] * 20)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "X does not have valid feature names" was raised
        assert vae.score_samples(df).shape == (40,)
        assert vae.reconstruct(df).shape == (40, 4)
        assert vae.log_likelihood(df, n_samples=3).shape == (40,)


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_log_likelihood_prefers_real_digits_to_noise(digits, loss):
    X = digits[0]
    vae = VAE(latent_dim=8, epochs=30, loss=loss, random_state=0).fit(X[:1400])
    real = vae.log_likelihood(X[1400:1500], n_samples=50)
    noise = vae.log_likelihood(
        np.random.default_rng(0).random((100, 64)).astype(np.float32), n_samples=50
    )
    assert real.shape == (100,) and np.all(np.isfinite(real)) and np.all(np.isfinite(noise))
    # measured about 30 vs -335 nats (mse) and -25 vs -96 (bce)
    assert real.mean() > noise.mean() + 30
    # more importance samples cannot make the IWAE bound much looser
    assert vae.log_likelihood(X[1400:1420], n_samples=200).mean() > real[:20].mean() - 1.0


def test_beta_vae_has_a_smaller_kl(digits):
    X = digits[0][:1400]
    kl = {
        beta: VAE(latent_dim=8, epochs=30, beta=beta, random_state=0).fit(X).history_["val_kl"][-1]
        for beta in (1.0, 4.0)
    }
    assert kl[4.0] < 0.5 * kl[1.0]  # 3.3 vs 11.3 nats measured


def test_kl_warmup_starts_from_a_plain_autoencoder(digits):
    X = digits[0][:600]
    warm = VAE(latent_dim=4, epochs=6, kl_warmup=5, patience=None, random_state=0).fit(X)
    cold = VAE(latent_dim=4, epochs=6, patience=None, random_state=0).fit(X)
    # with no KL pressure at first, the posterior drifts further from the prior
    assert warm.history_["kl"][0] > cold.history_["kl"][0]


def test_warm_start_keeps_the_label_input_it_was_trained_with():
    X = np.random.default_rng(0).random((60, 6))
    y = np.array(list("abc") * 20)
    plain = VAE(latent_dim=2, epochs=1, warm_start=True, random_state=0).fit(X)
    with pytest.raises(ValueError, match="fitted without labels"):
        plain.fit(X, y)
    assert len(plain.classes_) == 0
    cond = VAE(latent_dim=2, epochs=1, warm_start=True, conditional=True,
               random_state=0).fit(X, y)  # fmt: skip
    with pytest.raises(ValueError, match="fitted with labels: pass y again"):
        cond.fit(X)
    cond.set_params(conditional=False)
    for given in (y, None):  # y is dropped by conditional=False, so "pass y" would not help
        with pytest.raises(ValueError, match="fitted with labels; conditional=False cannot "
                           "train it without them: set conditional back to True or 'auto'"):
            cond.fit(X, given)
    cond.set_params(conditional=True)
    with pytest.raises(ValueError, match=r"labels not seen in the first fit: \['q'\]"):
        cond.fit(X, np.array(list("abq") * 20))
    assert list(cond.classes_) == ["a", "b", "c"] and cond.transform(X[:2], y[:2]).shape == (2, 2)
    cond.fit(X, np.array(list("ab") * 30))  # a subset of the known labels is fine
    assert list(cond.classes_) == ["a", "b", "c"]


def test_labels_that_are_missing_or_not_asked_for_are_refused(digits):
    X = digits[0][:200]
    with pytest.raises(ValueError, match="missing labels"):
        VAE(latent_dim=2, epochs=1, conditional=True).fit(X, ["a", None] * 100)
    with pytest.raises(ValueError, match="missing labels"):
        VAE(latent_dim=2, epochs=1, conditional=True).fit(X, [np.nan] + [1.0] * 199)
    cvae = VAE(latent_dim=2, epochs=1, conditional=True, random_state=0).fit(X, ["a", "b"] * 100)
    with pytest.raises(ValueError, match="missing labels"):
        cvae.transform(X[:2], ["a", None])
    # One label is every row's; one label in a list was silently every row's too.
    np.testing.assert_array_equal(cvae.transform(X[:3], "b"), cvae.transform(X[:3], ["b"] * 3))
    with pytest.raises(ValueError, match="1 label for 3 samples; pass the label itself"):
        cvae.transform(X[:3], ["b"])
    with pytest.raises(ValueError, match="2 labels for 3 samples$"):
        cvae.sample(3, y=["a", "b"])
    plain = VAE(latent_dim=2, epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="fitted without labels"):
        plain.sample(2, y="a")  # would otherwise draw unconditional samples
    with pytest.raises(ValueError, match="fitted without labels"):
        plain.log_likelihood(X[:2], [0, 1], n_samples=2)
    with pytest.raises(ValueError, match="an integer >= 1, got 2.5"):
        plain.sample(2.5)


def test_a_continuous_target_as_labels_warns(digits):
    X = digits[0][:100]
    with pytest.warns(UserWarning, match="100 different labels for 100 rows"):
        VAE(latent_dim=2, epochs=1, conditional=True, random_state=0).fit(
            X, np.linspace(0, 1, 100))  # fmt: skip


def test_a_changed_loss_takes_effect_at_the_next_fit_only():
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 4)), np.array([0, 1, 2] * 20)
    for trained, changed in (("mse", "bce"), ("bce", "mse")):
        vae = VAE(latent_dim=2, hidden=(8,), epochs=3, loss=trained, conditional=True,
                  random_state=0).fit(X, y)  # fmt: skip
        before = (vae.log_likelihood(X[:5], y[:5], n_samples=5),
                  vae.log_likelihood(X[:5], n_samples=5), vae.transform(X), vae.score_samples(X))
        vae.set_params(loss=changed)  # as hidden or scaler would, it waits for the next fit
        after = (vae.log_likelihood(X[:5], y[:5], n_samples=5),
                 vae.log_likelihood(X[:5], n_samples=5), vae.transform(X), vae.score_samples(X))
        for b, a in zip(before, after):
            np.testing.assert_array_equal(a, b)
    # a Gaussian VAE scores data beyond [0, 1], whatever loss now says
    gaussian = VAE(latent_dim=2, hidden=(8,), epochs=1, random_state=0)
    gaussian.fit(rng.normal(size=(30, 4)))
    gaussian.set_params(loss="bce")
    assert np.all(np.isfinite(gaussian.log_likelihood(rng.normal(size=(3, 4)), n_samples=5)))
