"""Input corruption for denoising autoencoders. Each returns a new tensor."""

from __future__ import annotations

import torch


def gaussian_noise(
    x: torch.Tensor, std: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """``x + N(0, std^2)`` elementwise; ``x`` of any shape ``(B, ...)``."""
    noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return x + std * noise


def masking_noise(
    x: torch.Tensor, p: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Set a random fraction ``p`` of the entries of ``x`` to zero."""
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x * keep


def salt_and_pepper(
    x: torch.Tensor,
    p: float,
    low: float = 0.0,
    high: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Set a random fraction ``p`` of entries to ``low`` or ``high``, half each."""
    u = torch.rand(x.shape, generator=generator, device=x.device)
    out = torch.where(u < p / 2, torch.full_like(x, low), x)
    return torch.where((u >= p / 2) & (u < p), torch.full_like(x, high), out)


CORRUPTIONS = {
    "gaussian": gaussian_noise,
    "masking": masking_noise,
    "salt_pepper": salt_and_pepper,
}


def corrupt(
    x: torch.Tensor, kind: str, amount: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Apply the corruption named ``kind`` with strength ``amount``.

    Parameters
    ----------
    x : torch.Tensor
        ``(B, ...)`` clean input.
    kind : {'gaussian', 'masking', 'salt_pepper'}
        Noise type; ``amount`` is the standard deviation or the fraction hit.
    amount : float
        Strength, >= 0.
    generator : torch.Generator, optional
        Source of randomness.
    """
    if kind not in CORRUPTIONS:
        raise ValueError(f"noise type must be one of {tuple(CORRUPTIONS)}, got {kind!r}")
    return CORRUPTIONS[kind](x, amount, generator=generator)
