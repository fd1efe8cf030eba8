"""Plain descriptions of a fitted estimator, a model file and a data set (for ``aekit info``).

Nothing here draws or imports matplotlib; values are plain Python types so
they print as text or serialise to JSON.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

KINDS = {
    "AutoEncoder": "autoencoder (dimensionality reduction, features, reconstruction)",
    "VAE": "variational autoencoder (generation, reduction)",
    "AnomalyDetector": "anomaly detector (tables, images)",
    "TimeSeriesDetector": "anomaly detector for time series",
}


def takes_windows(model: Any) -> bool:
    """Whether the model takes series windows ``(n, channels, length)``.

    A conv1d autoencoder fitted on such windows; one fitted on table rows
    ``(n, features)`` reads each row as one channel and takes tables.
    """
    cfg = getattr(getattr(model, "module_", None), "config", None)
    shape = getattr(model, "input_shape_", ())
    return getattr(cfg, "architecture", None) == "conv1d" and len(shape) == 2


def autoencoders_of(est: Any) -> list[Any]:
    """The fitted autoencoders inside an estimator: itself, or a detector's members."""
    if hasattr(est, "module_") and hasattr(est, "history_"):
        return [est]
    found: list[Any] = []
    for name in ("estimators_", "estimator_", "autoencoder_", "model_"):
        v = getattr(est, name, None)
        for m in v if isinstance(v, (list, tuple)) else [v]:
            if m is not None and not any(m is f for f in found):
                found.extend(autoencoders_of(m))
    return found


def _plain(v: Any) -> Any:
    """numpy scalars, arrays and tuples -> JSON-able Python values."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return repr(v)


def changed_params(est: Any) -> dict[str, Any]:
    """Parameters that differ from the class defaults (what the user chose)."""
    params = est.get_params(deep=False)
    try:
        defaults = type(est)().get_params(deep=False)
    except TypeError:
        defaults = {}
    out = {}
    for k, v in params.items():
        if k == "verbose":  # how chatty fitting was says nothing about the model
            continue
        d = defaults.get(k, object())
        same = v is d or (type(v) is type(d) and not hasattr(v, "get_params") and v == d)
        if not same:
            out[k] = _plain(v) if not hasattr(v, "get_params") else type(v).__name__
    return out


def describe_autoencoder(ae: Any) -> dict[str, Any]:
    """Architecture and training record of one fitted AutoEncoder/VAE."""
    cfg = ae.module_.config
    hist = ae.history_
    out: dict[str, Any] = {
        "class": type(ae).__name__,
        "architecture": cfg.architecture,
        "input shape": list(cfg.input_shape),
        "hidden": list(cfg.hidden),
        "latent dim": int(ae.latent_dim_),
        "output": cfg.output,
        "weights": int(sum(p.numel() for p in ae.module_.parameters())),
        "epochs run": int(ae.n_epochs_),
        "best epoch": int(ae.best_epoch_),
        "scaling": None if ae.scaler_ is None else ae.scaler_.kind,
    }
    for key in ("loss", "val_loss"):
        if hist.get(key):
            out[f"{key} at best epoch"] = float(hist[key][ae.best_epoch_ - 1])
    if getattr(ae, "classes_", None) is not None and len(ae.classes_):
        out["conditional on classes"] = _plain(ae.classes_)
    return out


def input_schema(est: Any) -> dict[str, Any]:
    """What a model expects as input: column names, or the per-sample shape."""
    names = getattr(est, "feature_names_in_", None)
    out: dict[str, Any] = {"n_features": _plain(getattr(est, "n_features_in_", None))}
    if names is not None:
        out["columns"] = [str(c) for c in names]
    for attr in ("input_shape_", "image_shape_"):
        if hasattr(est, attr):
            out["sample shape"] = _plain(getattr(est, attr))
    kind = getattr(est, "input_kind_", None)
    if kind is not None:
        out["input kind"] = kind
    if kind == "image" or len(np.atleast_1d(out.get("sample shape", ()))) > 1:
        del out["n_features"]  # scikit-learn's X.shape[1], an image's height: not helpful
    channels = getattr(est, "window_columns_", None)
    if channels:  # windows cut by the command line from these series columns
        out["series columns"] = [str(c) for c in channels]
    encoder = getattr(est, "encoder_", None)
    cats = getattr(encoder, "categorical_", None)
    if cats and names is not None:
        out["text columns"] = [str(names[i]) for i in cats]
    return out


def alarms_held(est: Any) -> bool:
    """Whether a series detector's alarms last until its score falls below the raising threshold.

    True for the 'adaptive' rule with ``n_sigmas_off_`` below ``n_sigmas_``
    (hysteresis); the threshold then dips while an alarm lasts.
    """
    off = getattr(est, "n_sigmas_off_", None)
    adaptive = getattr(est, "threshold_rule_", None) == "adaptive"
    return adaptive and off is not None and off < est.n_sigmas_


def describe(est: Any) -> dict[str, Any]:
    """What a fitted estimator is, how it was trained, and what input it takes.

    Parameters
    ----------
    est : fitted aekit estimator

    Returns
    -------
    dict
        Keys ``model``, ``kind``, ``parameters`` (those changed from the
        defaults), ``input``, ``networks`` (one entry per autoencoder inside)
        and, for detectors, ``threshold``.
    """
    name = type(est).__name__
    out: dict[str, Any] = {
        "model": name,
        "kind": KINDS.get(name, "estimator"),
        "parameters": changed_params(est),
        "input": input_schema(est),
        "networks": [describe_autoencoder(a) for a in autoencoders_of(est)],
    }
    if hasattr(est, "threshold_"):
        out["threshold"] = float(est.threshold_)
    if getattr(est, "threshold_rule_", None) == "adaptive":
        # threshold_ is then only the first step's: later ones follow the scores.
        rule = f"adaptive, {est.n_sigmas_:g} sigmas above all earlier scores"
        if alarms_held(est):
            rule += f"; an alarm lasts until the score falls to {est.n_sigmas_off_:g} sigmas"
        out["threshold rule"] = rule
    elif hasattr(est, "threshold_rule_"):
        out["threshold rule"] = est.threshold_rule_
    if hasattr(est, "alarm_gap_"):  # a series detector: aekit.anomaly is loaded already
        from aekit.anomaly.alarms import merging_gap

        if gap := merging_gap(est):
            out["close alarms"] = f"merged when fewer than {gap} unflagged steps lie between them"
    ratio = getattr(est, "recurrence_ratio_", None)
    if ratio is not None:  # a series detector, as above
        from aekit.anomaly.alarms import auto_gap

        reach = auto_gap(est.windows_, est.smoothing_)
        out["repeated alarms"] = (
            f"dropped when an earlier window lies within {ratio:g} times the model's error; "
            f"an alarm longer than {reach} steps only when one earlier stretch holds all of it")
    for attr in ("window_", "window"):
        if getattr(est, attr, None) is not None and not isinstance(getattr(est, attr), str):
            out["window"] = _plain(getattr(est, attr))
            break
    if getattr(est, "windows_", None) is not None:
        out["member windows"] = [int(w) for w in est.windows_]
    return out


def file_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The metadata record of a model file (format, versions, date), read without torch.

    Returns an empty dict when the file is not a zip archive with ``metadata.json``.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            meta = json.loads(zf.read("metadata.json"))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return {}
    keep = ("format_version", "aekit_version", "torch_version", "created", "estimator", "device")
    return {k: meta[k] for k in keep if k in meta}


def summarize_data(X: Any, y: Any = None) -> dict[str, Any]:
    """Rows, shape, value range, column types (booleans count as numeric) and label counts.

    Parameters
    ----------
    X : ndarray or DataFrame of shape (n, ...)
    y : array-like of shape (n,), optional
    """
    out: dict[str, Any] = {"rows": len(X)}
    cols = getattr(X, "columns", None)
    if cols is not None:
        # Booleans are the numbers 0 and 1 to the models (aekit.anomaly.tabular), not text.
        numeric = X.select_dtypes(include=["number", "bool"])
        out["columns"] = len(cols)
        out["numeric columns"] = numeric.shape[1]
        if numeric.shape[1] < len(cols):
            out["text columns"] = len(cols) - numeric.shape[1]
        values = numeric.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = np.asarray(X, dtype=float)
        out["sample shape"] = "x".join(str(s) for s in values.shape[1:])
    if values.size:
        out["value range"] = f"{np.nanmin(values):.4g} to {np.nanmax(values):.4g}"
        out["mean value"] = float(np.nanmean(values))
    if y is not None:
        labels, counts = np.unique(np.asarray(y).astype(str), return_counts=True)
        shown = ", ".join(f"{lab}: {c}" for lab, c in list(zip(labels, counts))[:12])
        out["labels"] = shown + (" ..." if len(labels) > 12 else "")
    return out
