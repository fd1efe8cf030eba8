"""Variational autoencoder: VAE, beta-VAE and conditional VAE in one estimator."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d

from aekit._atomic import atomic_fit
from aekit._params import is_count
from aekit._warnings import warn_user
from aekit.estimators._settings import UNIT_TOL
from aekit.estimators.autoencoder import _ATTRS_DOC, _PARAMS_DOC, AutoEncoder
from aekit.nn import losses
from aekit.training import Objective
from aekit.training.device import make_generator


def _no_missing(y: np.ndarray) -> np.ndarray:
    """``y`` unchanged; a ValueError when a label is missing (None, NaN, pd.NA)."""
    missing = pd.isna(y)
    if missing.any():
        raise ValueError(
            f"y has missing labels (None or NaN): {int(missing.sum())}, the first at row "
            f"{int(np.argmax(missing))}; a conditional VAE needs a class for every row"
        )
    return y


def _check_count(n_samples) -> None:
    """``n_samples`` must be a whole number >= 1 (not a float that would be cut)."""
    if not is_count(n_samples):
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}")


class VAE(AutoEncoder):
    __doc__ = (
        """Variational autoencoder as a scikit-learn transformer.

    ``fit(X)`` trains a VAE, ``beta > 1`` a beta-VAE, and ``fit(X, y)`` a
    conditional VAE whose encoder and decoder also see the class of each row;
    given no labels afterwards (a Pipeline's ``predict``), it transforms and
    scores each row under the class it finds most likely for that row. Its
    codes leave the class out, so as features for a classifier of ``y`` they
    are weak: in a Pipeline, which passes ``y`` to every step, set
    ``conditional=False``.
    With ``loss='mse'`` the likelihood is Gaussian with one learned scale
    (the root mean squared error), with ``loss='bce'`` it is Bernoulli; the
    training objective is the negative ELBO in nats per sample.

    Parameters
    ----------
    beta : float, default=1.0
        Weight of the KL term (beta-VAE when > 1).
    kl_warmup : float, default=0.0
        Epochs over which the KL weight grows linearly from 0 to ``beta``.
    conditional : {'auto', True, False}, default='auto'
        Whether ``fit(X, y)`` trains a conditional VAE. 'auto': when ``y`` is
        given, with a warning that says so (a Pipeline gives ``y`` to every
        step); True: ``y`` is required; False: ``y`` is ignored."""
        + _PARAMS_DOC
        + _ATTRS_DOC
        + """    classes_ : ndarray
        Class labels of a conditional VAE (empty otherwise).
    """
    )

    _variational = True

    def __init__(
        self,
        *,
        beta: float = 1.0,
        kl_warmup: float = 0.0,
        conditional="auto",
        architecture: str = "auto",
        hidden="auto",
        latent_dim=None,
        activation: str = "relu",
        output: str = "auto",
        loss: str = "mse",
        noise: float = 0.0,
        noise_type: str = "gaussian",
        sparsity: float = 0.0,
        contractive: float = 0.0,
        dropout: float = 0.0,
        batch_norm: bool = False,
        weight_decay: float = 0.0,
        epochs: int = 100,
        batch_size: int | str = "auto",
        lr: float = 1e-3,
        optimizer: str = "adam",
        patience: int | None = 10,
        validation_fraction: float = 0.1,
        scaler: str | None = "auto",
        augmentation: dict | None = None,
        kernel_size: int = 3,
        downsample: str = "stride",
        grad_clip: float | None = None,
        device: str = "auto",
        precision: str = "float32",
        random_state=None,
        verbose: int = 0,
        warm_start: bool = False,
    ) -> None:
        super().__init__(
            architecture=architecture, hidden=hidden, latent_dim=latent_dim,
            activation=activation, output=output, loss=loss, noise=noise,
            noise_type=noise_type, sparsity=sparsity, contractive=contractive,
            dropout=dropout, batch_norm=batch_norm, weight_decay=weight_decay,
            epochs=epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
            patience=patience, validation_fraction=validation_fraction, scaler=scaler,
            augmentation=augmentation, kernel_size=kernel_size, downsample=downsample,
            grad_clip=grad_clip, device=device, precision=precision,
            random_state=random_state,
            verbose=verbose, warm_start=warm_start,
        )  # fmt: skip
        self.beta = beta
        self.kl_warmup = kl_warmup
        self.conditional = conditional

    # ------------------------------------------------------------------ labels
    @property
    def conditional_(self) -> bool:
        """Whether the fitted model is conditional (trained with ``y``)."""
        return bool(len(getattr(self, "classes_", ())))

    def _labels(self, y, n: int) -> torch.Tensor | None:
        if not self.conditional_:
            return None
        if y is None:
            raise ValueError("this VAE was fitted with y (conditional): pass the class labels y")
        # One label (not in a list) is every sample's; a list must have one per sample.
        y = np.repeat(np.asarray(y), n) if np.ndim(y) == 0 else np.asarray(y)
        y = _no_missing(column_or_1d(y))
        if len(y) != n:
            hint = "; pass the label itself, not in a list, for all of them" if len(y) == 1 else ""
            raise ValueError(f"y has {len(y)} label{'s' * (len(y) != 1)} for {n} samples{hint}")
        try:
            unknown = np.setdiff1d(y, self.classes_)
        except TypeError as err:  # e.g. text labels against numeric classes
            raise ValueError(
                f"y holds labels of another kind than the fitted classes "
                f"{self.classes_.tolist()[:10]}"
            ) from err
        if len(unknown):
            raise ValueError(  # tolist(): plain values, not np.int64(7), in the message
                f"y has labels not seen in fit: {unknown.tolist()}; "
                f"known: {self.classes_.tolist()}"
            )
        return torch.from_numpy(np.searchsorted(self.classes_, y)).long()

    def _conditional_setting(self) -> bool | str:
        """``conditional`` checked: True, False or 'auto'."""
        cond = self.conditional
        if isinstance(cond, (bool, np.bool_)):
            return bool(cond)
        if isinstance(cond, str) and cond == "auto":
            return cond
        raise ValueError(f"conditional must be 'auto', True or False, got {cond!r}")

    def _uses_labels(self, y) -> bool:
        """Whether ``fit(X, y)`` trains a conditional VAE on ``y``."""
        return y is not None and self._conditional_setting() is not False

    @atomic_fit
    def fit(self, X, y=None):
        """Train the VAE; with ``y`` (class labels), a conditional VAE.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,), optional
            Class labels to condition on.

        Returns
        -------
        self
        """
        cond = self._conditional_setting()
        if cond is False:
            y = None
        warm = self._continues()
        known = np.asarray(getattr(self, "classes_", ()))
        if warm and len(known) and cond is False:
            # Named apart: y was dropped above, so "pass y again" would be no help.
            raise ValueError(
                "warm_start continues the trained network, which was fitted with labels; "
                "conditional=False cannot train it without them: set conditional back to "
                "True or 'auto' and pass y, or set warm_start=False to fit a new VAE"
            )
        if warm and (y is None) != (len(known) == 0):
            # Checked before anything changes: the trained network has (or lacks)
            # a label input, which a further fit cannot add or take away.
            raise ValueError(
                "warm_start continues the trained network, which was fitted "
                + ("with labels: pass y again" if len(known) else "without labels: fit a new VAE")
            )
        if cond is True and y is None:
            raise ValueError("conditional=True: pass the class labels y to fit")
        if y is not None and cond == "auto" and not warm:
            warn_user(
                "VAE.fit got y, so it trains a conditional VAE, whose codes leave the class "
                "out. In a Pipeline, which passes y to every step, set conditional=False to "
                "train on X alone; set conditional=True to silence this warning."
            )
        if y is None:
            self.classes_ = np.array([])
            return self._fit(X)
        y = _no_missing(column_or_1d(y, warn=True))
        check_consistent_length(X, y)
        if warm:
            new = np.setdiff1d(np.unique(y), known)
            if len(new):
                raise ValueError(
                    f"warm_start: labels not seen in the first fit: {new.tolist()[:10]}; "
                    f"the network knows {known.tolist()[:10]}"
                )
            enc = LabelEncoder()
            enc.classes_ = known
        else:
            enc = LabelEncoder().fit(y)
            k = len(enc.classes_)
            if k > 20 and k > len(y) // 2:
                warn_user(
                    f"y has {k} different labels for {len(y)} rows: a conditional VAE makes "
                    "each one a class, and transforms unlabelled rows with one pass per class. "
                    "A continuous target (a Pipeline passes it on as y) is not a class label: "
                    "fit the VAE without y"
                )
        self.classes_ = enc.classes_
        return self._fit(X, enc.transform(y), len(self.classes_))

    def _fitted_loss(self) -> str:
        """The reconstruction loss the network was trained with, 'mse' or 'bce'.

        Read from the network (a Gaussian likelihood learns its scale), not
        from ``loss``: like every other setting, a changed ``loss`` takes
        effect at the next fit, and until then the trained network is scored
        with the likelihood it learned.
        """
        return "mse" if self.module_.config.learn_scale else "bce"

    def _likelihood(self) -> Objective:
        """The reconstruction term alone: scoring needs no training settings.

        Built from the fitted loss only, so a loaded model scores even if a
        training setting saved with it (an augmentation) is refused by this
        version.
        """
        return Objective(loss=self._fitted_loss())

    # -------------------------------------------------- labels left unsaid
    @torch.inference_mode()
    def _likely_classes(self, X, validated: bool = False) -> np.ndarray:
        """Each row's most likely class: the highest ELBO (at the posterior mean).

        A uniform prior over ``classes_`` is assumed. This lets a conditional
        VAE transform and score rows without labels, as in a Pipeline's
        ``predict``, and keeps ``fit_transform(X, y)`` equal to
        ``fit(X, y).transform(X)``. ``validated``: ``X`` has been through
        ``_validate`` already (checking it again would lose its column names).
        """
        if not validated:
            X = self._validate(X, reset=False)
        m, objective, x_t = self.module_, self._likelihood(), self._tensor(X)

        def elbo(x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
            mu, logvar = m.encode(x, c)
            nll = objective.reconstruction(m, m.decode(mu, c), x, "none")
            return -(nll + losses.kl_normal(mu, logvar, "none"))  # (B,)

        scores = np.stack(
            [self._map(elbo, x_t, torch.full((len(X),), k)) for k in range(len(self.classes_))],
            axis=1,
        )  # (n, n_classes)
        return self.classes_[scores.argmax(axis=1)]

    def _given_or_likely(self, X, y, validated: bool = False):
        if y is None and self.conditional_:
            return self._likely_classes(X, validated)
        return y

    def transform(self, X, y=None) -> np.ndarray:
        """Encode ``X`` to the posterior means.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,), optional
            Class labels of a conditional VAE; when left out, each row is
            encoded under the class the model finds most likely for it.

        Returns
        -------
        ndarray of shape (n_samples, latent_dim)
        """
        return super().transform(X, self._given_or_likely(X, y))

    def _reconstruct_valid(self, X: np.ndarray, y=None) -> np.ndarray:
        # reconstruct, reconstruction_error and score_samples all come here
        return super()._reconstruct_valid(X, self._given_or_likely(X, y, validated=True))

    # ---------------------------------------------------------------- sampling
    def _check_conditional(self, y) -> None:
        """Refuse labels for a VAE fitted without them (they would be ignored)."""
        if y is not None and not self.conditional_:
            raise ValueError(
                "this VAE was fitted without labels, so it cannot condition on y; "
                "fit it with y for a conditional VAE"
            )

    def sample(self, n_samples: int = 1, y=None, random_state=None) -> np.ndarray:
        """Draw new data: decode codes drawn from the prior N(0, I).

        Parameters
        ----------
        n_samples : int
        y : label or array-like of shape (n_samples,), optional
            Class(es) to generate, for a conditional VAE.
        random_state : int, RandomState or None
            Seed of the draw.

        Returns
        -------
        ndarray of shape (n_samples, ...)
            Decoder means in the input's units and per-sample shape.
        """
        check_is_fitted(self, "module_")
        _check_count(n_samples)
        self._check_conditional(y)
        seed = int(check_random_state(random_state).randint(2**31 - 1))
        gen = make_generator(seed, torch.device("cpu"))
        z = torch.randn(int(n_samples), self.latent_dim_, generator=gen)
        return self.inverse_transform(z.double().numpy(), y)

    @torch.inference_mode()
    def log_likelihood(self, X, y=None, n_samples: int = 500) -> np.ndarray:
        """Importance-sampled log-likelihood ``log p(x)`` (IWAE bound), nats per sample.

        ``log p(x) ~ logsumexp_k [log p(x|z_k) + log p(z_k) - log q(z_k|x)] - log K``
        with ``K = n_samples`` draws from the encoder's posterior. For the
        Gaussian likelihood the value is in the input's units (the scaler's
        Jacobian is included); for the Bernoulli likelihood it is a probability
        of binary data.

        Parameters
        ----------
        X : array-like of shape (n_rows, ...)
        y : array-like of shape (n_rows,), optional
            Labels of a conditional VAE; when left out, the marginal
            ``log sum_k p(x | k) / K`` over the fitted classes.
        n_samples : int, default=500
            Importance samples per row.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        check_is_fitted(self, "module_")
        _check_count(n_samples)
        self._check_conditional(y)
        X = self._validate(X, reset=False)
        if self._fitted_loss() == "bce":
            Xs = self._scaled(X)
            lo, hi = float(Xs.min()), float(Xs.max())
            if lo < -UNIT_TOL or hi > 1 + UNIT_TOL:
                raise ValueError(
                    "a VAE trained with loss='bce' has a Bernoulli likelihood, defined for data "
                    f"in [0, 1]; X goes from {lo:.4g} to {hi:.4g} once scaled as in fit"
                )
        if self.conditional_ and y is None:
            # log p(x) = log sum_k p(x | k) p(k), with a uniform p(k)
            per_class = [self._log_likelihood(X, np.full(len(X), k), n_samples)
                         for k in self.classes_]
            return np.logaddexp.reduce(per_class, axis=0) - math.log(len(self.classes_))
        return self._log_likelihood(X, y, n_samples)

    @torch.inference_mode()
    def _log_likelihood(self, X: np.ndarray, y, n_samples: int) -> np.ndarray:
        """:meth:`log_likelihood` of validated ``X`` ``(n, ...)`` under labels ``y`` or none."""
        m, k = self.module_, int(n_samples)
        m.eval()
        dev = next(m.parameters()).device
        x_t, c_t = self._tensor(X), self._labels(y, len(X))
        d = int(np.prod(x_t.shape[1:]))
        objective = self._likelihood()
        gen = make_generator(self._seed() or 0, dev)
        rows = max(1, (1 << 22) // (k * d))  # bound the (K, rows, d) decoder output
        out = []
        for s in range(0, len(x_t), rows):
            xb = x_t[s : s + rows].to(dev)
            cb = None if c_t is None else c_t[s : s + rows].to(dev)
            mu, logvar = m.encode(xb, cb)
            eps = torch.randn((k, *mu.shape), generator=gen, device=dev)
            z = mu + eps * torch.exp(0.5 * logvar)  # (K, B, L)
            zf = z.reshape(-1, z.shape[-1])
            cf = None if cb is None else cb.repeat(k)
            xk = xb.unsqueeze(0).expand(k, *xb.shape).reshape(-1, *xb.shape[1:])
            log_px = -objective.reconstruction(m, m.decode(zf, cf), xk, "none").view(k, -1)
            log_pz = -0.5 * (z.square() + math.log(2 * math.pi)).sum(-1)
            log_qz = -0.5 * (eps.square() + logvar + math.log(2 * math.pi)).sum(-1)
            w = log_px + log_pz - log_qz  # (K, B)
            out.append((torch.logsumexp(w, 0) - math.log(k)).double().cpu())
        ll = torch.cat(out).numpy()
        if self.scaler_ is not None and self._fitted_loss() == "mse":
            ll = ll + self.scaler_.log_det_jacobian(d)
        return ll
