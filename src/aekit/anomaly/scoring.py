"""Reconstruction errors of fitted autoencoders, standardised per feature.

A raw squared error lets one column with a large or noisy scale decide every
score. Here each feature's error is divided by that feature's typical error on
held-out normal rows (its root mean square there), so a score counts how many
"typical errors" a row is off, feature by feature. This is the diagonal
Mahalanobis distance of the residuals, the usual remedy (e.g. the Gaussian
residual model of Sakurada & Yairi 2014; per-feature error normalisation in
ADBench-style studies).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from aekit.anomaly.windows import overlap_add, sliding_windows
from aekit.estimators.base import INFERENCE_BATCH, BaseAutoEncoder
from aekit.nn import losses

#: A feature's error scale is at least this share of the median feature's, so a
#: column that happens to be reconstructed perfectly on the calibration rows
#: cannot turn a rounding error into a huge score.
SCALE_FLOOR = 0.05
#: Windows scored per chunk, bounding memory on long multichannel series.
SCORE_CHUNK = 4096


@torch.inference_mode()
def squared_errors(
    est: BaseAutoEncoder, Z: np.ndarray, kl: bool = False, weights: np.ndarray | None = None
):
    """Per-feature squared reconstruction residuals of a fitted estimator.

    The residuals are taken in the estimator's scaled space (its input after
    its own scaler), where the network was trained.

    Parameters
    ----------
    est : AutoEncoder or VAE
        Fitted.
    Z : ndarray of shape (n, ...)
        Input in the estimator's input units and per-sample shape.
    kl : bool
        Also return the KL divergence of each row's posterior from the prior
        (VAE only).
    weights : ndarray of shape (n_features,), optional
        When given, return only each row's weighted mean squared error
        ``mean_j(weights_j * err_j)``, shape (n,): scoring then never holds the
        whole ``(n, n_features)`` error matrix.

    Returns
    -------
    err : ndarray of shape (n, n_features) float32, or (n,) float64 with ``weights``
        Squared residuals, flattened per sample.
    kl : ndarray of shape (n,) or None
    """
    module = est.module_
    module.eval()
    dev = next(module.parameters()).device
    x_all = est._tensor(np.asarray(Z))
    w = None if weights is None else torch.as_tensor(weights, dtype=torch.float32, device=dev)
    errs, kls = [], []
    for s in range(0, len(x_all), INFERENCE_BATCH):
        x = x_all[s : s + INFERENCE_BATCH].to(dev)
        code = module.encode(x)
        if module.config.variational:
            mu, logvar = code
            if kl:
                kls.append(losses.kl_normal(mu, logvar, "none").cpu())
            code = mu
        err = (module.activate(module.decode(code)) - x).square().flatten(1)
        errs.append((err if w is None else (err * w).mean(dim=1, dtype=torch.float64)).cpu())
    err = torch.cat(errs).numpy()
    return err, (torch.cat(kls).double().numpy() if kl and kls else None)


def overflow_as_inf(scores: np.ndarray) -> np.ndarray:
    """Scores with NaN read as +inf, shape unchanged.

    A row or step far outside the training data can overflow float32 inside
    the network or the squared error (inf, and inf - inf = NaN further on).
    Such a score is the most anomalous there is, not a missing one: as +inf
    it lies above every threshold and gets the smallest p-value.
    """
    return np.where(np.isnan(scores), np.inf, scores)


def error_scale(errors: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Typical error of each feature: root mean squared residual, floored.

    Parameters
    ----------
    errors : ndarray of shape (n, n_features)
        Squared residuals of held-out normal rows.
    groups : ndarray of int of shape (n_features,), optional
        Input column of each feature (a text column's one-hot block shares
        one). A group's features share one scale, that of their summed
        residual: scaled one by one, the column of a level seen in 1% of the
        rows has a typical error near 0, and every normal row of that level
        would score as an anomaly.

    Returns
    -------
    ndarray of shape (n_features,)
        ``sqrt(mean(errors, axis=0))`` (of each group's sum), at least
        :data:`SCALE_FLOOR` times the median feature's or group's (and
        strictly positive).
    """
    errors = np.asarray(errors, dtype=np.float64)
    if groups is not None:
        groups = np.asarray(groups)
        members = np.zeros((errors.shape[1], int(groups.max()) + 1))
        members[np.arange(errors.shape[1]), groups] = 1.0
        return error_scale(errors @ members)[groups]
    rms = np.sqrt(errors.mean(axis=0))
    floor = max(SCALE_FLOOR * float(np.median(rms)), 1e-12)
    return np.maximum(rms, floor)


def step_errors(est: BaseAutoEncoder, xs: np.ndarray, length: int) -> np.ndarray:
    """Squared error per step and channel of a series, from its windows' reconstructions.

    Every window of ``length`` steps (stride 1) is reconstructed; a step's
    error is the mean over the windows covering it. Windows go through the
    network :data:`SCORE_CHUNK` at a time, so memory stays bounded.

    Parameters
    ----------
    est : AutoEncoder
        Fitted on windows ``(n, C, length)``.
    xs : ndarray of shape (T, C)
        The series, scaled as the training windows were; ``T >= length``.
    length : int

    Returns
    -------
    ndarray of shape (T, C)
    """
    T = len(xs)
    W = sliding_windows(xs, length)  # (T - length + 1, C, length) view
    total, count = np.zeros((T, xs.shape[1])), np.zeros(T)
    for s in range(0, len(W), SCORE_CHUNK):
        chunk = np.ascontiguousarray(W[s : s + SCORE_CHUNK], dtype=np.float32)
        err = squared_errors(est, chunk)[0].reshape(chunk.shape)
        overlap_add(err, total, count, first=s)
    return total / count[:, None]


def moving_average(scores: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average of ``width`` steps, shape (T,) kept; inf stays inf.

    The average is a running sum, which one infinite score would turn into NaN
    from there to the series' end: the finite scores are averaged, then
    exactly the steps whose span holds an infinite one are marked infinite.
    """
    if width <= 1:
        return scores
    inf = np.isinf(scores)
    out = uniform_filter1d(np.where(inf, 0.0, scores), width, mode="nearest")
    if inf.any():
        out[maximum_filter1d(inf, width, mode="nearest")] = np.inf
    return out
