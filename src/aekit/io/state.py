"""An estimator <-> (JSON-ready dict, named arrays): what a model file holds.

:func:`pack` gives ``config.json``'s content and the arrays that go to
``weights.safetensors``; :func:`unpack` rebuilds the estimator from them.
Autoencoder estimators (:class:`~aekit.estimators.base.BaseAutoEncoder`) are
handled here: the network's :class:`~aekit.nn.model.ModelConfig` and weights,
the fitted attributes and the scaler. Any estimator adds its own state through
the ``_state_to_save`` / ``_state_from_saved`` hooks described in
:mod:`aekit.io`.
"""

from __future__ import annotations

import dataclasses
import logging
import numbers
from typing import Any

import numpy as np
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from aekit._params import is_count
from aekit.io import codec, registry
from aekit.io.codec import TAG
from aekit.nn.augment import Augmentation

logger = logging.getLogger(__name__)

#: Fitted attributes of an autoencoder estimator; the optional ones are saved
#: when present.
REQUIRED = (
    "input_shape_",
    "n_features_in_",
    "latent_dim_",
    "history_",
    "best_epoch_",
    "n_epochs_",
)
#: ``window_columns_``: the series columns an autoencoder on windows was fitted on
#: (set by ``aekit fit``; scikit-learn's ``feature_names_in_`` would make it warn
#: on every array of windows).
OPTIONAL = ("feature_names_in_", "classes_", "latent_curve_", "window_columns_")

#: Fitted attributes of each kind of scikit-learn scaler inside ``Scaling``.
SCALER_ATTRS = {
    "standard": ("mean_", "var_", "scale_", "n_samples_seen_", "n_features_in_"),
    "minmax": (
        "min_",
        "scale_",
        "data_min_",
        "data_max_",
        "data_range_",
        "n_samples_seen_",
        "n_features_in_",
    ),
}

#: Plain fitted attributes any scikit-learn estimator may have.
GENERIC = ("n_features_in_", "feature_names_in_")


class StateError(ValueError):
    """The saved state does not fit the estimator it names."""


def is_fitted(est) -> bool:
    """Whether scikit-learn considers ``est`` fitted."""
    try:
        check_is_fitted(est)
    except NotFittedError:
        return False
    return True


def _is_autoencoder(est) -> bool:
    from aekit.estimators.base import BaseAutoEncoder

    return isinstance(est, BaseAutoEncoder)


# --------------------------------------------------------------------- saving
def pack(est, prefix: str = "", memo: dict | None = None) -> tuple[dict, dict[str, Any]]:
    """Describe an estimator as JSON-ready data plus named arrays.

    Parameters
    ----------
    est : estimator
        An aekit (or registered) estimator, fitted or not; an unfitted one
        keeps only its parameters.
    prefix : str
        Prepended to every array name, so nested estimators do not collide.
    memo : dict, optional
        Estimators already saved in this file, by ``id``: a second reference to
        one (``estimator_ is estimators_[0]``) is saved as a reference, and
        loads as the same object.

    Returns
    -------
    doc : dict
        ``{"__aekit__": "estimator", "class", "params", "fitted", ...}``.
    arrays : dict of str to ndarray or torch.Tensor
        Weights and numeric state, by name.

    Raises
    ------
    TypeError
        If the class is not whitelisted, a parameter or state value cannot be
        stored, or the estimator has fitted state aekit cannot save.
    ValueError
        If two arrays of the state would get the same name in the file.
    """
    doc = {TAG: "estimator", "class": registry.name_of(type(est))}
    doc["params"] = codec.encode(_storable_params(est), "params", None, _pack_params_only)
    output = getattr(est, "_sklearn_output_config", {}).get("transform")
    if output is not None:  # set_output(transform='pandas') is part of how it behaves
        doc["output"] = str(output)
    arrays: dict[str, Any] = {}
    memo = {} if memo is None else memo
    memo[id(est)] = (est, prefix)  # the object is kept so its id stays unique
    if not is_fitted(est):
        doc["fitted"] = None
        return doc, arrays
    hook = getattr(est, "_state_to_save", None)
    if _is_autoencoder(est):
        _pack_autoencoder(est, doc, arrays, prefix)
    elif hook is None:
        raise TypeError(
            f"{type(est).__name__} has fitted state that aekit does not know how to save: "
            "define _state_to_save and _state_from_saved (see aekit.io)"
        )
    else:
        doc["fitted"] = {k: codec.encode(getattr(est, k), k) for k in GENERIC if hasattr(est, k)}
    if hook is not None:
        state, named = hook()
        for name, a in named.items():
            codec.put_array(arrays, f"{prefix}arrays.{name}", _numeric(a, name))
        doc["extra"] = codec.encode(
            state, f"{prefix}state", arrays, lambda e, w: _pack_nested(e, w, arrays, memo)
        )
        doc["extra_arrays"] = sorted(named)
    return doc, arrays


def _storable_params(est) -> dict:
    params = est.get_params(deep=False)
    for k, v in params.items():
        if isinstance(v, (np.random.RandomState, np.random.Generator)):
            logger.warning(
                "%s is a %s, which a model file cannot hold; it is saved as None (the "
                "fitted weights are unaffected)",
                k,
                type(v).__name__,
            )
            params[k] = None
        elif isinstance(v, torch.device):
            params[k] = str(v)
        elif isinstance(v, Augmentation):
            params[k] = dataclasses.asdict(v)  # what Augmentation.from_param reads back
    return params


def _pack_params_only(est, where: str) -> dict:
    doc = {TAG: "estimator", "class": registry.name_of(type(est))}
    doc["params"] = codec.encode(_storable_params(est), where, None, _pack_params_only)
    doc["fitted"] = None
    return doc


def _pack_nested(est, where: str, arrays: dict, memo: dict) -> dict:
    if id(est) in memo:
        return {TAG: "ref", "prefix": memo[id(est)][1]}
    doc, inner = pack(est, prefix=where + ".", memo=memo)
    doc["prefix"] = where + "."
    for name, a in inner.items():
        codec.put_array(arrays, name, a)
    return doc


def _numeric(a, name: str) -> np.ndarray:
    a = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"array {name!r} has dtype {a.dtype}; only numeric arrays can be saved")
    return a


def _pack_autoencoder(est, doc: dict, arrays: dict, prefix: str) -> None:
    doc["model"] = codec.encode(est.module_.config.to_dict(), "model")
    fitted = {k: getattr(est, k) for k in (*REQUIRED, *OPTIONAL) if hasattr(est, k)}
    doc["fitted"] = codec.encode(fitted, "fitted")
    for name, t in est.module_.state_dict().items():
        codec.put_array(arrays, f"{prefix}module.{name}", t.detach().cpu())
    sc = est.scaler_
    if sc is None:
        doc["scaler"] = None
        return
    attrs = {k: getattr(sc.scaler, k) for k in SCALER_ATTRS[sc.kind]}
    doc["scaler"] = {
        "kind": sc.kind,
        "per_feature": bool(sc.per_feature),
        "per_channel": bool(sc.per_channel),
        "attributes": codec.encode(attrs, f"{prefix}scaler", arrays),
    }


# -------------------------------------------------------------------- loading
def unpack(doc: dict, arrays: dict[str, Any], prefix: str = "", built: dict | None = None) -> Any:
    """Rebuild an estimator from :func:`pack`'s output.

    Parameters
    ----------
    doc : dict
        The estimator's entry of ``config.json``.
    arrays : dict of str to torch.Tensor
        Every array of the file, on the CPU.
    prefix : str
        Prefix of this estimator's arrays.
    built : dict, optional
        Estimators rebuilt so far from this file, by prefix, for references.

    Raises
    ------
    UnknownEstimatorError
        If the class is not whitelisted.
    StateError, DecodeError
        If the saved state does not fit the class.
    """
    cls = registry.resolve(doc.get("class"))
    built = {} if built is None else built
    nested = _unpacker(arrays, built)
    params = codec.decode(doc["params"], None, _unpacker(arrays, {}))
    try:
        est = cls(**params)
    except TypeError as e:
        raise StateError(
            f"the saved parameters do not fit this aekit's {cls.__name__}: {e}"
        ) from None
    built[prefix] = est
    if "output" in doc:
        if not (hasattr(est, "set_output") and doc["output"] in ("default", "pandas", "polars")):
            raise StateError(f"{cls.__name__} cannot give its output as {doc['output']!r}")
        est.set_output(transform=doc["output"])
    if doc.get("fitted") is None:
        return est
    if _is_autoencoder(est):
        _unpack_autoencoder(est, doc, arrays, prefix)
    else:
        for k, v in codec.decode(doc["fitted"]).items():
            if k not in GENERIC:
                raise StateError(f"unexpected fitted attribute {k!r} for {cls.__name__}")
            setattr(est, k, v)
    if "extra" in doc:
        if not hasattr(est, "_state_from_saved"):
            raise StateError(f"{cls.__name__} cannot restore the extra state saved with it")
        named = {}
        for name in doc["extra_arrays"]:
            key = f"{prefix}arrays.{name}"
            if key not in arrays:
                raise StateError(f"the weights file has no array {key!r}")
            named[name] = arrays[key].numpy()
        est._state_from_saved(codec.decode(doc["extra"], _NumpyView(arrays), nested), named)
    return est


def _unpacker(arrays: dict, built: dict):
    def nested(doc: dict) -> Any:
        if doc[TAG] == "ref":
            if doc.get("prefix") not in built:
                raise StateError(f"reference to an estimator not saved before it: {doc}")
            return built[doc["prefix"]]
        # A nested estimator's arrays sit under the path its entry was saved at.
        return unpack(doc, arrays, doc.get("prefix", ""), built)

    return nested


class _NumpyView(dict):
    """Arrays by name as numpy, converted on access."""

    def __init__(self, arrays: dict) -> None:
        super().__init__(arrays)

    def __getitem__(self, key: str) -> np.ndarray:
        return super().__getitem__(key).numpy()


def _unpack_autoencoder(est, doc: dict, arrays: dict, prefix: str) -> None:
    from aekit.estimators._data import Scaling
    from aekit.nn.model import AutoEncoderModule, ModelConfig

    fitted = codec.decode(doc["fitted"])
    missing = [k for k in REQUIRED if k not in fitted]
    unknown = sorted(set(fitted) - {*REQUIRED, *OPTIONAL})
    if missing or unknown:
        raise StateError(f"fitted state has missing {missing} / unexpected {unknown} attributes")
    try:
        # On the meta device nothing is allocated: a config asking for huge layers
        # costs nothing until the weights, which are checked against it, arrive.
        with torch.device("meta"):
            module = AutoEncoderModule(ModelConfig.from_dict(codec.decode(doc["model"])))
    except TypeError as e:
        raise StateError(
            f"the saved model config does not fit this aekit: {_first_line(e)}"
        ) from None
    except (RuntimeError, OverflowError) as e:
        # Sizes too large for torch to describe even on the meta device.
        raise StateError(
            f"the saved model config asks for layers too large to build: {_first_line(e)}"
        ) from None
    head = f"{prefix}module."
    weights = {k[len(head) :]: v for k, v in arrays.items() if k.startswith(head)}
    # assign=True takes the tensors as they are: cast them to the network's dtypes,
    # as copying into its own parameters did (float64 weights would not run).
    expected = module.state_dict()
    weights = {k: v.to(expected[k].dtype) if k in expected else v for k, v in weights.items()}
    try:
        module.load_state_dict(weights, strict=True, assign=True)
    except RuntimeError as e:
        raise StateError(f"the weights do not match the saved model config: {e}") from None
    module.to(_device(est)).eval()
    for k, v in fitted.items():
        setattr(est, k, v)
    est.input_shape_ = tuple(est.input_shape_)
    _check_fitted_against(est, module)
    est.module_ = module
    est._n_features_out = est.latent_dim_
    est.scaler_ = None
    sc = doc.get("scaler")
    if sc is not None:
        if sc.get("kind") not in SCALER_ATTRS:
            raise StateError(f"unknown scaler kind {sc.get('kind')!r}")
        attrs = codec.decode(sc["attributes"], _NumpyView(arrays))
        if set(attrs) != set(SCALER_ATTRS[sc["kind"]]):
            raise StateError(f"scaler attributes {sorted(attrs)} are not the expected ones")
        # Files written before per-channel scaling scaled windows globally.
        per_channel = bool(sc.get("per_channel", False))
        est.scaler_ = Scaling(sc["kind"], bool(sc["per_feature"]), per_channel)
        for k, v in attrs.items():
            setattr(est.scaler_.scaler, k, v)
        _check_scaler(est.scaler_, est.input_shape_)


def _first_line(e: Exception) -> str:
    """An exception's message without the C++ backtrace some torch errors carry."""
    lines = str(e).splitlines()
    return lines[0] if lines else ""


def _check_fitted_against(est, module) -> None:
    """Refuse fitted attributes that contradict the network they were saved with."""
    cfg = module.config
    problems = []
    if cfg.variational != bool(getattr(est, "_variational", False)):
        problems.append(f"a {'VAE' if cfg.variational else 'plain autoencoder'} network "
                        f"saved as {type(est).__name__}")  # fmt: skip
    if est.latent_dim_ != module.latent_dim:
        problems.append(f"latent_dim_ {est.latent_dim_} for a code of {module.latent_dim}")
    shape = est.input_shape_
    if not all(is_count(s) for s in shape):
        problems.append(f"input_shape_ {shape}, whose sizes must be integers >= 1")
    elif not shape or int(np.prod(shape)) != int(np.prod(cfg.input_shape)):
        problems.append(f"input_shape_ {shape} for a network reading {cfg.input_shape}")
    elif est.n_features_in_ != shape[0]:
        problems.append(f"n_features_in_ {est.n_features_in_} for samples of shape {shape}")
    names = getattr(est, "feature_names_in_", None)
    if names is not None and len(names) != est.n_features_in_:
        problems.append(f"{len(names)} feature names for {est.n_features_in_} features")
    n_classes = len(getattr(est, "classes_", ()))
    if n_classes != cfg.n_classes:
        problems.append(f"{n_classes} classes for a network of {cfg.n_classes}")
    if problems:
        raise StateError("the saved state does not match its network: " + "; ".join(problems))
    _check_training_record(est)


def _check_training_record(est) -> None:
    """Refuse ``n_epochs_``, ``best_epoch_`` or ``history_`` of the wrong kind.

    Nothing reads them while loading, so an edited value would otherwise only
    fail later, in whatever code (a report, a plot) expects a count or a curve.
    """
    problems = []
    n, best, hist = est.n_epochs_, est.best_epoch_, est.history_
    if not is_count(n):
        problems.append(f"n_epochs_ {n!r} is not an integer >= 1")
    elif not is_count(best) or best > n:
        problems.append(f"best_epoch_ {best!r} is not an integer from 1 to n_epochs_ ({n})")
    if not isinstance(hist, dict) or not all(
        isinstance(k, str)
        and isinstance(v, list)
        and all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in v)
        for k, v in hist.items()
    ):
        problems.append(f"history_ is not a dict of lists of numbers: {_short(hist)}")
    if problems:
        raise StateError("the saved training record is invalid: " + "; ".join(problems))


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_scaler(scaling, shape: tuple[int, ...]) -> None:
    """Refuse scaler arrays of another length than the features they scale."""
    want = int(np.prod(scaling.param_shape(shape)))
    for name in ("scale_", "min_", "mean_"):
        values = getattr(scaling.scaler, name, None)
        if values is not None and np.shape(values) != (want,):
            raise StateError(
                f"the scaler's {name} has shape {np.shape(values)}, expected ({want},)"
            )
        if values is not None and not np.isfinite(values).all():
            raise StateError(f"the scaler's {name} holds NaN or infinity")


def fitted_members(members: Any, what: str) -> list:
    """A detector's saved members, refused unless a non-empty list of fitted autoencoders.

    Raises
    ------
    StateError
    """
    from aekit.estimators.base import BaseAutoEncoder

    if not isinstance(members, list) or not members:
        raise StateError(f"{what} has no networks saved with it")
    for m in members:
        if not isinstance(m, BaseAutoEncoder) or not hasattr(m, "module_"):
            raise StateError(f"{what}'s saved networks include {type(m).__name__}, not a "
                             "fitted autoencoder")  # fmt: skip
    return members


def _device(est) -> torch.device:
    """The estimator's ``device`` setting, or the CPU when that device is absent here."""
    from aekit.training.device import resolve_device

    try:
        return resolve_device(est.device)
    except ValueError as e:
        logger.warning("%s; the model is loaded on the CPU instead", e)
        return torch.device("cpu")
