"""Default model settings for anomaly detection, chosen from the training data's size alone.

The same rule serves every data set (no per-set tuning): the rule looks only
at the number of training rows ``n`` and encoded columns ``d``.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import clone

from aekit.estimators.autoencoder import AutoEncoder
from aekit.estimators.base import BaseAutoEncoder
from aekit.estimators.vae import VAE

#: Gradient steps aimed at per member; epochs follow from ``n`` and the batch size.
TARGET_STEPS = 400
#: Bounds on the epochs the step target may give.
MIN_EPOCHS, MAX_EPOCHS = 20, 300
#: How table ensemble members differ (cycled when there are more than three):
#: code size relative to the first member's, an extra scaling of the input
#: (None keeps the detector's robust scaling; 'standard' re-standardises it,
#: changing which columns the training loss weighs most) and dropout. Members
#: that differ make errors that are less correlated than seeds alone give,
#: which is what averaging needs.
MEMBERS = (
    dict(latent=1.0, scaler=None, dropout=0.0),
    dict(latent=0.5, scaler="standard", dropout=0.0),
    dict(latent=2.0, scaler=None, dropout=0.2),
)
#: Gradient steps aimed at for a series model (neighbouring windows overlap heavily).
SERIES_STEPS = 600


def _pow2(x: float) -> int:
    return int(2 ** round(math.log2(max(x, 1.0))))


def auto_settings(n: int, d: int, kind: str) -> dict:
    """Settings of one ensemble member from the data's size.

    Tables: one hidden layer of the power of two at or above ``2 d`` (32 to
    128 units), a code of ``ceil(d / 2)`` (at most 32), Gaussian input noise
    of 0.2 (a denoising autoencoder: it learns the normal rows' structure
    rather than the identity), batches of about ``n / 8`` rows (16 to 1024:
    large batches cost little more per step than small ones on a CPU),
    learning rate 3e-3, and epochs giving about :data:`TARGET_STEPS` steps
    (20 to 300 epochs; early stopping on a 10% validation split ends many
    runs sooner). Images: the AutoEncoder's own conv defaults, batches of
    about ``n / 16`` (16 to 128).

    Parameters
    ----------
    n : int
        Training rows.
    d : int
        Encoded columns (tables) or values per image.
    kind : {'table', 'image'}

    Returns
    -------
    dict
        Keyword arguments for :class:`aekit.AutoEncoder` / :class:`aekit.VAE`.
    """
    if kind == "image":
        batch = int(np.clip(_pow2(n / 16), 16, 128))
        epochs = int(np.clip(math.ceil(4 * TARGET_STEPS * batch / n), 10, 100))
        return dict(epochs=epochs, batch_size=batch, patience=8)
    width = int(min(128, max(32, 2 ** math.ceil(math.log2(max(2 * d, 2))))))
    batch = int(np.clip(_pow2(n / 8), 16, 1024))
    epochs = int(np.clip(math.ceil(TARGET_STEPS * batch / n), MIN_EPOCHS, MAX_EPOCHS))
    return dict(
        hidden=(width,),
        latent_dim=int(max(1, min(32, math.ceil(d / 2)))),
        epochs=epochs,
        batch_size=batch,
        lr=3e-3,
        noise=0.2,
        patience=10,
        scaler=None,
        output="linear",
    )


def member_estimators(det, Z: np.ndarray, seed: int) -> list[BaseAutoEncoder]:
    """Unfitted ensemble members for an :class:`~aekit.anomaly.detector.AnomalyDetector`.

    Parameters
    ----------
    det : AnomalyDetector
        Its ``base``, ``n_estimators``, ``hidden``, ``latent_dim``, ``epochs``,
        ``device`` and ``verbose`` are read.
    Z : ndarray of shape (n, ...)
        The members' training input (encoded table or images).
    seed : int
        Seed of the first member; member ``k`` uses ``seed + k``.

    Returns
    -------
    list of AutoEncoder or VAE
    """
    kind = det.input_kind_
    k = det.n_estimators or (3 if kind == "table" else 1)
    if isinstance(det.base, BaseAutoEncoder):
        # Where to run and what to show are the detector's to say, when it says them.
        run = {n: getattr(det, n) for n, unset in (("device", "auto"), ("verbose", 0))
               if getattr(det, n) != unset}  # fmt: skip
        return [clone(det.base).set_params(random_state=seed + i, **run) for i in range(k)]
    n, d = len(Z), int(np.prod(Z.shape[1:]))
    params = auto_settings(n, d, kind)
    if det.hidden is not None:
        params["hidden"] = tuple(det.hidden)
    if det.epochs is not None:
        params["epochs"] = int(det.epochs)
    latent = det.latent_dim if det.latent_dim is not None else params.get("latent_dim")
    cls = VAE if det.base == "vae" else AutoEncoder
    members = []
    for i in range(k):
        p = dict(params, device=det.device, verbose=det.verbose, random_state=seed + i)
        if kind == "table":
            m = MEMBERS[i % len(MEMBERS)]
            p.update(scaler=m["scaler"], dropout=m["dropout"])
            p["latent_dim"] = int(max(1, min(d, round(latent * m["latent"]))))
        elif latent is not None:
            p["latent_dim"] = int(latent)
        members.append(cls(**p))
    return members


def series_estimator(det, W: np.ndarray, seed: int) -> AutoEncoder:
    """The unfitted conv1d autoencoder of a :class:`~aekit.anomaly.timeseries.TimeSeriesDetector`.

    Parameters
    ----------
    det : TimeSeriesDetector
        Its ``hidden``, ``latent_dim``, ``epochs``, ``device`` and ``verbose`` are read.
    W : ndarray of shape (n_windows, channels, window)
        Training windows.
    seed : int

    Returns
    -------
    AutoEncoder
    """
    n, c, L = W.shape
    hidden = det.hidden
    if hidden is None:
        # Halve the window until about 8 steps are left, at most 4 stages.
        stages = int(np.clip(round(math.log2(max(L / 8, 1))), 1, 4))
        hidden = tuple(min(8 * 2**i, 32) for i in range(stages))
    # A tight code (an eighth of the window) reconstructs the normal shape but not
    # a deviation from it; a quarter let more of an event through and lowered
    # the event F1 on NAB's realKnownCause (benchmarks/anomaly_timeseries.py, with
    # the event F1 of the time, which counted every flagged run inside an event).
    latent = det.latent_dim if det.latent_dim is not None else int(np.clip(L // 8, 2, 16))
    batch = int(np.clip(_pow2(n / 64), 32, 256))
    epochs = det.epochs or int(np.clip(math.ceil(SERIES_STEPS * batch / n), 10, 100))
    return AutoEncoder(
        architecture="conv1d",
        hidden=tuple(hidden),
        latent_dim=latent,
        output="linear",
        scaler=None,
        epochs=epochs,
        batch_size=batch,
        patience=10,
        device=det.device,
        verbose=det.verbose,
        random_state=seed,
    )
