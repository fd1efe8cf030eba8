"""Conversion between user arrays and model tensors: validation, shapes, scaling."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from aekit._warnings import warn_user

SCALERS = ("auto", "standard", "minmax", None)
#: Largest magnitude a float32 holds; the networks compute in float32.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_float32_range(X: np.ndarray, what: str = "X") -> None:
    """Raise a ValueError when ``X`` holds values beyond float32's range.

    Such values (finite in float64) would become infinite in the float32
    network and give NaN outputs and scores.

    Parameters
    ----------
    X : ndarray of any shape
    what : str
        How the message names ``X``.
    """
    if X.dtype.kind != "f" or X.dtype.itemsize <= 4 or X.size == 0:
        return  # float32 and smaller types cannot hold such values: no pass over the data
    # max and min rather than abs: no temporary copy of a large array.
    if X.max() > FLOAT32_MAX or X.min() < -FLOAT32_MAX:
        raise ValueError(
            f"{what} holds values beyond float32's range (|x| > {FLOAT32_MAX:.3g}), "
            "which the network computes in: rescale them"
        )


def sample_shape(X: np.ndarray, architecture: str) -> tuple[int, ...]:
    """Per-sample shape the network sees, from a validated array.

    ``(n, d)`` is ``(d,)`` for dense and ``(1, d)`` (a univariate window) for
    conv1d; ``(n, H, W)`` images gain a channel, ``(1, H, W)``.
    """
    rest = X.shape[1:]
    if architecture == "dense":
        return (int(np.prod(rest)),)
    if architecture == "conv1d":
        if len(rest) > 2:
            raise ValueError(
                f"conv1d expects windows (n, length) or (n, channels, length), got {X.shape}"
            )
        return (1, *rest) if len(rest) == 1 else tuple(rest)
    if len(rest) not in (2, 3):
        raise ValueError(
            f"conv2d expects images (n, H, W) or (n, C, H, W), got array of shape {X.shape}"
        )
    return (1, *rest) if len(rest) == 2 else tuple(rest)


def warn_channels_last(shape: tuple[int, ...]) -> None:
    """Warn when 4-D images look channels-last ``(n, H, W, C)``; they are read as (n, C, H, W)."""
    if len(shape) == 4 and shape[-1] in (1, 3, 4) and shape[1] not in (1, 3, 4):
        warn_user(
            f"X has shape {tuple(shape)}, which looks like channels-last images (n, H, W, C); "
            "4-D images are read as (n, C, H, W): pass np.moveaxis(X, -1, 1)"
        )


def resolve_architecture(architecture: str, X: np.ndarray) -> str:
    """'auto' -> 'dense' for tables (n, d), 'conv2d' for images (n, H, W) / (n, C, H, W)."""
    if architecture != "auto":
        return architecture
    return "dense" if X.ndim == 2 else "conv2d"


class Scaling:
    """A scikit-learn scaler applied per feature (tables), per channel (series) or globally.

    Images are scaled with one minimum and maximum over all pixels, because a
    per-pixel scale would distort them; tables get per-column scaling. Series
    windows ``(n, C, L)`` get one scale per channel: their channels are often
    in different units, and one scale for all would squash the small ones.

    Parameters
    ----------
    kind : {'standard', 'minmax'}
    per_feature : bool
    per_channel : bool, default=False
        Scale axis 1 of ``(n, C, L)`` windows channel by channel.
    """

    def __init__(self, kind: str, per_feature: bool, per_channel: bool = False) -> None:
        self.kind = kind
        self.per_feature = per_feature
        self.per_channel = per_channel and not per_feature
        self.scaler = StandardScaler() if kind == "standard" else MinMaxScaler()

    def _flat(self, X: np.ndarray) -> np.ndarray:
        """The 2-D view the scikit-learn scaler works on."""
        if self.per_feature:
            return X.reshape(len(X), -1)
        if self.per_channel:
            return np.moveaxis(X, 1, -1).reshape(-1, X.shape[1])  # (n * L, C)
        return X.reshape(-1, 1)

    def _unflat(self, flat: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        if self.per_channel:
            n, c, *rest = shape
            return np.moveaxis(flat.reshape(n, *rest, c), -1, 1)
        return flat.reshape(shape)

    def fit(self, X: np.ndarray) -> Scaling:
        """Fit on ``(n, ...)`` data; refuses data whose mean or spread overflows."""
        with np.errstate(over="ignore", invalid="ignore"):  # refused below, in words
            self.scaler.fit(self._flat(X))
        fitted = [getattr(self.scaler, a, None) for a in ("mean_", "scale_", "data_range_")]
        if not all(np.isfinite(a).all() for a in fitted if a is not None):
            raise ValueError(
                "X holds values too large to scale: their mean or spread overflows float64 "
                "(|x| near 1e154 or more); rescale them, for example to other units or a log"
            )
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Scale ``(n, ...)`` data; the shape is kept."""
        return self._unflat(self.scaler.transform(self._flat(X)), X.shape)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """Undo :meth:`transform`; the shape is kept."""
        return self._unflat(self.scaler.inverse_transform(self._flat(X)), X.shape)

    def log_det_jacobian(self, n_features: int) -> float:
        """``log |d scaled / d x|`` for one sample of ``n_features`` values."""
        s = self.scaler
        per = -np.log(s.scale_) if self.kind == "standard" else np.log(s.scale_)
        if self.per_channel:
            return float(per.sum() * (n_features // len(per)))
        return float(per.sum() if self.per_feature else per[0] * n_features)

    def param_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the offset and scale arrays, broadcastable over ``input_shape``."""
        if self.per_feature:
            return tuple(input_shape)
        if self.per_channel:
            return (input_shape[0],) + (1,) * (len(input_shape) - 1)
        return (1,)


def choose_scaling(
    scaler: str | None, X: np.ndarray, table: bool | None = None, channels: bool = False
) -> Scaling | None:
    """Build the scaling for ``scaler``, resolving ``'auto'`` from the data.

    ``'auto'``: none when every value already lies in ``[0, 1]``; a global
    min-max for images, one per channel for series windows; per-column
    standardisation for tables. ``table`` says whether ``X`` is a table
    (default: when it is 2-D); conv1d windows given as ``(n, length)`` are not,
    so they scale like the same windows given as ``(n, 1, length)``.
    ``channels``: ``X`` holds series windows ``(n, C, L)``, scaled channel by
    channel.
    """
    if scaler not in SCALERS:
        raise ValueError(f"scaler must be one of {SCALERS}, got {scaler!r}")
    if scaler is None:
        return None
    per_feature = X.ndim == 2 if table is None else table
    if scaler == "auto":
        if X.min() >= 0 and X.max() <= 1:
            return None
        scaler = "standard" if per_feature else "minmax"
    return Scaling(scaler, per_feature, per_channel=channels and X.ndim == 3)


def to_tensor(X: np.ndarray, shape: tuple[int, ...]) -> torch.Tensor:
    """``(n, ...)`` array -> float32 tensor ``(n, *shape)`` (no copy when possible).

    ``X`` is the scaled data the network reads; values beyond float32's range
    are refused (see :func:`check_float32_range`).
    """
    check_float32_range(X, "X (once scaled)")
    arr = np.ascontiguousarray(X, dtype=np.float32)
    with warnings.catch_warnings():
        # torch warns that a read-only array (a memmap, a frame's values) could be
        # written through the tensor; aekit only reads it, and a copy would double
        # the memory of a large one.
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(arr).reshape(len(X), *shape)
