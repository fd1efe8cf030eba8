"""What an autoencoder's settings resolve to: the defaults, the network, a warm fit's check.

:func:`model_config` turns an estimator's parameters and its (scaled)
training data into the :class:`~aekit.nn.model.ModelConfig` of the network
to build, checking the loss and output against the data's range;
:func:`check_warm_settings` compares that network with a fitted one before
``warm_start`` trains it further.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from aekit._warnings import warn_user
from aekit.estimators._data import resolve_architecture, sample_shape
from aekit.nn.model import ARCHITECTURES, ModelConfig

#: How far outside [0, 1] (scaled) data may lie and still count as in [0, 1].
UNIT_TOL = 1e-6


def default_hidden(architecture: str, input_shape: tuple[int, ...]) -> tuple[int, ...]:
    """Hidden sizes used with ``hidden='auto'``.

    Dense: two layers, the first the power of two at or above four times the
    input size (between 64 and 512), the second half of it. Wider than the
    input, because the narrower rule (the input size itself) left small inputs
    underfitted: on sklearn's digits (64 features, code 8) it reconstructed
    no better than PCA, (256, 128) reconstructs with half PCA's error.
    Conv: 32, 64, 128, 128 channels, one stage per halving until the smallest
    spatial side is at most 4, at most four stages.
    """
    if architecture == "dense":
        h1 = int(min(512, max(64, 2 ** math.ceil(math.log2(max(4 * input_shape[0], 2))))))
        return (h1, h1 // 2)
    stages, side = [], min(input_shape[1:])
    while side > 4 and len(stages) < 4 or not stages:
        stages.append(min(32 * 2 ** len(stages), 128))
        side = math.ceil(side / 2)
    return tuple(stages)


def default_batch_size(n_samples: int) -> int:
    """Batch size used with ``batch_size='auto'``: about 32 batches per epoch.

    A power of two between 16 and 128. Large data sets get 128; small ones get
    smaller batches, hence more updates per epoch, which is what they need to
    converge within the default epochs (on sklearn's digits, 32 rather than
    128 lowered the held-out error by about a tenth).
    """
    return int(min(128, max(16, 2 ** math.floor(math.log2(max(n_samples / 32, 1))))))


def default_latent_dim(n_features: int) -> int:
    """Code size used with ``latent_dim=None``: an eighth of the inputs, 2 to 32."""
    return int(min(32, max(2, n_features // 8)))


def config_latent(latent_dim: Any, n_features: int) -> Any:
    """``latent_dim`` as :class:`ModelConfig` takes it, for ``n_features`` inputs per sample.

    None becomes :func:`default_latent_dim`, and 'spatial' None (ModelConfig's
    spatial code: the last feature map); other values pass as they are, for
    ModelConfig to check.
    """
    if latent_dim is None:
        return default_latent_dim(n_features)
    return None if latent_dim == "spatial" else latent_dim


def model_config(
    est: Any,
    X: np.ndarray,
    latent_dim: int | None,
    n_classes: int,
    fitted_output: str | None = None,
) -> ModelConfig:
    """The network ``X`` (scaled) asks for; ``fitted_output``: a warm fit's network's output.

    A warm fit keeps the fitted output activation for ``output='auto'``, and new
    data beyond a sigmoid's range is then a warning, not an error: the
    network is fine-tuned as it is.
    """
    arch = resolve_architecture(est.architecture, X)
    if arch not in ARCHITECTURES:
        raise ValueError(
            f"architecture must be 'auto' or one of {ARCHITECTURES}, got {est.architecture!r}"
        )
    shape = sample_shape(X, arch)
    auto = isinstance(est.hidden, str) and est.hidden == "auto"
    if not auto and not isinstance(est.hidden, (tuple, list, np.ndarray)):
        raise ValueError(
            f"hidden must be 'auto' or a tuple of layer sizes, e.g. (64, 32), "
            f"got {est.hidden!r}"
        )
    hidden = default_hidden(arch, shape) if auto else tuple(est.hidden)
    # A tolerance: min-max scaling can round the largest value to 1 + 2e-16.
    lo, hi = float(X.min()), float(X.max())
    in_unit = lo >= -UNIT_TOL and hi <= 1 + UNIT_TOL
    output = est.output
    if output == "auto":
        output = fitted_output or ("sigmoid" if in_unit else "linear")
    if est.noise and est.noise_type == "salt_pepper" and not in_unit:
        # Salt and pepper are 1 and 0: on standardised data, the mean and one sd.
        raise ValueError(
            "noise_type='salt_pepper' sets values to 0 or 1, which needs (scaled) data in "
            f"[0, 1], but they go from {lo:.4g} to {hi:.4g}; use scaler='minmax' or another "
            "noise_type"
        )
    if est.loss == "bce" and not in_unit:
        raise ValueError(
            "loss='bce' needs (scaled) data in [0, 1]; use scaler='minmax' or loss='mse'"
        )
    if est.loss == "bce" and output == "linear":
        raise ValueError(
            "loss='bce' trains the decoder through a sigmoid, so its outputs are "
            "probabilities: use output='sigmoid' (or 'auto') with it, or loss='mse'"
        )
    if output == "sigmoid" and not in_unit:
        if fitted_output is None:
            raise ValueError(
                f"output='sigmoid' gives values in [0, 1], but the (scaled) data go from "
                f"{lo:.4g} to {hi:.4g}; use scaler='minmax' or output='linear'"
            )
        warn_user(
            f"the new data go from {lo:.4g} to {hi:.4g} once scaled as in the first fit, "
            "beyond the [0, 1] the network's sigmoid output can reach; fit anew "
            "(warm_start=False) to scale them afresh"
        )
    return ModelConfig(
        input_shape=shape,
        architecture=arch,
        hidden=hidden,
        latent_dim=latent_dim,
        activation=est.activation,
        output=output,
        dropout=est.dropout,
        batch_norm=est.batch_norm,
        variational=est._variational,
        n_classes=n_classes,
        kernel_size=est.kernel_size,
        downsample=est.downsample,
        learn_scale=est._variational and est.loss == "mse",
    )


def check_warm_settings(est: Any, Xs: np.ndarray, n_classes: int) -> None:
    """Refuse a warm fit whose settings would build another network or scaling.

    ``warm_start`` goes on training ``module_`` as it was built; a changed
    ``latent_dim``, ``hidden``, ``loss`` or ``scaler`` would otherwise be
    ignored without a word, or (``loss='bce'``) trained on data it cannot fit.
    """
    old = est.module_.config
    latent = est.latent_dim
    if latent == "auto":
        latent = old.latent_dim
    else:
        latent = config_latent(latent, int(np.prod(Xs.shape[1:])))
    new = model_config(est, Xs, latent, n_classes, fitted_output=old.output)
    changed = [
        f"{f.name} ({getattr(old, f.name)!r} -> {getattr(new, f.name)!r})"
        for f in dataclasses.fields(new)
        if getattr(old, f.name) != getattr(new, f.name)
    ]
    kept = None if est.scaler_ is None else est.scaler_.kind
    if est.scaler != "auto" and est.scaler != kept:
        changed.append(f"scaler ({kept!r} -> {est.scaler!r})")
    if changed:
        raise ValueError(
            "warm_start=True goes on training the fitted network with its scaling, but "
            f"these settings now differ from them: {', '.join(changed)}; set "
            "warm_start=False to train a new network"
        )
