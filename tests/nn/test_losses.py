"""Each loss term against values computed independently (numpy, torch.distributions, by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from aekit.nn import losses

RNG = np.random.default_rng(0)


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


def test_mse_by_hand():
    x_hat = _t([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    x = _t([[1.0, 0.0, 1.0], [1.0, -1.0, 2.0]])
    # sample 0: 0 + 4 + 4 = 8; sample 1: 1 + 1 + 4 = 6
    assert losses.mse(x_hat, x).item() == pytest.approx(7.0)
    assert losses.mse(x_hat, x, reduction="none").tolist() == [8.0, 6.0]


def test_mse_sums_over_every_feature_axis():
    a, b = RNG.normal(size=(4, 2, 3, 5)), RNG.normal(size=(4, 2, 3, 5))
    expected = ((a - b) ** 2).reshape(4, -1).sum(axis=1)
    np.testing.assert_allclose(losses.mse(_t(a), _t(b), "none").numpy(), expected)
    assert losses.mse(_t(a), _t(b)).item() == pytest.approx(expected.mean())


def test_bce_logits_against_numpy_formula():
    logits = RNG.normal(scale=3.0, size=(5, 7))
    x = RNG.uniform(size=(5, 7))  # soft targets are allowed
    p = 1.0 / (1.0 + np.exp(-logits))
    expected = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1)
    np.testing.assert_allclose(losses.bce_logits(_t(logits), _t(x), "none").numpy(), expected)
    assert losses.bce_logits(_t(logits), _t(x)).item() == pytest.approx(expected.mean())


def test_bce_logits_stable_for_large_logits():
    logits = _t([[200.0, -200.0]])
    x = _t([[1.0, 0.0]])
    assert losses.bce_logits(logits, x).item() == pytest.approx(0.0, abs=1e-12)
    # wrong by a margin of 200 in each feature costs 200 nats each
    assert losses.bce_logits(logits, 1 - x).item() == pytest.approx(400.0)


def test_bernoulli_nll_is_bernoulli_log_prob():
    logits = _t(RNG.normal(size=(4, 6)))
    x = _t(RNG.integers(0, 2, size=(4, 6)))
    expected = -torch.distributions.Bernoulli(logits=logits).log_prob(x).sum(1)
    torch.testing.assert_close(losses.bernoulli_nll(logits, x, "none"), expected)
    torch.testing.assert_close(losses.bernoulli_nll(logits, x), expected.mean())


@pytest.mark.parametrize("log_scale", [0.0, -1.3, "tensor"])
def test_gaussian_nll_is_normal_log_prob(log_scale):
    mean = _t(RNG.normal(size=(3, 2, 4)))
    x = _t(RNG.normal(size=(3, 2, 4)))
    if log_scale == "tensor":
        log_scale = _t(RNG.normal(scale=0.5, size=(2, 4)))  # one scale per feature
    sigma = torch.exp(torch.as_tensor(log_scale, dtype=torch.float64))
    expected = -torch.distributions.Normal(mean, sigma).log_prob(x).reshape(3, -1).sum(1)
    torch.testing.assert_close(losses.gaussian_nll(mean, x, log_scale, "none"), expected)
    torch.testing.assert_close(losses.gaussian_nll(mean, x, log_scale), expected.mean())


def test_gaussian_nll_by_hand():
    # x = mean: only the normaliser 0.5 * log(2 pi) per feature remains
    z = torch.zeros(1, 3, dtype=torch.float64)
    assert losses.gaussian_nll(z, z).item() == pytest.approx(1.5 * math.log(2 * math.pi))


def test_kl_by_hand():
    mu = _t([[0.0, 0.0], [1.0, 0.0]])
    logvar = _t([[0.0, 0.0], [0.0, math.log(2.0)]])
    # N(0,1) -> 0; mu=1 -> 0.5; var=2 -> 0.5 * (2 - 1 - log 2)
    per = [0.0, 0.5 + 0.5 * (1.0 - math.log(2.0))]
    np.testing.assert_allclose(losses.kl_normal(mu, logvar, "none").numpy(), per)
    assert losses.kl_normal(mu, logvar).item() == pytest.approx(np.mean(per))


def test_kl_against_closed_form_of_torch_distributions():
    mu = _t(RNG.normal(size=(6, 4)))
    logvar = _t(RNG.normal(size=(6, 4)))
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    expected = torch.distributions.kl_divergence(q, p).sum(1)
    torch.testing.assert_close(losses.kl_normal(mu, logvar, "none"), expected)


def test_kl_against_monte_carlo():
    mu = _t([[0.7, -1.2, 0.1]])
    logvar = _t([[-0.5, 0.8, -2.0]])
    std = np.exp(0.5 * logvar.numpy())
    z = mu.numpy() + std * np.random.default_rng(1).normal(size=(200_000, 3))
    # log q(z) - log p(z), summed over units; the normalisers of q and p differ by log(std)
    log_q = -0.5 * ((z - mu.numpy()) / std) ** 2 - np.log(std)
    log_p = -0.5 * z**2
    samples = (log_q - log_p).sum(axis=1)
    estimate, stderr = samples.mean(), samples.std() / np.sqrt(len(samples))
    assert abs(losses.kl_normal(mu, logvar).item() - estimate) < 4 * stderr


def test_kl_weight_warmup():
    assert losses.kl_weight(4.0, 0.0, warmup=10) == 0.0
    assert losses.kl_weight(4.0, 2.5, warmup=10) == pytest.approx(1.0)
    assert losses.kl_weight(4.0, 10.0, warmup=10) == 4.0
    assert losses.kl_weight(4.0, 50.0, warmup=10) == 4.0
    assert losses.kl_weight(4.0, math.inf, warmup=10) == 4.0  # evaluation uses full weight
    assert losses.kl_weight(0.5, 0.0) == 0.5  # no warm-up


def test_l1_activity_by_hand():
    z = _t([[1.0, -2.0], [0.0, 3.0]])
    assert losses.l1_activity(z).item() == pytest.approx(3.0)  # (3 + 3) / 2


def _finite_difference_penalty(f, x: torch.Tensor, h: float = 1e-6) -> float:
    """Mean over samples of the squared Frobenius norm of dz/dx, by central differences."""
    total = 0.0
    for b in range(len(x)):
        xb = x[b : b + 1].detach()
        flat = xb.reshape(-1)
        for i in range(flat.numel()):
            e = torch.zeros_like(flat)
            e[i] = h
            dz = (f((flat + e).view_as(xb)) - f((flat - e).view_as(xb))) / (2 * h)
            total += float(dz.square().sum())
    return total / len(x)


def test_contractive_penalty_linear_encoder_is_frobenius_norm():
    lin = nn.Linear(5, 3, dtype=torch.float64)
    x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    expected = float(lin.weight.detach().square().sum())  # the Jacobian of W x + b is W
    assert losses.contractive_penalty(lin(x), x).item() == pytest.approx(expected)


@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_contractive_penalty_against_finite_differences(kind):
    torch.manual_seed(0)
    if kind == "dense":
        enc = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3))
        x = torch.randn(3, 6, dtype=torch.float64)
    else:
        enc = nn.Sequential(
            nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.Softplus(), nn.Flatten(), nn.Linear(8, 3)
        )
        x = torch.randn(3, 1, 4, 4, dtype=torch.float64)
    enc = enc.double()
    x.requires_grad_(True)
    penalty = losses.contractive_penalty(enc(x), x)
    with torch.no_grad():
        expected = _finite_difference_penalty(enc, x)
    assert penalty.item() == pytest.approx(expected, rel=1e-6)
    # the graph is kept, so the penalty trains the encoder's weights (a Jacobian
    # does not depend on the last bias)
    penalty.backward()
    weights = [p for name, p in enc.named_parameters() if name.endswith("weight")]
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in weights)


def test_contractive_penalty_needs_grad_input():
    x = torch.randn(2, 3)
    with pytest.raises(ValueError, match="requires_grad"):
        losses.contractive_penalty(x * 2, x)
