"""Latent heads: from the encoder's features to the code, and conditioning."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

#: Log-variances are clamped to this range so ``exp`` can neither overflow
#: nor collapse to zero during early, unstable training.
LOGVAR_RANGE = (-30.0, 20.0)


class DeterministicHead(nn.Module):
    """Linear map to the code: ``(B, in_features) -> (B, latent_dim)``.

    With ``latent_dim=None`` the features themselves are the code (identity).
    """

    def __init__(self, in_features: int, latent_dim: int | None) -> None:
        super().__init__()
        self.net = nn.Identity() if latent_dim is None else nn.Linear(in_features, latent_dim)
        self.latent_dim = in_features if latent_dim is None else latent_dim

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """``(B, in_features) -> (B, latent_dim)``."""
        return self.net(h)


class GaussianHead(nn.Module):
    """Diagonal Gaussian posterior ``q(z|x)``: mean and clamped log-variance.

    ``(B, in_features) -> ((B, latent_dim), (B, latent_dim))``.
    """

    def __init__(self, in_features: int, latent_dim: int) -> None:
        super().__init__()
        self.net = nn.Linear(in_features, 2 * latent_dim)
        self.latent_dim = latent_dim

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(mu, logvar)``, each ``(B, latent_dim)``."""
        mu, logvar = self.net(h).chunk(2, dim=-1)
        return mu, logvar.clamp(*LOGVAR_RANGE)


def reparameterize(
    mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Sample ``z = mu + sigma * eps`` with ``eps ~ N(0, I)``, differentiably.

    Parameters
    ----------
    mu, logvar : torch.Tensor
        ``(..., latent_dim)`` posterior mean and log-variance.
    generator : torch.Generator, optional
        Source of randomness for reproducible sampling.

    Returns
    -------
    torch.Tensor
        ``(..., latent_dim)`` sample.
    """
    eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + eps * torch.exp(0.5 * logvar)


def one_hot(labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Integer class labels ``(B,)`` -> float one-hot ``(B, n_classes)``."""
    return F.one_hot(labels.long(), n_classes).float()


def join_condition(x: torch.Tensor, condition: torch.Tensor | None) -> torch.Tensor:
    """Append a one-hot condition to an input or a code.

    Flat inputs ``(B, d)`` get ``(B, d + K)``. Images ``(B, C, H, W)`` and
    series ``(B, C, L)`` get ``K`` extra constant channels, one per class.

    Parameters
    ----------
    x : torch.Tensor
        ``(B, d)``, ``(B, C, L)`` or ``(B, C, H, W)``.
    condition : torch.Tensor or None
        ``(B, K)`` one-hot condition; None returns ``x`` unchanged.
    """
    if condition is None:
        return x
    if x.dim() == 2:
        return torch.cat([x, condition.to(x.dtype)], dim=1)
    shape = (*condition.shape, *([1] * (x.dim() - 2)))
    maps = condition.to(x.dtype).view(shape).expand(-1, -1, *x.shape[2:])  # (B, K, *spatial)
    return torch.cat([x, maps], dim=1)
