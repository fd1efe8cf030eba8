"""Random augmentation applied per batch on the training device.

Geometric changes (shifts, rotations, flips) act on images ``(B, C, H, W)``
and shifts on series windows ``(B, C, L)``; they are one affine resampling per
batch, with zeros shifted in. Additive noise works on any input. All are off
by default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import torch
import torch.nn.functional as F

from aekit._params import check_flag, check_number
from aekit.nn.corruption import gaussian_noise


@dataclass(frozen=True)
class Augmentation:
    """Augmentation settings.

    Parameters
    ----------
    noise : float
        Standard deviation of additive Gaussian noise (any input).
    shift : float
        Largest random shift, as a fraction of the height/width/length
        (0.1 = up to 10%); the same as a random crop of a zero-padded input.
    flip : bool
        Random horizontal flips (images).
    rotation : float
        Largest random rotation in degrees (images); 180 or more turns
        images every way.

    Raises
    ------
    ValueError
        For a negative or non-finite number, a shift of 1 or more (the whole
        input shifted out), or a ``flip`` other than True/False.
    """

    noise: float = 0.0
    shift: float = 0.0
    flip: bool = False
    rotation: float = 0.0

    def __post_init__(self) -> None:
        # frozen: set through object.__setattr__, as floats and a bool.
        object.__setattr__(self, "noise", check_number("augmentation noise", self.noise))
        # A shift of the whole size would leave blank inputs to learn from.
        shift = check_number("augmentation shift", self.shift, 0.0, 1.0, high_open=True)
        object.__setattr__(self, "shift", shift)
        rotation = check_number("augmentation rotation (degrees)", self.rotation)
        object.__setattr__(self, "rotation", rotation)
        object.__setattr__(self, "flip", check_flag("augmentation flip", self.flip))

    @classmethod
    def from_param(cls, value: Any) -> Augmentation:
        """The ``augmentation`` parameter of an estimator: None, a dict or an Augmentation.

        Raises
        ------
        ValueError
            For another type, or a dict with a key other than the fields.
        """
        if value is None or value is False:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            unknown = sorted(map(str, set(value) - {f.name for f in fields(cls)}))
            if unknown:
                raise ValueError(
                    f"augmentation has no setting {', '.join(map(repr, unknown))}; "
                    f"the settings are {[f.name for f in fields(cls)]}"
                )
            return cls(**value)
        raise ValueError(
            "augmentation must be None, a dict such as {'noise': 0.1, 'shift': 0.1} or an "
            f"aekit.nn.Augmentation, got {value!r}"
        )

    @property
    def active(self) -> bool:
        """Whether any augmentation is switched on."""
        return bool(self.noise or self.shift or self.flip or self.rotation)

    @property
    def geometric(self) -> bool:
        """Whether a shift, flip or rotation is switched on."""
        return bool(self.shift or self.flip or self.rotation)

    def check_input(self, sample_ndim: int) -> None:
        """Raise if geometric augmentation is asked of data without a spatial axis."""
        if self.geometric and sample_ndim < 2:
            raise ValueError(
                "shift, flip and rotation augmentation need images (C, H, W) or "
                "series windows (C, L); flat feature vectors only allow noise"
            )
        if (self.flip or self.rotation) and sample_ndim == 2:
            raise ValueError("flip and rotation apply to images; series windows allow shift")

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Return an augmented copy of ``x`` (``(B, d)``, ``(B, C, L)`` or ``(B, C, H, W)``)."""
        if self.geometric:
            self.check_input(x.dim() - 1)
            x = _affine(x, self, generator)
        if self.noise:
            x = gaussian_noise(x, self.noise, generator)
        return x


def _affine(x: torch.Tensor, aug: Augmentation, generator: torch.Generator | None) -> torch.Tensor:
    series = x.dim() == 3
    img = x.unsqueeze(2) if series else x  # (B, C, H, W); a series is one row high
    b = img.shape[0]

    def uniform(scale: float) -> torch.Tensor:
        u = torch.rand(b, generator=generator, device=x.device, dtype=x.dtype)
        return (2 * u - 1) * scale

    angle = uniform(math.radians(aug.rotation))
    cos, sin = torch.cos(angle), torch.sin(angle)
    flip = torch.ones(b, device=x.device, dtype=x.dtype)
    if aug.flip:
        coin = torch.rand(b, generator=generator, device=x.device) < 0.5
        flip = torch.where(coin, -flip, flip)
    # affine_grid works in [-1, 1] coordinates, so a shift of fraction f is 2f.
    tx = uniform(2 * aug.shift)
    ty = torch.zeros_like(tx) if series else uniform(2 * aug.shift)
    # affine_grid's [-1, 1] spans the width and the height alike; a rotation in
    # pixels of a non-square image is S^-1 R S there, S = diag(W, H) / 2.
    aspect = img.shape[-1] / img.shape[-2]  # W / H
    theta = torch.stack(
        [torch.stack([cos * flip, -sin / aspect, tx], 1),
         torch.stack([sin * flip * aspect, cos, ty], 1)], 1
    )  # (B, 2, 3); fmt: skip
    grid = F.affine_grid(theta, list(img.shape), align_corners=False)
    out = F.grid_sample(img, grid, padding_mode="zeros", align_corners=False)
    return out.squeeze(2) if series else out
