"""``latent_dim='auto'``: the smallest code that reconstructs about as well as the best."""

from __future__ import annotations

import logging

import numpy as np
import torch

logger = logging.getLogger(__name__)

#: Code sizes tried, capped at the number of input features.
CANDIDATES = (2, 4, 8, 16, 32, 64)
#: A size is good enough when its validation error is at most this much
#: (relative) above the best size's.
TOLERANCE = 0.05


def search_latent_dim(
    est, Xs: np.ndarray, c_t: torch.Tensor | None, n_classes: int, seed: int | None
):
    """Train one model per candidate code size and keep the smallest good one.

    Parameters
    ----------
    est : BaseAutoEncoder
        The estimator being fitted; its settings are used for every candidate.
    Xs : ndarray of shape (n_samples, ...)
        Scaled training data.
    c_t : torch.Tensor or None
        ``(n_samples,)`` class labels of a conditional model.
    n_classes : int
    seed : int or None
        Seed of every candidate's training.

    Returns
    -------
    module : AutoEncoderModule
        The chosen, trained network.
    result : TrainResult
        Its training result.
    curve : dict of int to float
        Validation reconstruction error per code size tried.
    """
    n_features = int(np.prod(Xs.shape[1:]))
    sizes = [k for k in CANDIDATES if k <= n_features] or [n_features]
    config = est._train_config(len(Xs), seed)
    if config.validation_fraction == 0:
        raise ValueError(
            "latent_dim='auto' compares code sizes on held-out rows; it needs "
            "validation_fraction > 0 (0.1 is the default)"
        )
    objective = est._objective()
    curve, fitted = {}, {}
    for k in sizes:
        module = est._new_module(Xs, k, n_classes)
        result = est._train(module, Xs, c_t, objective, config)
        recon = result.history.get("val_recon", result.history["recon"])
        # The kept weights' error: the best epoch's with early stopping, else the last's.
        curve[k] = float(recon[result.best_epoch - 1])
        fitted[k] = (module, result)
        logger.info("latent_dim=%d: validation reconstruction %.5g", k, curve[k])
    best = min(curve.values())
    limit = best + TOLERANCE * abs(best)
    chosen = min(k for k, v in curve.items() if v <= limit)
    return (*fitted[chosen], curve)
