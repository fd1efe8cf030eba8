"""Small building blocks shared by the encoders and decoders."""

from __future__ import annotations

from torch import nn

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}

ACTIVATIONS = tuple(_ACTIVATIONS)


def make_activation(name: str) -> nn.Module:
    """Return a fresh activation module for ``name``.

    Parameters
    ----------
    name : str
        One of :data:`ACTIVATIONS`.

    Returns
    -------
    torch.nn.Module
        The activation; shape-preserving.
    """
    try:
        return _ACTIVATIONS[name]()
    except (KeyError, TypeError):  # TypeError: a list or dict, which cannot be a key
        raise ValueError(
            f"activation must be one of {ACTIVATIONS}, got {name!r}"
        ) from None


def dense_block(
    n_in: int, n_out: int, activation: str, dropout: float, batch_norm: bool
) -> list[nn.Module]:
    """Linear -> [BatchNorm] -> activation -> [Dropout], as a list of modules.

    Maps ``(B, n_in)`` to ``(B, n_out)``.
    """
    layers: list[nn.Module] = [nn.Linear(n_in, n_out)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(n_out))
    layers.append(make_activation(activation))
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return layers
