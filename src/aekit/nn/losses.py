"""Loss terms as plain functions of tensors.

Every term is summed over the features (pixels, time steps, code units) of a
sample and averaged over the batch, so values are "per sample" and terms of
different sizes can be added with meaningful weights. Log-likelihood terms are
in nats.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _per_sample_sum(t: torch.Tensor) -> torch.Tensor:
    return t.reshape(t.shape[0], -1).sum(dim=1)  # (B,)


def mse(x_hat: torch.Tensor, x: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Squared error, summed over features, averaged over the batch.

    Parameters
    ----------
    x_hat, x : torch.Tensor
        ``(B, ...)`` reconstruction and target of the same shape.
    reduction : {'mean', 'none'}
        ``'none'`` returns the ``(B,)`` per-sample sums.

    Returns
    -------
    torch.Tensor
        Scalar, or ``(B,)`` with ``reduction='none'``.
    """
    per = _per_sample_sum((x_hat - x).square())
    return per if reduction == "none" else per.mean()


def bce_logits(logits: torch.Tensor, x: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Binary cross-entropy on logits, summed over features, mean over the batch.

    Targets must lie in ``[0, 1]``. Computed from logits for numerical
    stability; equals the Bernoulli negative log-likelihood in nats.

    Parameters
    ----------
    logits, x : torch.Tensor
        ``(B, ...)`` decoder logits and targets in ``[0, 1]``.
    reduction : {'mean', 'none'}
        ``'none'`` returns the ``(B,)`` per-sample sums.
    """
    per = _per_sample_sum(F.binary_cross_entropy_with_logits(logits, x, reduction="none"))
    return per if reduction == "none" else per.mean()


def bernoulli_nll(
    logits: torch.Tensor, x: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """Bernoulli negative log-likelihood ``-log p(x | logits)`` in nats.

    Sum over features, mean over the batch (``(B,)`` with ``reduction='none'``).
    Identical to :func:`bce_logits`; named for the VAE's likelihood.
    """
    return bce_logits(logits, x, reduction)


def gaussian_nll(
    mean: torch.Tensor,
    x: torch.Tensor,
    log_scale: torch.Tensor | float = 0.0,
    reduction: str = "mean",
) -> torch.Tensor:
    """Gaussian negative log-likelihood ``-log N(x | mean, sigma^2)`` in nats.

    ``0.5 * ((x - mean) / sigma)^2 + log(sigma) + 0.5 * log(2 pi)`` per feature,
    summed over features, averaged over the batch.

    Parameters
    ----------
    mean, x : torch.Tensor
        ``(B, ...)`` decoder mean and target.
    log_scale : torch.Tensor or float
        ``log(sigma)``: a scalar or a tensor broadcastable to ``x``.
    reduction : {'mean', 'none'}
        ``'none'`` returns the ``(B,)`` per-sample sums.
    """
    log_scale = torch.as_tensor(log_scale, dtype=x.dtype, device=x.device)
    z2 = ((x - mean) * torch.exp(-log_scale)).square()
    per = _per_sample_sum(0.5 * z2 + log_scale + 0.5 * math.log(2 * math.pi))
    return per if reduction == "none" else per.mean()


def kl_normal(
    mu: torch.Tensor, logvar: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) in nats, closed form.

    ``-0.5 * sum(1 + logvar - mu^2 - exp(logvar))`` over code units, mean over
    the batch.

    Parameters
    ----------
    mu, logvar : torch.Tensor
        ``(B, latent_dim)``.
    reduction : {'mean', 'none'}
        ``'none'`` returns ``(B,)``.
    """
    per = -0.5 * (1 + logvar - mu.square() - logvar.exp()).sum(dim=1)
    return per if reduction == "none" else per.mean()


def kl_weight(beta: float, progress: float, warmup: float = 0.0) -> float:
    """Weight of the KL term with an optional linear warm-up.

    Parameters
    ----------
    beta : float
        Final weight (1 for a VAE, >1 for a beta-VAE).
    progress : float
        Training progress in epochs (fractional epochs allowed).
    warmup : float
        Number of epochs over which the weight grows linearly from 0 to ``beta``;
        0 means no warm-up.

    Returns
    -------
    float
    """
    if warmup <= 0:
        return beta
    return beta * min(1.0, progress / warmup)


def l1_activity(z: torch.Tensor) -> torch.Tensor:
    """L1 norm of the code (sparse autoencoder), sum over units, mean over batch.

    ``z`` is ``(B, latent_dim)``; returns a scalar.
    """
    return z.abs().sum(dim=1).mean()


def contractive_penalty(z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Squared Frobenius norm of the encoder's Jacobian ``dz/dx``, mean over batch.

    Exact for any encoder that treats samples independently (no batch norm in
    training mode): one backward pass per code unit, each giving that unit's
    gradient for every sample at once. The graph is kept, so the penalty can be
    trained through.

    Parameters
    ----------
    z : torch.Tensor
        ``(B, latent_dim)`` code computed from ``x``.
    x : torch.Tensor
        ``(B, ...)`` encoder input with ``requires_grad=True``.

    Returns
    -------
    torch.Tensor
        Scalar ``mean_b sum_{j,i} (dz_bj / dx_bi)^2``.
    """
    if not x.requires_grad:
        raise ValueError("contractive_penalty needs the encoder input with requires_grad=True")
    total = z.new_zeros(z.shape[0])
    for j in range(z.shape[1]):
        (g,) = torch.autograd.grad(z[:, j].sum(), x, create_graph=True)
        total = total + _per_sample_sum(g.square())
    return total.mean()
