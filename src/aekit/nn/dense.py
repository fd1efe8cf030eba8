"""Fully connected encoder and decoder for flat feature vectors."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from aekit.nn.layers import dense_block


class DenseEncoder(nn.Module):
    """Stack of fully connected layers: ``(B, in_features) -> (B, hidden[-1])``.

    The last hidden layer is the input of a latent head (see
    :mod:`aekit.nn.heads`), which maps it to the code.

    Parameters
    ----------
    in_features : int
        Input size ``d`` (plus the number of classes for a conditional model).
    hidden : sequence of int
        Hidden layer sizes, widest first. May be empty: the head then sees the input.
    activation : str
        Hidden activation, see :data:`aekit.nn.layers.ACTIVATIONS`.
    dropout : float
        Dropout after each hidden activation.
    batch_norm : bool
        Batch normalisation before each hidden activation.
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int],
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        sizes = [in_features, *hidden]
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += dense_block(n_in, n_out, activation, dropout, batch_norm)
        self.net = nn.Sequential(*layers)
        self.out_features = sizes[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_features) -> (B, out_features)``."""
        return self.net(x)


class DenseDecoder(nn.Module):
    """Mirror of :class:`DenseEncoder`: ``(B, code) -> (B, out_features)`` logits.

    The output layer is linear; the output activation (identity or sigmoid) is
    applied by the model, so losses can work on logits.

    Parameters
    ----------
    in_features : int
        Code size (plus the number of classes for a conditional model).
    hidden : sequence of int
        Hidden sizes in decoding order (narrowest first).
    out_features : int
        Reconstruction size ``d``.
    activation, dropout, batch_norm
        As in :class:`DenseEncoder`.
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int],
        out_features: int,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        sizes = [in_features, *hidden]
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += dense_block(n_in, n_out, activation, dropout, batch_norm)
        layers.append(nn.Linear(sizes[-1], out_features))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """``(B, in_features) -> (B, out_features)`` logits."""
        return self.net(z)
