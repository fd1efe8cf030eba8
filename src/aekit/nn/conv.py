"""Convolutional encoders and decoders for images (2-D) and series windows (1-D).

Every stage halves each spatial size, rounding up, so a size ``n`` becomes
``ceil(n / 2)``; the decoder records those sizes and chooses each transposed
convolution's ``output_padding`` to land exactly on them. Odd sizes such as
28x28 -> 14 -> 7 -> 4 or 8x8 therefore come back unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from aekit._params import is_count
from aekit.nn.layers import make_activation

_CONV = {1: nn.Conv1d, 2: nn.Conv2d}
_TCONV = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d}
_POOL = {1: nn.MaxPool1d, 2: nn.MaxPool2d}
_NORM = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d}
DOWNSAMPLING = ("stride", "pool")


def stage_sizes(spatial: Sequence[int], n_stages: int) -> list[tuple[int, ...]]:
    """Spatial sizes before each stage and after the last one.

    Parameters
    ----------
    spatial : sequence of int
        Input spatial size, ``(H, W)`` or ``(L,)``.
    n_stages : int
        Number of halving stages.

    Returns
    -------
    list of tuple of int
        ``n_stages + 1`` sizes, the input's first.
    """
    sizes = [tuple(int(s) for s in spatial)]
    for _ in range(n_stages):
        sizes.append(tuple(math.ceil(s / 2) for s in sizes[-1]))
    return sizes


class ConvEncoder(nn.Module):
    """Strided (or pooled) convolutions, then flatten.

    ``(B, C, *spatial) -> (B, channels[-1] * prod(final spatial))``.

    Parameters
    ----------
    in_shape : sequence of int
        Per-sample input shape ``(C, H, W)`` for images or ``(C, L)`` for series.
    channels : sequence of int
        Output channels of each stage; each stage halves the spatial size.
    kernel_size : int
        Odd kernel size.
    activation : str
        Hidden activation.
    downsample : {'stride', 'pool'}
        A stride-2 convolution, or a stride-1 convolution then 2x max pooling.
    dropout : float
        Dropout after each stage.
    batch_norm : bool
        Batch normalisation before each activation.
    """

    def __init__(
        self,
        in_shape: Sequence[int],
        channels: Sequence[int],
        kernel_size: int = 3,
        activation: str = "relu",
        downsample: str = "stride",
        dropout: float = 0.0,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        ndim = len(in_shape) - 1
        if ndim not in _CONV:
            raise ValueError(
                f"in_shape must be (C, L) or (C, H, W), got {tuple(in_shape)}"
            )
        k = kernel_size
        if not (is_count(k) and k % 2 == 1):
            raise ValueError(f"kernel_size must be an odd integer >= 1, got {k!r}")
        if downsample not in DOWNSAMPLING:
            raise ValueError(f"downsample must be one of {DOWNSAMPLING}, got {downsample!r}")
        if not channels:
            raise ValueError("a convolutional encoder needs at least one stage in `hidden`")
        pad = kernel_size // 2
        layers: list[nn.Module] = []
        prev = in_shape[0]
        for ch in channels:
            stride = 2 if downsample == "stride" else 1
            layers.append(_CONV[ndim](prev, ch, kernel_size, stride=stride, padding=pad))
            if batch_norm:
                layers.append(_NORM[ndim](ch))
            layers.append(make_activation(activation))
            if downsample == "pool":
                layers.append(_POOL[ndim](2, ceil_mode=True))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            prev = ch
        self.net = nn.Sequential(*layers)
        self.sizes = stage_sizes(in_shape[1:], len(channels))
        self.feature_shape = (channels[-1], *self.sizes[-1])
        self.out_features = math.prod(self.feature_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, *spatial) -> (B, out_features)``."""
        return self.net(x).flatten(1)


class ConvDecoder(nn.Module):
    """Mirror of :class:`ConvEncoder`: code -> logits of the input's exact shape.

    ``(B, in_features) -> (B, C, *spatial)``. With ``in_features=None`` the
    code is the encoder's flattened feature map and is only reshaped; otherwise
    a linear layer first maps the code to that feature map.

    Parameters
    ----------
    out_shape : sequence of int
        Per-sample output shape ``(C, H, W)`` or ``(C, L)``.
    channels : sequence of int
        The encoder's stage channels, in encoding order.
    in_features : int or None
        Code size (plus classes for a conditional model), or None for a spatial code.
    kernel_size, activation, dropout, batch_norm
        As in :class:`ConvEncoder`.
    """

    def __init__(
        self,
        out_shape: Sequence[int],
        channels: Sequence[int],
        in_features: int | None,
        kernel_size: int = 3,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        ndim = len(out_shape) - 1
        sizes = stage_sizes(out_shape[1:], len(channels))
        self.feature_shape = (channels[-1], *sizes[-1])
        n_feat = math.prod(self.feature_shape)
        self.project = (
            nn.Identity()
            if in_features is None
            else nn.Sequential(nn.Linear(in_features, n_feat), make_activation(activation))
        )
        pad = kernel_size // 2
        layers: list[nn.Module] = []
        rev = list(reversed(channels))
        for i, ch in enumerate(rev):
            n_in, target = sizes[-1 - i], sizes[-2 - i]
            extra = tuple(t - (2 * n - 1) for t, n in zip(target, n_in))
            layers.append(
                _TCONV[ndim](
                    rev[i - 1] if i else ch, ch, kernel_size, stride=2, padding=pad,
                    output_padding=extra,
                )
            )
            if batch_norm:
                layers.append(_NORM[ndim](ch))
            layers.append(make_activation(activation))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        layers.append(_CONV[ndim](rev[-1], out_shape[0], kernel_size, padding=pad))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """``(B, in_features) -> (B, C, *spatial)`` logits."""
        h = self.project(z).view(z.shape[0], *self.feature_shape)  # (B, C', *spatial')
        return self.net(h)
