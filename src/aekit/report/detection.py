"""Report sections of anomaly detectors: scores, threshold, IsolationForest, series spans."""

from __future__ import annotations

from typing import Any

import numpy as np

from aekit import plots
from aekit.anomaly.alarms import merging_gap
from aekit.anomaly.metrics import runs
from aekit.report.common import numeric_matrix, row_labels
from aekit.report.html import Document, Section
from aekit.report.reduction import as_images
from aekit.report.summary import alarms_held

#: Rows listed or drawn as the most anomalous.
TOP = 10


def _metrics(yb: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    return {"ROC-AUC": float(roc_auc_score(yb, scores)),
            "average precision": float(average_precision_score(yb, scores))}  # fmt: skip


def _has_both(yb: np.ndarray | None) -> bool:
    return yb is not None and 0 < int(yb.sum()) < len(yb)


def _comparable(scores: np.ndarray) -> np.ndarray:
    """``scores`` with +inf (an overflowed error) ranked above every finite score.

    ROC and precision-recall depend on the order of the scores only, and
    scikit-learn refuses infinite ones; ranks keep that order (NaN stays NaN).
    """
    if np.isfinite(scores).all():
        return scores
    from scipy.stats import rankdata

    return rankdata(scores, nan_policy="omit")


def _compare(s: Section, yb: np.ndarray | None, ours: np.ndarray, theirs: np.ndarray,
             what: str) -> dict[str, float]:  # fmt: skip
    """ROC/PR curves with labels; rank agreement without them."""
    ours, theirs = _comparable(ours), _comparable(theirs)
    if _has_both(yb):
        a, b = _metrics(yb, ours), _metrics(yb, theirs)
        s.table(["method", "ROC-AUC", "average precision"],
                [["aekit", a["ROC-AUC"], a["average precision"]],
                 [what, b["ROC-AUC"], b["average precision"]]])  # fmt: skip
        fig = plots.roc_pr_curves(yb, {"aekit": ours, what: theirs})
        s.figure(plots.to_png(fig), alt="ROC and precision-recall curves",
                 caption="Labels given with the data: 1 = anomaly.")  # fmt: skip
        return {"roc_auc": a["ROC-AUC"], f"{what} roc_auc": b["ROC-AUC"]}
    from scipy.stats import spearmanr

    k = max(1, int(round(0.05 * len(ours))))
    top_a, top_b = set(np.argsort(ours)[-k:]), set(np.argsort(theirs)[-k:])
    s.key_values({"rank correlation of the scores (Spearman)": float(spearmanr(ours, theirs)[0]),
                  f"shared rows among each method's top {k}": len(top_a & top_b)})  # fmt: skip
    s.note("Without usable 0/1 labels, the methods can only be compared with each other.")
    return {}


def detector_sections(
    doc: Document, det: Any, X: Any, yb: np.ndarray | None, X_train: Any,
    image_shape, seed: int, rows: np.ndarray | None = None,
) -> dict[str, float]:  # fmt: skip
    """Score histogram, metrics, IsolationForest baseline and the top rows of a detector.

    ``rows`` are the rows' numbers in the user's data (``X`` may be a sample of it).
    """
    from sklearn.ensemble import IsolationForest

    scores = np.asarray(det.decision_function(X), dtype=float)
    thr = float(det.threshold_)
    flags = scores > thr
    s = doc.section("Anomaly scores")
    info: dict[str, Any] = {"rows scored": len(scores), "threshold": thr,
                            "rows above the threshold": int(flags.sum()),
                            "share flagged": float(flags.mean())}  # fmt: skip
    if yb is not None:
        info["known anomalies"] = int(yb.sum())
    s.key_values(info)
    single = None if np.ndim(thr) == 1 else thr  # a moving threshold has no one place
    s.figure(plots.to_png(plots.score_histogram(scores, single, yb)), alt="score histogram",
             caption="Anomaly scores (higher = more anomalous); dashed: the threshold.")

    s = doc.section("Comparison with IsolationForest")
    Xt = numeric_matrix(X if X_train is None else X_train)
    Xn = numeric_matrix(X, reference=X_train if hasattr(X, "columns") else None)
    iso = IsolationForest(random_state=seed).fit(Xt)
    fitted_on = "the rows of this report" if X_train is None else "the training rows"
    s.text(f"scikit-learn's IsolationForest with default settings, fitted on {fitted_on}.")
    out = _compare(s, yb, scores, -iso.score_samples(Xn), "IsolationForest")
    _top_rows(doc, det, X, scores, image_shape, rows)
    return out


def _top_rows(doc: Document, det: Any, X: Any, scores: np.ndarray, image_shape,
              rows: np.ndarray | None = None) -> None:  # fmt: skip
    """The most anomalous rows: images with their error maps, or table rows with causes.

    Table rows are named by a DataFrame's index, as ``explain`` names them;
    others by ``rows``, their numbers in the user's data.
    """
    ids, row_name = row_labels(X, rows)
    top = np.argsort(scores)[::-1][:TOP]
    s = doc.section("Most anomalous rows")
    sub = X.iloc[top] if hasattr(X, "iloc") else np.asarray(X)[top]
    expl = det.explain(sub) if hasattr(det, "explain") else None
    # A table is drawn as images only when asked to (image_shape) and all numbers.
    drawable = not hasattr(X, "columns")
    if not drawable and image_shape is not None:
        import pandas as pd

        drawable = all(pd.api.types.is_numeric_dtype(d) for d in X.dtypes)
    imgs = as_images(np.asarray(sub, float), image_shape) if drawable else None
    if imgs is not None:
        grid = [imgs]
        if expl is not None:
            # The square root spreads the grey levels: errors often sit in a few pixels.
            err = np.sqrt(np.clip(np.asarray(expl, float), 0, None)).reshape(len(top), -1)
            grid.append(as_images(err, imgs.shape[1:]))
        titles = [f"{v:.3g}" for v in scores[top]] + [""] * len(top)
        fig = plots.image_grid(np.concatenate(grid), ncols=len(top),
                               row_titles=["input", "error"][: len(grid)], titles=titles,
                               scale="row")
        s.figure(plots.to_png(fig), alt="most anomalous images",
                 caption="Highest-scoring rows with their score; below, where the error lies "
                         "(square root of each pixel's error).")
        return
    table = []
    names = getattr(expl, "columns", None)
    per = None if expl is None else np.asarray(expl, float)
    for j, i in enumerate(top):
        causes = ""
        if per is not None:
            labels = names if names is not None else [f"x{c}" for c in range(per.shape[1])]
            causes = _causes(per[j], labels)
        table.append([ids[i], float(scores[i]), causes])
    s.table([row_name, "score", "largest error shares"], table)


def _causes(per: np.ndarray, labels: Any, k: int = 3) -> str:
    """The ``k`` columns with the largest shares of a row's error ``per`` ``(d,)``, in words.

    An error too large for floating point (inf, or NaN from inf - inf) has no
    shares: the columns that overflowed are named when they are known.
    """
    if not np.isfinite(per).all():
        over = np.flatnonzero(np.isposinf(per))[:k]
        where = f" (in {', '.join(str(labels[c]) for c in over)})" if len(over) else ""
        return f"error too large to compare{where}"
    order = np.argsort(per)[::-1][:k]
    share = per[order] / max(per.sum(), 1e-300)
    return ", ".join(f"{labels[c]} ({p:.0%})" for c, p in zip(order, share))


def _window_scores(
    values: np.ndarray, window: int, seed: int, train: np.ndarray | None = None
) -> np.ndarray:
    """IsolationForest on sliding windows; each step gets the window ending at it ``(T,)``.

    Fitted on the windows of ``train`` ``(T0, C)`` when given, else on those of ``values``.
    """
    from sklearn.ensemble import IsolationForest

    from aekit.readers import sliding_windows

    def flat(x: np.ndarray) -> np.ndarray:
        return sliding_windows(x, window).reshape(len(x) - window + 1, -1)

    w = flat(values)
    forest = IsolationForest(random_state=seed).fit(w if train is None else flat(train))
    s = -forest.score_samples(w)
    return np.concatenate([np.full(window - 1, s[0]), s])


def series_sections(
    doc: Document,
    det: Any,
    series: Any,
    t: np.ndarray | None,
    yb: np.ndarray | None,
    seed: int,
    train: Any = None,
) -> dict[str, float]:
    """The series with its scores and flagged spans, the histogram and a window baseline.

    ``train``: the training series ``(T0,)`` or ``(T0, C)``; the baseline is fitted on it
    when given, else on the series itself (which the text says).
    """
    values = np.asarray(series, dtype=float)
    values = values[:, None] if values.ndim == 1 else values  # (T, C)
    t = np.arange(len(values)) if t is None else np.asarray(t)
    scores, kept, flags = det._alarm_steps(series)
    scores = np.asarray(scores, dtype=float)
    # One threshold per step (constant unless the rule is adaptive), from the scores at hand.
    thr = det.thresholds_for_scores(scores)
    above = scores > thr
    raise_at = thr[np.r_[True, ~above[:-1]]]  # steps that follow one below its threshold
    # predict drops whole alarms as repeats (kept: those left), then merges close ones.
    repeats = len(runs(above)) - len(runs(kept))
    merged = len(runs(kept)) - len(runs(flags))
    gap = merging_gap(det)
    s = doc.section("Series and anomaly scores")
    info: dict[str, Any] = {
        "steps": len(values),
        "channels": values.shape[1],
        "flagged steps": int(flags.sum()),
        # The range of the threshold that raises an alarm, not the lower one that ends it.
        "threshold": f"{det.threshold_rule_}, from {raise_at.min():.4g} to {raise_at.max():.4g}",
    }
    if gap:
        info["alarms merged into the one before"] = merged
    if getattr(det, "recurrence_ratio_", None) is not None:
        info["alarms dropped as repeats of earlier ones"] = repeats
    if yb is not None:
        info["known anomalous steps"] = int(yb.sum())
    s.key_values(info)
    fig = plots.series_scores(t, values, scores, flags, thr, yb)
    held = alarms_held(det)
    caption = "Top: the series; bottom: the score per step and the threshold" + (
        " (lower while an alarm lasts: it ends when the score falls that low)." if held else ".")
    if repeats:
        caption += (" Scores above the threshold that repeat an earlier part of the series "
                    "are not flagged.")
    if merged:
        caption += (f" Alarms fewer than {gap} steps apart are one: the steps between them "
                    "are flagged too.")
    s.figure(plots.to_png(fig), alt="series with anomaly scores", caption=caption)
    # A threshold that moves along the series has no one place on a histogram.
    s.figure(plots.to_png(plots.score_histogram(scores, None, yb, unit="steps")),
             alt="score histogram",
             caption="Scores of every step.")  # fmt: skip
    window = max(2, min(int(det.window_), len(values) // 4))
    if train is not None:
        train = np.asarray(train, dtype=float)
        train = train[:, None] if train.ndim == 1 else train
        if len(train) < window:
            train = None  # too short for one window: fitted on the series, as the text says
    s = doc.section("Comparison with IsolationForest")
    fitted_on = "this series" if train is None else "the training series"
    s.text(f"scikit-learn's IsolationForest fitted on sliding windows of {window} steps of "
           f"{fitted_on}; each step of this series gets the score of the window that ends "
           "at it.")  # fmt: skip
    baseline = _window_scores(values, window, seed, train)
    return _compare(s, yb, scores, baseline, "IsolationForest")
