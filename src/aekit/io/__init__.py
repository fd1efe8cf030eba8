"""Safe model files: ``aekit.io.save(estimator, path)`` and ``aekit.load(path)``.

The file
--------
One zip archive (``.aekit`` by convention; any name is accepted) with three
members:

``config.json``
    The estimator: its class name (from a whitelist, see
    :func:`register_estimator`), ``get_params()``, and for an autoencoder the
    network's :class:`~aekit.nn.model.ModelConfig`, the fitted attributes
    (``input_shape_``, ``n_features_in_``, ``feature_names_in_``,
    ``latent_dim_``, ``history_``, ``best_epoch_``, ``n_epochs_``, ``classes_``,
    ``latent_curve_``) and the scaler's kind; plus whatever the estimator's
    hook adds (below).
``weights.safetensors``
    Every array: the network's ``state_dict`` under ``module.``, the scaler's
    statistics under ``scaler.``, hook arrays under ``arrays.`` and ``state.``.
``metadata.json``
    ``format`` (``"aekit-model"``), ``format_version`` (an integer, see
    :data:`FORMAT_VERSION`), ``aekit_version``, ``torch_version``, ``created``
    (UTC), ``estimator``, ``device`` (where the weights were), and the SHA-256
    and size of the two other members.

Loading uses only ``json`` and ``safetensors``: no pickle, no ``torch.load``,
no import of a name read from the file. Weights load on the CPU and then move
to the device the estimator's ``device`` parameter names; a model saved with
``device='cuda'`` loads on the CPU, with a logged warning, where CUDA is absent.
A truncated, corrupted or incomplete file raises :class:`ModelFileError` (a
ValueError); a file of a newer format raises :class:`UnsupportedFormatError`.

Saving your estimator's own state (the hook)
--------------------------------------------
Autoencoder estimators are saved completely without help. Any other fitted
state (an anomaly detector's ``threshold_``, an inner fitted estimator...)
is saved by two methods of the estimator class::

    def _state_to_save(self) -> tuple[dict, dict[str, np.ndarray]]:
        # JSON-able state and named numeric arrays.
        state = {"threshold_": self.threshold_, "estimator_": self.estimator_}
        return state, {"train_scores_": self.train_scores_}

    def _state_from_saved(self, state: dict, arrays: dict[str, np.ndarray]) -> None:
        # Called on a fresh ``cls(**params)``, after aekit restored the
        # autoencoder part (if any).
        self.threshold_ = state["threshold_"]
        self.estimator_ = state["estimator_"]  # already rebuilt and fitted
        self.train_scores_ = arrays["train_scores_"]

``state`` may hold None, bool, int, float (NaN too), str, tuples, lists, dicts
(any hashable plain keys), numpy arrays (numeric ones go to the safetensors
member) and estimators, fitted or not, which are saved whole and given back
rebuilt (an object met twice, such as ``estimator_ is estimators_[0]``, is
saved once and loads as one object). Every estimator class must be on the
whitelist: aekit's are, others (a helper transformer with ``get_params``
too) are added with :func:`register_estimator` and, if fitted, need the two
hooks themselves; scikit-learn's own scalers are not, so save their fitted
arrays (``center_``, ``scale_``...) instead. ``__init__`` parameters must be
such values too. An estimator with fitted state but no hook, that is not an
autoencoder, cannot be saved (TypeError). Pickle and joblib also work on
every estimator, but only for files you trust.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from aekit.io.archive import FORMAT_VERSION, ModelFileError, UnsupportedFormatError
from aekit.io.registry import register_estimator

__all__ = [
    "FORMAT_VERSION",
    "ModelFileError",
    "UnsupportedFormatError",
    "load",
    "register_estimator",
    "save",
]

logger = logging.getLogger(__name__)


def save(estimator: Any, path: str | os.PathLike) -> Path:
    """Save a fitted estimator to a safe model file.

    Parameters
    ----------
    estimator : aekit estimator
        Fitted :class:`~aekit.AutoEncoder`, :class:`~aekit.VAE`, anomaly
        detector, or a registered class.
    path : str or path-like
        Destination file; ``.aekit`` is the conventional extension. An
        existing file is replaced atomically and keeps its permissions; when
        ``path`` is a symbolic link, the file it leads to is replaced and the
        link stays.

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    TypeError
        If the estimator's class is not whitelisted, or a parameter or state
        value cannot be stored.
    ValueError
        If two arrays of the state to save would get the same name in the
        file: keys such as ``1`` and ``"1"``, or ``"a.b"`` and ``"a"``
        holding ``"b"``, are written alike.
    """
    from sklearn.utils.validation import check_is_fitted

    from aekit.io import archive, state

    check_is_fitted(
        estimator,
        msg=f"This {type(estimator).__name__} is not fitted yet: call fit before saving it.",
    )
    doc, arrays = state.pack(estimator)
    tensors = {k: _as_tensor(v) for k, v in arrays.items()}
    info = {"estimator": doc["class"], "device": _device_of(estimator)}
    out = archive.write(path, doc, tensors, info)
    logger.info("saved %s to %s", doc["class"], out)
    return out


def load(path: str | os.PathLike) -> Any:
    """Load an estimator saved by :func:`save` (``aekit.load``).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    estimator
        Fitted, ready to use; identical outputs to the saved one.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    OSError
        If the file cannot be read, such as a PermissionError.
    ModelFileError
        If the file is not an aekit model file, is truncated, corrupted or
        inconsistent, or names an estimator class not on the whitelist.
    UnsupportedFormatError
        If the file was written in a newer format: upgrade aekit.
    """
    from aekit.io import archive, state

    meta, config, tensors = archive.read(path)
    try:
        est = state.unpack(config, tensors)
    except ModelFileError:
        raise
    except ValueError as e:
        # DecodeError, StateError, UnknownEstimatorError, or a config value the
        # network's own validation refuses.
        raise ModelFileError(f"{path}: {e}") from None
    except (KeyError, TypeError, AttributeError, IndexError, RecursionError) as e:
        raise ModelFileError(
            f"{path}: config.json is inconsistent ({type(e).__name__}: {e})"
        ) from None
    logger.info(
        "loaded %s (aekit %s) from %s", meta.get("estimator"), meta.get("aekit_version"), path
    )
    return est


def _as_tensor(a):
    import numpy as np
    import torch

    if isinstance(a, torch.Tensor):
        return a
    return torch.from_numpy(np.ascontiguousarray(a))


def _device_of(estimator) -> str | None:
    module = getattr(estimator, "module_", None)
    if module is None:
        return None
    return str(next(module.parameters()).device)
