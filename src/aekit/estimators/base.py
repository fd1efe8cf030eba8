"""The scikit-learn estimator shared by every autoencoder in aekit.

Subclasses only set the model-specific parameters and, for the VAE, the
extra methods; fitting, transforming, scaling and scoring live here.
"""

from __future__ import annotations

import copy
import logging
import numbers
from collections.abc import Callable

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from aekit._atomic import atomic_fit
from aekit._params import SEED_LIMIT, check_flag
from aekit.estimators._data import (
    Scaling,
    check_float32_range,
    choose_scaling,
    resolve_architecture,
    to_tensor,
    warn_channels_last,
)
from aekit.estimators._settings import (
    check_warm_settings,
    config_latent,
    default_batch_size,
    model_config,
)
from aekit.nn.model import AutoEncoderModule
from aekit.training import Objective, TrainConfig, resolve_device, seeded, train

logger = logging.getLogger(__name__)

#: Rows per forward pass at inference: large enough to keep the BLAS busy,
#: small enough to bound memory when scoring millions of rows.
INFERENCE_BATCH = 16384
class BaseAutoEncoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shared fit / transform / inverse_transform / scoring for autoencoders.

    See :class:`aekit.AutoEncoder` for the parameters.
    """

    _variational = False

    # ----------------------------------------------------------------- settings
    def _seed(self) -> int | None:
        rs = self.random_state
        if rs is None:
            return None
        # The range scikit-learn's check_random_state accepts: torch would take a
        # negative seed modulo 2**64 (-1 trains as 2**64 - 1) and refuse one from
        # 2**64 with a message that names no parameter.
        if isinstance(rs, numbers.Integral):
            if 0 <= rs < SEED_LIMIT:
                return int(rs)
        else:
            try:
                return int(check_random_state(rs).randint(2**31 - 1))
            except ValueError:
                pass  # said below, naming random_state
        raise ValueError(
            "random_state must be None, an integer from 0 to 2**32 - 1 or a "
            f"numpy RandomState, got {rs!r}"
        )

    def _objective(self) -> Objective:
        return Objective(
            loss=self.loss,
            noise=self.noise,
            noise_type=self.noise_type,
            sparsity=self.sparsity,
            contractive=self.contractive,
            beta=getattr(self, "beta", 1.0),
            kl_warmup=getattr(self, "kl_warmup", 0.0),
            augmentation=self.augmentation,
        )

    def _train_config(self, n_samples: int, seed: int | None) -> TrainConfig:
        batch = self.batch_size
        if isinstance(batch, str) and batch != "auto":
            raise ValueError(f"batch_size must be 'auto' or an int >= 1, got {batch!r}")
        if batch == 1 and self.batch_norm:
            raise ValueError("batch_norm needs batches of at least 2 rows; batch_size is 1")
        return TrainConfig(
            epochs=self.epochs,
            batch_size=default_batch_size(n_samples) if batch == "auto" else batch,
            lr=self.lr,
            optimizer=self.optimizer,
            weight_decay=self.weight_decay,
            validation_fraction=self.validation_fraction,
            patience=self.patience,
            grad_clip=self.grad_clip,
            seed=seed,
            device=self.device,
            precision=self.precision,
            verbose=self.verbose,
        )

    # ---------------------------------------------------------------- data flow
    def _validate(self, X, reset: bool) -> np.ndarray:
        shape = getattr(X, "shape", None)
        if not reset and len(self.input_shape_) > 1 and shape is not None:
            # Before validate_data, whose count of "features" (the size of axis 1)
            # would misdescribe a wrong image or window shape.
            self._check_sample_shape(tuple(shape[1:]))
        X = validate_data(
            self,
            X,
            reset=reset,
            allow_nd=True,
            ensure_min_samples=2 if reset else 1,
            dtype=[np.float64, np.float32],
        )
        if not reset:
            self._check_sample_shape(X.shape[1:])
        return X

    def _check_sample_shape(self, shape: tuple[int, ...]) -> None:
        if shape != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {shape}, but {type(self).__name__} was "
                f"fitted on samples of shape {self.input_shape_}"
            )

    def _scaled(self, X: np.ndarray) -> np.ndarray:
        return X if self.scaler_ is None else self.scaler_.transform(X)

    def _unscaled(self, X: np.ndarray) -> np.ndarray:
        return X if self.scaler_ is None else self.scaler_.inverse_transform(X)

    def _tensor(self, X: np.ndarray) -> torch.Tensor:
        return to_tensor(self._scaled(X), self.module_.config.input_shape)

    def _labels(self, y, n: int) -> torch.Tensor | None:
        """Class indices for a conditional model; None for an unconditional one."""
        return None

    def _uses_labels(self, y) -> bool:
        """Whether ``fit(X, y)`` trains on ``y``: a plain autoencoder ignores it."""
        return False

    @torch.inference_mode()
    def _map(
        self,
        fn: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor],
        X_t: torch.Tensor,
        c_t: torch.Tensor | None = None,
    ) -> np.ndarray:
        """Apply ``fn(x, c)`` to ``X_t`` in chunks on the model's device; float64 numpy out."""
        self.module_.eval()
        dev = next(self.module_.parameters()).device
        step, out = INFERENCE_BATCH, []
        for s in range(0, len(X_t), step):
            cb = None if c_t is None else c_t[s : s + step].to(dev)
            out.append(fn(X_t[s : s + step].to(dev), cb).cpu())
        return torch.cat(out).double().numpy()

    def _out_dtype(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        return Y.astype(X.dtype, copy=False)

    # --------------------------------------------------------------------- fit
    def _continues(self) -> bool:
        """Whether ``fit`` goes on training the fitted network (``warm_start``)."""
        return check_flag("warm_start", self.warm_start) and hasattr(self, "module_")

    def _fit(self, X, c: np.ndarray | None = None, n_classes: int = 0):
        warm = self._continues()
        X = self._validate(X, reset=not warm)
        if not warm:
            warn_channels_last(X.shape)
            self.input_shape_ = X.shape[1:]
            arch = resolve_architecture(self.architecture, X)
            table = X.ndim == 2 and arch == "dense"
            self.scaler_: Scaling | None = choose_scaling(
                self.scaler, X, table, channels=arch == "conv1d"
            )
            if self.scaler_ is not None:
                self.scaler_.fit(X)
        Xs = self._scaled(X)
        if warm:
            check_warm_settings(self, Xs, n_classes)
        device = resolve_device(self.device)
        objective = self._objective()
        c_t = None if c is None else torch.as_tensor(c, dtype=torch.long)
        # Drawn once: a RandomState random_state gives a new integer on every call.
        seed = self._seed()
        with seeded(seed, device):
            latent = self.latent_dim
            if not warm and latent != "auto" and hasattr(self, "latent_curve_"):
                del self.latent_curve_  # from an earlier fit with latent_dim='auto'
            if not warm and latent == "auto":
                from aekit.estimators.latent_search import search_latent_dim

                self.module_, result, self.latent_curve_ = search_latent_dim(
                    self, Xs, c_t, n_classes, seed
                )
            else:
                if not warm:
                    latent = config_latent(latent, int(np.prod(X.shape[1:])))
                    self.module_ = self._new_module(Xs, latent, n_classes)
                result = self._train(
                    self.module_, Xs, c_t, objective, self._train_config(len(Xs), seed)
                )
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.n_epochs_ = result.n_epochs
        self.latent_dim_ = self.module_.latent_dim
        self._n_features_out = self.latent_dim_
        return self

    def _new_module(self, Xs: np.ndarray, latent, n_classes: int) -> AutoEncoderModule:
        """A freshly initialised network for scaled data ``Xs`` ``(n, *input_shape)``."""
        module = AutoEncoderModule(model_config(self, Xs, latent, n_classes))
        # BCE is computed on the decoder's logits, whatever the output activation.
        logit = module.config.output == "sigmoid" or self.loss == "bce"
        module.init_output_bias(torch.as_tensor(Xs.mean(axis=0)), logit=logit)
        return module

    def _train(self, module, Xs, c_t, objective, config):
        x_t = to_tensor(Xs, module.config.input_shape)
        objective.augmentation.check_input(len(module.config.input_shape))
        # aekit.tune sets ``_epoch_callback`` on its trial estimators to report
        # each epoch's validation loss to Optuna and prune; it is not a parameter.
        callback = getattr(self, "_epoch_callback", None)
        return train(module, objective, x_t, c_t, config, callback=callback)

    @atomic_fit
    def fit(self, X, y=None):
        """Train the autoencoder on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n, H, W) or (n, C, H, W)
            Training data: a table, images, or series windows with
            ``architecture='conv1d'`` ((n, length) or (n, channels, length)).
        y : ignored

        Returns
        -------
        self
        """
        return self._fit(X)

    # --------------------------------------------------------------- transform
    def _encode_fn(self) -> Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]:
        m = self.module_
        return (lambda x, c: m.encode(x, c)[0]) if self._variational else m.encode

    def transform(self, X, y=None) -> np.ndarray:
        """Encode ``X`` to codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Same per-sample shape as in ``fit``.
        y : array-like of shape (n_samples,), optional
            Class labels; needed only by a conditional VAE.

        Returns
        -------
        ndarray of shape (n_samples, latent_dim)
            The codes (the posterior mean for a VAE).
        """
        check_is_fitted(self, "module_")
        X = self._validate(X, reset=False)
        c = self._labels(y, len(X))
        return self._out_dtype(X, self._map(self._encode_fn(), self._tensor(X), c))

    def inverse_transform(self, X, y=None) -> np.ndarray:
        """Decode codes back to data, in the input's shape and units.

        Parameters
        ----------
        X : array-like of shape (n_samples, latent_dim)
            Codes, for example from :meth:`transform`.
        y : array-like of shape (n_samples,), optional
            Class labels; needed only by a conditional VAE.

        Returns
        -------
        ndarray of shape (n_samples, ...)
            Reconstructions with the per-sample shape seen in ``fit``; float32
            for float32 codes (as :meth:`transform` gives for float32 data),
            float64 otherwise.
        """
        check_is_fitted(self, "module_")
        given = np.asarray(X)
        Z = given.astype(np.float64, copy=False)
        if Z.ndim != 2 or Z.shape[1] != self.latent_dim_ or len(Z) == 0:
            raise ValueError(
                f"codes must have shape (n_samples, {self.latent_dim_}) with n_samples >= 1, "
                f"got {Z.shape}"
            )
        if not np.isfinite(Z).all():
            raise ValueError("codes contain NaN or infinity")
        check_float32_range(Z, "codes")
        m = self.module_
        decode = lambda z, c: m.activate(m.decode(z, c))  # noqa: E731
        out = self._map(decode, torch.tensor(Z, dtype=torch.float32), self._labels(y, len(Z)))
        out = self._unscaled(out.reshape(len(Z), *self.input_shape_))
        return out.astype(np.float32, copy=False) if given.dtype == np.float32 else out

    def reconstruct(self, X, y=None) -> np.ndarray:
        """Encode and decode ``X``: ``(n, ...)`` in, the same shape and units out.

        ``y`` (class labels) is needed only by a conditional VAE.
        """
        check_is_fitted(self, "module_")
        X = self._validate(X, reset=False)
        return self._out_dtype(X, self._reconstruct_valid(X, y))

    def _reconstruct_valid(self, X: np.ndarray, y=None) -> np.ndarray:
        """Reconstruction (float64, input units) of an already validated array."""
        out = self._map(self.module_, self._tensor(X), self._labels(y, len(X))).reshape(X.shape)
        return self._unscaled(out)

    def reconstruction_error(self, X, y=None) -> np.ndarray:
        """Mean squared error of each sample's reconstruction, in input units.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        ndarray of shape (n_samples,)
            Mean over features of the squared difference.
        """
        check_is_fitted(self, "module_")
        X = self._validate(X, reset=False)
        err = (self._reconstruct_valid(X, y) - X) ** 2
        return err.reshape(len(X), -1).mean(axis=1)

    def score_samples(self, X, y=None) -> np.ndarray:
        """Negative reconstruction error: higher means more normal.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return -self.reconstruction_error(X, y)

    def score(self, X, y=None) -> float:
        """Mean of :meth:`score_samples` (higher is better), for model selection."""
        return float(np.mean(self.score_samples(X, y)))

    # ---------------------------------------------------------------- plumbing
    def save(self, path) -> None:
        """Save to a safe model file (JSON config + safetensors weights), see :func:`aekit.load`."""
        from aekit.io import save

        save(self, path)

    def to_onnx(self, path):
        """Export the encoder and decoder to ONNX, see :func:`aekit.export.to_onnx`.

        Returns the paths of the two files written.
        """
        from aekit.export import to_onnx

        return to_onnx(self, path)

    def __getstate__(self) -> dict:
        # A pickle of a GPU model must open on a machine without CUDA.
        state = self.__dict__.copy()
        module = state.get("module_")
        if module is not None and any(p.is_cuda for p in module.parameters()):
            state["module_"] = copy.deepcopy(module).cpu()
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = self.random_state is None
        return tags
