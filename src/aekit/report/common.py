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
        The baseline's training table: ``X``'s one-hot columns are aligned to it.
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


def subsample(n: int, max_rows: int, random_state: int) -> np.ndarray:
    """Sorted indices of at most ``max_rows`` of ``n`` rows, drawn with a fixed seed."""
    if n <= max_rows:
        return np.arange(n)
    return np.sort(np.random.default_rng(random_state).choice(n, max_rows, replace=False))


def take(X: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` of an array or a DataFrame."""
    return X.iloc[idx] if hasattr(X, "iloc") else np.asarray(X)[idx]


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
    if "threshold" in d:
        head["threshold"] = d["threshold"]
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
