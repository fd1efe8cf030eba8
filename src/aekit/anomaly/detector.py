"""AnomalyDetector: autoencoder reconstruction error as an anomaly score, with thresholds.

``fit`` trains on normal data (a table, possibly with text columns, or
images), keeping a random part of it out of training to calibrate: the error
scale of every feature, the threshold and the conformal p-values all come
from rows the network never saw.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from aekit._atomic import atomic_fit
from aekit.anomaly.pixels import UNIT_MAX, check_pixel_scale, unit_pixels, warn_unit_masks
from aekit.anomaly.scoring import error_scale, overflow_as_inf, squared_errors
from aekit.anomaly.settings import member_estimators
from aekit.anomaly.tabular import TABLE_SCALERS, TableEncoder, check_columns
from aekit.anomaly.thresholds import (
    check_calibration_params,
    check_contamination,
    check_threshold,
    conformal_p_values,
    make_threshold,
)
from aekit.estimators._data import check_float32_range, warn_channels_last
from aekit.estimators.base import BaseAutoEncoder

BASES = ("autoencoder", "vae")
#: Settings of the members the detector picks itself, and their unset values.
MEMBER_SETTINGS = {"hidden": None, "latent_dim": None, "epochs": None}
#: Fewest training rows: a calibration part and a training part must both be usable.
MIN_ROWS = 10


class AnomalyDetector(BaseEstimator):
    """Autoencoder anomaly detector for tables (mixed types) and images.

    Trained on normal rows only (semi-supervised). A row's anomaly score is its
    reconstruction error with each feature's squared error divided by that
    feature's mean squared error on held-out normal rows (a text column's
    one-hot block counts as one feature), averaged over
    features and over a small ensemble of denoising autoencoders that differ
    in seed, code size, input scaling and dropout (see
    :mod:`aekit.anomaly.settings`). With ``base='vae'`` the score is the
    negative ELBO with those per-feature Gaussian scales, up to a constant:
    ``sum_j e_j / 2 + KL`` (``e_j`` the standardised squared errors, the
    decoder read at the posterior mean).

    Parameters
    ----------
    base : {'autoencoder', 'vae'} or AutoEncoder/VAE instance, default='autoencoder'
        The model to build on. An (unfitted) instance is a template: its
        settings are used unchanged for every ensemble member (only
        ``random_state`` differs), instead of the data-driven defaults.
    contamination : float, default=0.1
        Expected share of anomalies, in (0, 0.5]. With
        ``threshold='contamination'`` this share of held-out normal rows
        scores above ``threshold_``; with ``threshold='conformal'`` it is the
        significance level: rows with ``p_value <= contamination`` are flagged,
        which bounds the false-positive rate on normal data by it.
    threshold : {'contamination', 'conformal'} or float, default='contamination'
        How ``threshold_`` is set; a number fixes it on the
        :meth:`decision_function` scale.
    n_estimators : int or None, default=None
        Autoencoders averaged. None: 3 for tables, 1 for images.
    hidden : tuple of int or None, default=None
        Hidden sizes (dense) or channels (conv) of every member; None picks
        them from the data (see :func:`aekit.anomaly.settings.auto_settings`).
    latent_dim : int or None, default=None
        Code size of the first member (the others vary around it); None picks it.
    epochs : int or None, default=None
        Maximum epochs (early stopping on a validation split still applies);
        None picks them from the number of rows.
    scaler : {'robust', 'standard'} or None, default='robust'
        Scaling of numeric table columns. Images: ``uint8`` ones are divided
        by 255, so that arrays of 0-255 pixels and the [0, 1] values of aekit's
        image-folder reader mean the same (``uint8`` 0/1 masks become 0 and
        1/255, with a warning: pass masks as ``bool`` or float); other images
        are used as given, except that a model member min-max scales values
        outside [0, 1].
    standardize : bool or 'auto', default='auto'
        Divide each feature's error by its held-out typical error. 'auto':
        on for tables, off for images (a pixel that is always black would
        otherwise turn noise into anomalies). A text column's one-hot
        columns share the scale of their summed error.
    calibration_fraction : float, default=0.2
        Share of the normal rows held out of training for the error scales,
        the threshold and the p-values, in (0, 0.5].
    device : str, default='auto'
        Torch device of the members ('auto': CUDA when present).
    random_state : int, RandomState or None, default=None
        Seed of the calibration split and of the members.
    verbose : int, default=0
        Passed to the members (1: progress bars).

    Attributes
    ----------
    estimators_ : list of AutoEncoder or VAE
        The fitted members.
    estimator_ : AutoEncoder or VAE
        The first member.
    encoder_ : TableEncoder or None
        Column encoding of tables (None for images).
    error_scales_ : list of ndarray of shape (n_encoded,)
        Per-feature error scale of each member.
    calibration_scores_ : ndarray of shape (n_calibration,)
        Anomaly scores of the held-out normal rows.
    threshold_ : float
        Scores above it are anomalies.
    input_kind_ : {'table', 'image'}
    standardize_ : bool
        Whether errors are standardised per feature.
    image_shape_ : tuple of int
        Per-image shape (images only).
    unit_pixels_ : bool
        Whether ``uint8`` images are divided by 255 on the way in (images only;
        False in model files from before this was done). At scoring this
        holds only while the training pixels lie in [0, 1]: a detector fitted
        on 0-255 floats reads ``uint8`` as the same 0-255 values.
    pixel_range_ : (float, float) or None
        Smallest and largest training pixel value after that; images scored
        on another scale (0-255 against [0, 1], or a largest value about 255
        times or a 255th of the training images') get a warning.
    n_features_in_ : int
        Columns of a table (for images, scikit-learn's convention: ``X.shape[1]``).
    feature_names_in_ : ndarray of str
        Column names when fitted on a DataFrame.

    Notes
    -----
    Rare is anomalous to a reconstruction: a category seen in about 1% of the
    training rows is reconstructed poorly, and most of its normal rows score
    above the threshold. Where such levels are normal, merge them before
    fitting (for example into one "rare" level).

    Examples
    --------
    >>> import numpy as np, aekit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3)) @ rng.normal(size=(3, 10))
    >>> det = aekit.AnomalyDetector(contamination=0.05, random_state=0).fit(X)
    >>> det.predict(X[:3] + 5.0).tolist()
    [1, 1, 1]
    """

    def __init__(
        self,
        *,
        base="autoencoder",
        contamination: float = 0.1,
        threshold="contamination",
        n_estimators: int | None = None,
        hidden=None,
        latent_dim: int | None = None,
        epochs: int | None = None,
        scaler: str | None = "robust",
        standardize="auto",
        calibration_fraction: float = 0.2,
        device: str = "auto",
        random_state=None,
        verbose: int = 0,
    ) -> None:
        self.base = base
        self.contamination = contamination
        self.threshold = threshold
        self.n_estimators = n_estimators
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.scaler = scaler
        self.standardize = standardize
        self.calibration_fraction = calibration_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # --------------------------------------------------------------- checking
    def _check_params(self) -> None:
        check_contamination(self.contamination)
        check_threshold(self.threshold)
        if not (isinstance(self.base, BaseAutoEncoder) or self.base in BASES):
            raise ValueError(
                f"base must be one of {BASES} or an AutoEncoder/VAE instance, got {self.base!r}"
            )
        if isinstance(self.base, BaseAutoEncoder):
            # The instance's settings are used unchanged: these would be ignored.
            given = {k: getattr(self, k) for k, unset in MEMBER_SETTINGS.items()
                     if getattr(self, k) != unset}  # fmt: skip
            if given:
                listed = ", ".join(f"{k}={v!r}" for k, v in given.items())
                raise ValueError(f"base is an instance, whose settings are used as they are: "
                                 f"set {listed} on it instead")  # fmt: skip
        if self.scaler not in TABLE_SCALERS:
            raise ValueError(f"scaler must be one of {TABLE_SCALERS}, got {self.scaler!r}")
        if self.standardize not in ("auto", True, False):
            raise ValueError(f"standardize must be 'auto', True or False, got {self.standardize!r}")
        check_calibration_params(self, ("n_estimators", "epochs", "latent_dim"))

    @property
    def _variational(self) -> bool:
        # From the fitted members, so set_params(base=...) after fit cannot desync scoring.
        return self.estimators_[0]._variational

    def _input(self, X, reset: bool) -> np.ndarray:
        """Validate ``X`` and turn it into the members' input (encoded table or images)."""
        # scikit-learn's checks first (sparse, complex, empty, 1-D, feature count and
        # names); text columns pass through as objects for the table encoder.
        # A frame with a category column must be read as objects: left to infer
        # (dtype=None), scikit-learn casts a category + bool frame to float and fails.
        mixed = isinstance(X, pd.DataFrame) and any(
            not (is_numeric_dtype(t) or is_bool_dtype(t)) for t in X.dtypes
        )
        if isinstance(X, pd.DataFrame):
            # Before scikit-learn, which fails on dates with numpy's words and,
            # reading objects, passes complex numbers.
            check_columns(X, fitting=reset)
        if not reset and self.input_kind_ == "image":
            shape = tuple(self.image_shape_)
            if np.shape(X) == shape:
                raise ValueError(
                    f"X is one image of shape {shape}; the detector takes a batch "
                    f"(n, {', '.join(map(str, shape))}): pass X[None]"
                )
            if np.shape(X)[1:] != shape:  # before scikit-learn's "X has 9 features"
                raise ValueError(f"images have shape {np.shape(X)[1:]}, but the detector was "
                                 f"fitted on {shape}")  # fmt: skip
        arr = validate_data(
            self,
            X,
            reset=reset,
            dtype=object if mixed else None,
            allow_nd=True,
            ensure_all_finite=False,
            ensure_min_samples=MIN_ROWS if reset else 1,
        )
        if reset:
            if arr.ndim in (3, 4) and arr.dtype.kind in "fiub":
                self.input_kind_ = "image"
            elif arr.ndim == 2:
                self.input_kind_ = "table"
            else:
                raise ValueError(
                    "X must be a table (n_samples, n_features) array or DataFrame, or images "
                    f"(n, H, W) / (n, C, H, W) of numbers; got shape {arr.shape}, "
                    f"dtype {arr.dtype}"
                )
        if self.input_kind_ == "table":
            table = X if isinstance(X, pd.DataFrame) else arr
            if reset:
                for attr in ("image_shape_", "unit_pixels_", "pixel_range_"):
                    self.__dict__.pop(attr, None)  # from an earlier fit on images
                self.encoder_ = TableEncoder(self.scaler).fit(table)
            return self.encoder_.transform(table)
        if arr.dtype.kind not in "fiub":
            raise ValueError(f"images must be numeric, got dtype {arr.dtype}")
        if reset:
            self.encoder_ = None
            self.image_shape_ = arr.shape[1:]
        if not np.isfinite(arr).all():
            raise ValueError("images contain NaN or infinity")
        check_float32_range(arr, "images")
        if reset:
            warn_channels_last(arr.shape)
            warn_unit_masks(arr)
            self.unit_pixels_, self.pixel_range_ = True, None
        fitted = self.pixel_range_
        divide = self.unit_pixels_ and (fitted is None or fitted[1] <= UNIT_MAX)
        images = unit_pixels(arr) if divide else arr.astype(np.float32, copy=False)
        if reset:
            self.pixel_range_ = (float(images.min()), float(images.max()))
        else:
            check_pixel_scale(fitted, images)
        return images

    # -------------------------------------------------------------------- fit
    @atomic_fit
    def fit(self, X, y=None):
        """Train on normal data and calibrate scores and threshold on a held-out part.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features), or images
            (n_samples, H, W) / (n_samples, C, H, W)
            Normal rows. DataFrame text and category columns are one-hot
            encoded, boolean ones read as 0 and 1; numeric columns must be
            finite.
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        Z = self._input(X, reset=True)
        n = len(Z)
        rng = check_random_state(self.random_state)
        perm = rng.permutation(n)
        n_cal = max(1, int(round(self.calibration_fraction * n)))
        cal, tr = np.sort(perm[:n_cal]), np.sort(perm[n_cal:])
        seed = int(rng.randint(2**31 - 1))
        members = member_estimators(self, Z[tr], seed)
        self.estimators_ = []
        with warnings.catch_warnings():
            # Said once above, with the caller's shape rather than the training split's.
            warnings.filterwarnings("ignore", message=".*looks like channels-last")
            for est in members:
                self.estimators_.append(est.fit(Z[tr]))
        self.estimator_ = self.estimators_[0]
        std = self.standardize
        self.standardize_ = self.input_kind_ == "table" if std == "auto" else bool(std)
        self.error_scales_ = []
        for est in self.estimators_:
            err, _ = squared_errors(est, Z[cal])
            groups = self.encoder_.groups_ if self.encoder_ is not None else None
            scale = error_scale(err, groups) if self.standardize_ else np.ones(err.shape[1])
            self.error_scales_.append(scale)
        self.calibration_scores_ = self._score(Z[cal])
        self.threshold_ = self._make_threshold(self.calibration_scores_)
        return self

    def _make_threshold(self, cal_scores: np.ndarray) -> float:
        return make_threshold(check_threshold(self.threshold), cal_scores, self.contamination)

    # ---------------------------------------------------------------- scoring
    def _errors(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean over members of standardised squared errors ``(n, n_encoded)``, and KL ``(n,)``."""
        total = np.zeros((len(Z), int(np.prod(Z.shape[1:]))), dtype=np.float64)
        kl_total = np.zeros(len(Z))
        for est, scale in zip(self.estimators_, self.error_scales_):
            err, kl = squared_errors(est, Z, kl=self._variational)
            total += err / np.square(scale, dtype=np.float64)
            if kl is not None:
                kl_total += kl
        k = len(self.estimators_)
        return total / k, kl_total / k

    def _score(self, Z: np.ndarray) -> np.ndarray:
        if self._variational:
            err, kl = self._errors(Z)
            return overflow_as_inf(0.5 * err.sum(axis=1) + kl)
        total = np.zeros(len(Z))
        for est, scale in zip(self.estimators_, self.error_scales_):
            total += squared_errors(est, Z, weights=1.0 / np.square(scale))[0]
        return overflow_as_inf(total / len(self.estimators_))

    def decision_function(self, X) -> np.ndarray:
        """Anomaly score of each row: higher means more anomalous (PyOD's convention).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features), or images

        Returns
        -------
        ndarray of shape (n_samples,)
            Mean standardised squared reconstruction error (a VAE base: the
            negative ELBO with per-feature scales, up to a constant).
        """
        check_is_fitted(self, "estimators_")
        return self._score(self._input(X, reset=False))

    def score_samples(self, X) -> np.ndarray:
        """Normality of each row: ``-decision_function(X)`` (higher = more normal).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return -self.decision_function(X)

    def predict(self, X) -> np.ndarray:
        """Label each row: 1 = anomaly (score above ``threshold_``), 0 = normal.

        Returns
        -------
        ndarray of shape (n_samples,) of int
        """
        return (self.decision_function(X) > self.threshold_).astype(np.int64)

    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit on ``X`` then label it; see :meth:`predict`."""
        return self.fit(X).predict(X)

    def p_values(self, X) -> np.ndarray:
        """Conformal p-values against the held-out normal rows (small = anomalous).

        For a normal row exchangeable with the calibration rows,
        ``P(p <= a) <= a`` for every level ``a``.

        Returns
        -------
        ndarray of shape (n_samples,)
            In ``[1 / (n_calibration + 1), 1]``.
        """
        check_is_fitted(self, "calibration_scores_")
        return conformal_p_values(self.calibration_scores_, self.decision_function(X))

    def predict_proba(self, X) -> np.ndarray:
        """``[p, 1 - p]`` per row with ``p`` the conformal p-value.

        The second column is the confidence that a row is anomalous: the share
        of held-out normal rows it out-scores. It is not a calibrated posterior
        probability of being an anomaly (that needs the base rate).

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Columns: normal, anomaly.
        """
        p = self.p_values(X)
        return np.column_stack([p, 1.0 - p])

    def explain(self, X):
        """Where each row's error lies: per column (tables) or per pixel (images).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features), or images

        Returns
        -------
        ndarray or DataFrame
            Tables: ``(n_samples, n_features)`` standardised squared error per
            input column (one-hot columns summed back to their text column), a
            DataFrame with the input's columns and index when ``X`` is one.
            Images: ``(n_samples, H, W)`` or ``(n_samples, C, H, W)`` squared
            error per pixel (in the scaled units). For the autoencoder base a
            row's columns add up to ``decision_function * n_encoded_columns``.
        """
        check_is_fitted(self, "estimators_")
        err, _ = self._errors(self._input(X, reset=False))
        if self.input_kind_ == "image":
            return err.reshape(len(err), *self.image_shape_)
        per = self.encoder_.per_column(err)
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(per, index=X.index, columns=self.encoder_.labels(X))
        return per

    # ------------------------------------------------------------ model files
    def save(self, path) -> None:
        """Save to a safe model file (JSON + safetensors, no pickle); see :func:`aekit.load`."""
        from aekit.io import save

        save(self, path)

    def _state_to_save(self) -> tuple[dict, dict[str, np.ndarray]]:
        from aekit.anomaly.saved import detector_state

        return detector_state(self)

    def _state_from_saved(self, state: dict, arrays: dict[str, np.ndarray]) -> None:
        from aekit.anomaly.saved import restore_detector

        restore_detector(self, state, arrays)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.string = True
        tags.non_deterministic = self.random_state is None
        return tags
