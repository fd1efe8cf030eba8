"""The whitelist of estimator classes a model file may name.

A model file stores a class *name*; loading looks the name up here and never
imports a module or attribute the file spells out, so a crafted file cannot
make aekit import or run arbitrary code.
"""

from __future__ import annotations

import importlib

#: aekit's own estimators: name -> (module, class). Modules are imported only
#: when a file names them, so ``aekit.io`` stays light.
BUILTIN = {
    "AutoEncoder": ("aekit.estimators.autoencoder", "AutoEncoder"),
    "VAE": ("aekit.estimators.vae", "VAE"),
    "AnomalyDetector": ("aekit.anomaly.detector", "AnomalyDetector"),
    "TimeSeriesDetector": ("aekit.anomaly.timeseries", "TimeSeriesDetector"),
}

_registered: dict[str, type] = {}


class UnknownEstimatorError(ValueError):
    """A model file names an estimator class that is not on the whitelist."""


def register_estimator(cls: type, name: str | None = None) -> type:
    """Allow model files to hold estimators of class ``cls`` (usable as a decorator).

    Parameters
    ----------
    cls : type
        A scikit-learn estimator class; its instances must be restorable from
        ``cls(**params)`` plus, if it has fitted state that aekit does not
        know, the ``_state_to_save`` / ``_state_from_saved`` hooks (see
        :mod:`aekit.io`).
    name : str, optional
        Name written to files; defaults to ``cls.__name__``.

    Returns
    -------
    type
        ``cls`` itself.

    Raises
    ------
    ValueError
        If the name is already taken by another class.
    """
    name = name or cls.__name__
    if name in BUILTIN and _builtin_matches(cls, name):
        return cls
    if name in BUILTIN or _registered.get(name, cls) is not cls:
        raise ValueError(f"estimator name {name!r} is already registered for another class")
    _registered[name] = cls
    return cls


def _builtin_matches(cls: type, name: str) -> bool:
    module, attr = BUILTIN[name]
    return cls.__module__ == module and cls.__qualname__ == attr


def name_of(cls: type) -> str:
    """Name under which instances of ``cls`` are saved.

    Raises
    ------
    TypeError
        If ``cls`` is neither an aekit estimator nor registered.
    """
    if cls.__name__ in BUILTIN and _builtin_matches(cls, cls.__name__):
        return cls.__name__
    for name, known in _registered.items():
        if known is cls:
            return name
    raise TypeError(
        f"{cls.__module__}.{cls.__qualname__} is not an aekit estimator; register it with "
        "aekit.io.register_estimator before saving it to a model file"
    )


def resolve(name: str) -> type:
    """The class a model file names, from the whitelist only.

    Raises
    ------
    UnknownEstimatorError
        If ``name`` is not whitelisted, or its aekit module cannot be imported.
    """
    if not isinstance(name, str):
        raise UnknownEstimatorError(f"estimator class must be a name, got {name!r}")
    if name in _registered:
        return _registered[name]
    if name not in BUILTIN:
        known = sorted({*BUILTIN, *_registered})
        raise UnknownEstimatorError(
            f"the file holds an estimator of class {name!r}, which is not a known aekit "
            f"estimator (known: {known}); a class of your own must be registered with "
            "aekit.io.register_estimator before loading"
        )
    module, attr = BUILTIN[name]
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as e:
        raise UnknownEstimatorError(
            f"the file holds a {name}, but this aekit install cannot import {module}: {e}"
        ) from None
