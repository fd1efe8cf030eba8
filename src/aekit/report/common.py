"""Sections every report has (data, model, training) and small helpers shared by the others."""

from __future__ import annotations

from typing import Any

import numpy as np

from aekit import plots
from aekit.report.html import Document
from aekit.report.summary import autoencoders_of, describe, summarize_data

#: Label values read as "anomaly" when labels are text.
POSITIVE_WORDS = ("1", "true", "yes", "anomaly", "anomalous", "abnormal", "outlier", "attack",
                  "fraud")


def binary_labels(y: Any) -> np.ndarray | None:
    """Labels as 0/1 (1 = anomaly), or None when they cannot be read that way.

    0/1 numbers and booleans are taken as they are; two text values are read
    with the one among :data:`POSITIVE_WORDS` as the anomaly. Other numbers
    (scikit-learn's 1 / -1, where -1 is the outlier) and labels with missing
    values are not guessed at.
    """
    if y is None:
        return None
    y = np.asarray(y)
    if y.dtype.kind in "biuf":
        values = set(np.unique(y).tolist())
        return y.astype(np.int64) if values == {0, 1} else None
    import pandas as pd

    if pd.isna(y).any():
        return None
    values = np.unique(y.astype(str))
    if len(values) != 2:
        return None
    pos = [v for v in values if v.strip().lower() in POSITIVE_WORDS]
    return (y.astype(str) == pos[0]).astype(np.int64) if len(pos) == 1 else None


def numeric_matrix(X: Any, reference: Any = None) -> np.ndarray:
    """A float matrix ``(n, d)`` for classical baselines: tables one-hot, images flattened.

    Parameters
    ----------
    X : ndarray or DataFrame
    reference : DataFrame, optional
        The baseline's training table, with ``X``'s columns (see
        :func:`conform_train`): ``X``'s one-hot columns are aligned to it. A
        category that only one of the two has is the only column filled with 0.
    """
    if hasattr(X, "columns"):
        import pandas as pd

        frame = pd.get_dummies(X, dtype=float)
        if reference is not None:
            frame = frame.reindex(columns=pd.get_dummies(reference, dtype=float).columns,
                                  fill_value=0.0)  # fmt: skip
        return frame.to_numpy(dtype=float)
    X = np.asarray(X, dtype=float)
    return X.reshape(len(X), -1)


def _listed(names: list) -> str:
    shown = ", ".join(repr(n) for n in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _same_columns(X: Any, X_train: Any) -> Any:
    """``X_train`` (a DataFrame) with ``X``'s columns in ``X``'s order, each read the same way."""
    missing = [c for c in X.columns if c not in X_train.columns]
    extra = [c for c in X_train.columns if c not in X.columns]
    if missing or extra:
        parts = ([f"missing from X_train: {_listed(missing)}"] if missing else []) + (
            [f"not in X: {_listed(extra)}"] if extra else [])  # fmt: skip
        raise ValueError(
            f"X_train's columns differ from X's ({'; '.join(parts)}); the baselines are "
            "fitted on X_train and scored on X, so both need the same columns"
        )
    X_train = X_train[list(X.columns)]
    # Text columns are one-hot encoded, numbers kept: a column read as text in one
    # table and as numbers in the other would be dropped from the comparison.
    text = ["object", "string", "category"]
    kinds = set(X.select_dtypes(include=text).columns) ^ set(
        X_train.select_dtypes(include=text).columns)  # fmt: skip
    if kinds:
        raise ValueError(
            f"column(s) {_listed([c for c in X.columns if c in kinds])} hold text in one of X "
            "and X_train and numbers in the other; they must hold the same kind of values"
        )
    return X_train


def conform_train(X: Any, X_train: Any, est: Any = None, series: bool = False) -> Any:
    """Check the training data of the baselines against ``X`` and lay it out like ``X``.

    Parameters
    ----------
    X : ndarray or DataFrame
        The data the report is about, ``(n, ...)``, or a series ``(T,)`` / ``(T, C)``.
    X_train : ndarray, DataFrame or None
    est : fitted estimator, optional
        Its ``feature_names_in_`` name the columns when ``X`` is an array and
        ``X_train`` a DataFrame.
    series : bool
        ``X`` and ``X_train`` are series: only their channels must match.

    Returns
    -------
    ndarray, DataFrame or None
        A DataFrame with ``X``'s columns (in ``X``'s order) when ``X`` is one,
        else an array whose rows have the shape of ``X``'s; None for None.

    Raises
    ------
    ValueError
        When a column is missing or extra (named), the widths differ, or
        ``X_train`` has no rows: the baselines would otherwise be fitted on
        different features than they are scored on.
    """
    if X_train is None:
        return None
    import pandas as pd

    if len(X_train) == 0:
        raise ValueError("X_train has no rows: give the training data, or None")
    if hasattr(X, "columns"):
        if not hasattr(X_train, "columns"):
            arr = np.asarray(X_train)
            arr = arr[:, None] if series and arr.ndim == 1 else arr
            if arr.ndim != 2 or arr.shape[1] != X.shape[1]:
                raise ValueError(
                    f"X_train has shape {arr.shape} but X is a table of {X.shape[1]} columns; "
                    f"give X_train as a DataFrame with X's columns or as an array of "
                    f"{X.shape[1]} columns in X's order"
                )
            X_train = pd.DataFrame(arr, columns=X.columns).infer_objects()
        return _same_columns(X, X_train)
    if hasattr(X_train, "columns"):
        names = getattr(est, "feature_names_in_", None)
        if names is not None:
            names = [str(n) for n in names]
            X_train = X_train.rename(columns=str)
            missing = [n for n in names if n not in X_train.columns]
            extra = [c for c in X_train.columns if c not in names]
            if missing or extra:
                raise ValueError(
                    f"X_train's columns differ from those the model was fitted on (missing "
                    f"from X_train: {_listed(missing) or 'none'}; not in the model: "
                    f"{_listed(extra) or 'none'})"
                )
            X_train = X_train[names]
        X_train = X_train.to_numpy()
    arr, shape = np.asarray(X_train), np.shape(X)
    if series:
        width = 1 if len(shape) == 1 else shape[1]
        got = 1 if arr.ndim == 1 else arr.shape[1]
        if arr.ndim > 2 or got != width:
            raise ValueError(f"X_train has {got} channel(s) but the series has {width}; "
                             "they must match")  # fmt: skip
        return arr
    if arr.shape[1:] != tuple(shape[1:]):
        raise ValueError(
            f"X_train's rows have shape {arr.shape[1:]} but X's have {tuple(shape[1:])}; "
            "they must match"
        )
    return arr


def subsample(n: int, max_rows: int, random_state: int | None) -> np.ndarray:
    """Sorted indices of at most ``max_rows`` of ``n`` rows, drawn with seed ``random_state``."""
    if n <= max_rows:
        return np.arange(n)
    return np.sort(np.random.default_rng(random_state).choice(n, max_rows, replace=False))


def take(X: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` of an array or a DataFrame."""
    return X.iloc[idx] if hasattr(X, "iloc") else np.asarray(X)[idx]


def row_labels(X: Any, rows: np.ndarray | None = None) -> tuple[list[str], str]:
    """How the report names the rows of ``X``, and what it calls those names.

    A DataFrame's rows go by its index labels, as ``explain`` names them;
    others by ``rows``, their numbers in the user's data (``X`` may be a
    sample of it), else their positions. The labels are text: a customer id
    or a year written "1,003" or "2,024" would no longer match the data.
    """
    if hasattr(X, "columns"):
        name = X.index.name
        return [str(v) for v in X.index], "row" if name is None else str(name)
    numbers = np.arange(len(X)) if rows is None else np.asarray(rows)
    return [str(int(r)) for r in numbers], "row"


def data_section(doc: Document, X: Any, y: Any, title: str, source: str | None) -> None:
    """Rows, shape, value range and labels of the data the report is about."""
    s = doc.section(title)
    info = summarize_data(X, y)
    if source:
        info = {"source": source, **info}
    s.key_values(info)


def model_section(doc: Document, est: Any) -> None:
    """What the model is, the settings changed from the defaults, and its networks."""
    d = describe(est)
    s = doc.section(f"Model: {d['model']}")
    head = {"kind": d["kind"]}
    # An adaptive threshold moves along the series: threshold_ is only the first step's.
    if "threshold" in d and getattr(est, "threshold_rule_", None) != "adaptive":
        head["threshold"] = d["threshold"]
    for key in ("threshold rule", "close alarms", "repeated alarms"):
        if key in d:
            head[key] = d[key]
    if "window" in d:
        head["window"] = d["window"]
    inp = d["input"]
    if "columns" in inp:
        cols = inp["columns"]
        head["input columns"] = ", ".join(cols[:30]) + (" ..." if len(cols) > 30 else "")
    elif "sample shape" in inp:
        head["input sample shape"] = "x".join(map(str, np.atleast_1d(inp["sample shape"])))
    s.key_values(head)
    if d["parameters"]:
        s.subtitle("Settings changed from the defaults")
        s.key_values({k: str(v) for k, v in d["parameters"].items()})
    nets = d["networks"]
    if nets:
        s.subtitle("Network" if len(nets) == 1 else f"Networks ({len(nets)}, averaged)")
        keys = list(nets[0])
        rows = [[str(n.get(k)) if isinstance(n.get(k), list) else n.get(k) for k in keys]
                for n in nets]  # fmt: skip
        s.table(keys, rows)


def training_section(doc: Document, est: Any) -> None:
    """Loss curves of the (first) autoencoder inside ``est``."""
    nets = autoencoders_of(est)
    if not nets or not nets[0].history_:
        return
    s = doc.section("Training")
    ae = nets[0]
    s.figure(
        plots.to_png(plots.loss_curves(ae.history_)),
        alt="loss curves",
        caption=f"Loss per epoch ({ae.n_epochs_} epochs run; weights of epoch "
        f"{ae.best_epoch_} kept)"
        + (f"; the first of {len(nets)} networks shown" if len(nets) > 1 else "")
        + ". Dashed: validation rows.",
    )
