"""Figures for autoencoders and detectors, drawn with matplotlib.

Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot, so no global backend or window is involved (PNG output goes through
matplotlib's Agg renderer) and figures can be made from threads and servers.
This module imports matplotlib; aekit imports it only when a figure is asked for.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

#: Colours of normal rows, anomalies and flags, used consistently across figures.
NORMAL, ANOMALY, FLAG = "#4C72B0", "#C44E52", "#DD8452"
#: Longest feature name drawn as a tick label; longer ones are cut with an ellipsis.
TICK_CHARS = 24


def _plain(text) -> str:
    """``text`` drawn as written: a ``$`` would start matplotlib's math text.

    Column names, labels and titles come from the user's data ("cost $ (usd)",
    "$10-$20"), where a ``$`` is a dollar sign.
    """
    return str(text).replace("$", r"\$")


def to_png(fig: Figure, dpi: int = 100) -> bytes:
    """Render a figure to PNG bytes (Agg)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def loss_curves(history: Mapping[str, Sequence[float]]) -> Figure:
    """Training and validation losses per epoch.

    Parameters
    ----------
    history : dict of str to list of float
        An estimator's ``history_``: every loss term per epoch, ``val_``-prefixed
        on the validation rows.
    """
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    drawn: list[np.ndarray] = []
    for name, values in history.items():
        v = np.asarray(values, dtype=float)
        # The ELBO is minus the VAE loss, and a lone term repeats the total: both add nothing.
        if v.size == 0 or not np.isfinite(v).any() or "elbo" in name:
            continue
        if any(d.shape == v.shape and np.allclose(d, v, equal_nan=True) for d in drawn):
            continue
        drawn.append(v)
        epochs = np.arange(1, v.size + 1)
        main = name in ("loss", "val_loss")
        ax.plot(epochs, v, label=name, lw=2.0 if main else 1.0,
                ls="--" if name.startswith("val_") else "-")  # fmt: skip
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    positive = bool(drawn) and all(np.nanmin(v) > 0 for v in drawn)
    if positive:
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _as_images(X: np.ndarray) -> np.ndarray:
    """(n, H, W) or (n, C, H, W) -> (n, H, W) or (n, H, W, 3) for imshow.

    One channel is grey, three (or four: RGBA) are colour; any other number
    of channels is drawn as their mean, in grey.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 4:
        C = X.shape[1]
        X = np.moveaxis(X[:, :3], 1, -1) if C in (3, 4) else X.mean(axis=1)
    return X


def image_grid(
    images: np.ndarray,
    row_titles: Sequence[str] | None = None,
    ncols: int = 10,
    titles: Sequence[str] | None = None,
    cmap: str = "gray",
    scale: str = "grid",
) -> Figure:
    """Images in a grid, optionally with a title per row and per image.

    Parameters
    ----------
    images : ndarray of shape (n, H, W) or (n, C, H, W)
        Row-major: image ``i`` goes to row ``i // ncols``.
    row_titles : list of str, optional
    ncols : int
    titles : list of str, optional
        One short caption per image.
    cmap : str
        Colour map of single-channel images.
    scale : {'grid', 'row'}
        One grey scale for the whole grid (inputs and reconstructions compare
        directly), or one per row (for rows of different quantities, such as
        images above their error maps).
    """
    if scale not in ("grid", "row"):
        raise ValueError(f"scale must be 'grid' or 'row', got {scale!r}")
    imgs = _as_images(images)
    n = len(imgs)
    nrows = max(1, -(-n // ncols))
    flat = imgs.reshape(n, -1)
    if scale == "grid":
        lo, hi = np.full(n, np.nanmin(flat)), np.full(n, np.nanmax(flat))
    else:
        row = np.arange(n) // ncols
        lo = np.array([np.nanmin(flat[row == r]) for r in row])
        hi = np.array([np.nanmax(flat[row == r]) for r in row])
    fig = Figure(figsize=(1.1 * ncols, 1.2 * nrows + 0.2))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= n:
            ax.set_axis_off()
            continue
        img = imgs[i]
        if img.ndim == 3:  # RGB: scale into [0, 1] for imshow
            img = np.clip((img - lo[i]) / (hi[i] - lo[i] + 1e-12), 0, 1)
            ax.imshow(img)
        else:
            ax.imshow(img, cmap=cmap, vmin=lo[i], vmax=hi[i])
        if titles is not None:
            ax.set_title(_plain(titles[i]), fontsize=8)
        if row_titles is not None and i % ncols == 0:
            ax.set_ylabel(_plain(row_titles[i // ncols]), fontsize=9)
    return fig


def reconstruction_profiles(
    X: np.ndarray,
    X_hat: np.ndarray,
    feature_names: Sequence[str] | None = None,
    n: int = 4,
    row_labels: Sequence | None = None,
    row_name: str = "row",
) -> Figure:
    """Original and reconstructed values of a few table rows, feature by feature.

    Parameters
    ----------
    X, X_hat : ndarray of shape (n_rows, n_features)
    feature_names : list of str, optional
    n : int
        Rows shown.
    row_labels : sequence of length n_rows, optional
        How the user's data names the rows: a DataFrame's index labels, or the
        rows' numbers when ``X`` is a sample of an array. Written as they are;
        by default the rows' positions in ``X``.
    row_name : str
        What the labels are (a DataFrame's index name), before each label.
    """
    n = min(n, len(X))
    fig = Figure(figsize=(7.0, 1.6 * n + 0.4))
    axes = fig.subplots(n, 1, squeeze=False, sharex=True)[:, 0]
    idx = np.arange(X.shape[1])
    for i, ax in enumerate(axes):
        ax.plot(idx, X[i], "o-", ms=3, lw=1, color=NORMAL, label="original")
        ax.plot(idx, X_hat[i], "s--", ms=3, lw=1, color=FLAG, label="reconstruction")
        label = i if row_labels is None else row_labels[i]
        ax.set_ylabel(_plain(f"{row_name} {label}"), fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper right")
    if feature_names is not None and len(feature_names) <= 30:
        # A long name would take the figure's height from the plots above it.
        short = [f if len(str(f)) <= TICK_CHARS else f"{str(f)[: TICK_CHARS - 1]}…"
                 for f in feature_names]  # fmt: skip
        axes[-1].set_xticks(idx, [_plain(f) for f in short], rotation=60, fontsize=7)
    else:
        axes[-1].set_xlabel("feature")
    return fig


def latent_map(Z2: np.ndarray, labels: np.ndarray | None = None, title: str = "") -> Figure:
    """Scatter plot of 2-D codes, coloured by label when given.

    Parameters
    ----------
    Z2 : ndarray of shape (n, 2)
    labels : ndarray of shape (n,), optional
        Class labels (a legend: the 19 most frequent classes by name when there
        are more than 20, the rest as "other") or numbers with more than 20
        values (a colour bar). Rows without a label (None, NaN) are grey.
    title : str
    """
    fig = Figure(figsize=(5.6, 4.6))
    ax = fig.add_subplot()
    if labels is None:
        ax.scatter(Z2[:, 0], Z2[:, 1], s=6, alpha=0.6, color=NORMAL)
    else:
        labels = np.asarray(labels)
        missing = np.asarray(pd.isna(labels), dtype=bool)  # None, NaN, pd.NA, NaT
        if missing.any():
            ax.scatter(Z2[missing, 0], Z2[missing, 1], s=6, alpha=0.5, color="#bbbbbb",
                       label="no label")  # fmt: skip
        Zk, known = Z2[~missing], labels[~missing]
        try:
            classes, counts = np.unique(known, return_counts=True)
        except TypeError:  # values of several types (text and numbers) cannot be sorted
            known = known.astype(str)
            classes, counts = np.unique(known, return_counts=True)
        if known.dtype.kind in "fc" and len(classes) > 20:
            sc = ax.scatter(Zk[:, 0], Zk[:, 1], s=6, c=known, cmap="viridis", alpha=0.7)
            fig.colorbar(sc, ax=ax)
        else:
            named = classes
            if len(classes) > 20:
                named = classes[np.argsort(-counts, kind="stable")[:19]]
            cmap = matplotlib.colormaps["tab20" if len(named) > 10 else "tab10"]
            for k, cls in enumerate(named):
                m = known == cls
                ax.scatter(Zk[m, 0], Zk[m, 1], s=6, alpha=0.7, color=cmap(k % cmap.N),
                           label=_plain(cls))  # fmt: skip
            rest = ~np.isin(known, named)
            if rest.any():
                ax.scatter(Zk[rest, 0], Zk[rest, 1], s=6, alpha=0.5, color="#666666",
                           label=f"other ({len(classes) - len(named)} classes)")  # fmt: skip
            # Given explicitly: matplotlib leaves out of a legend the artists whose
            # label starts with "_", and "_other" is a class name like any other.
            ax.legend(ax.collections, [c.get_label() for c in ax.collections], fontsize=7,
                      markerscale=2, loc="best", ncol=2 if len(named) > 10 else 1)  # fmt: skip
    ax.set_title(_plain(title), fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def bars(values: Mapping[str, float], ylabel: str, title: str = "") -> Figure:
    """One bar per method, value printed on top (for baseline comparisons)."""
    fig = Figure(figsize=(4.8, 3.2))
    ax = fig.add_subplot()
    names = list(values)
    v = [float(values[k]) for k in names]
    colors = [NORMAL if i == 0 else "#999999" for i in range(len(names))]
    rects = ax.bar([_plain(n) for n in names], v, color=colors)
    ax.bar_label(rects, fmt="%.4g", fontsize=8)
    ax.set_ylabel(_plain(ylabel))
    ax.set_title(_plain(title), fontsize=10)
    ax.margins(y=0.15)
    return fig


def score_histogram(
    scores: np.ndarray,
    threshold: float | None = None,
    y: np.ndarray | None = None,
    unit: str = "rows",
) -> Figure:
    """Histogram of anomaly scores (higher = more anomalous) with the threshold.

    Scores that are not finite (an error that overflowed to +inf) have no
    place on the axis: their count is written under it.

    Parameters
    ----------
    scores : ndarray of shape (n,)
    threshold : float, optional
        Drawn as a vertical line.
    y : ndarray of shape (n,), optional
        1 = anomaly, 0 = normal: the two groups get separate histograms.
    unit : str
        What is counted, plural ("rows", "steps").
    """
    fig = Figure(figsize=(6.4, 3.4))
    ax = fig.add_subplot()
    scores = np.asarray(scores, dtype=float)
    ok = np.isfinite(scores)
    finite = scores[ok]
    lo, hi = float(finite.min()), float(finite.max())
    # Anomalies can score orders of magnitude above normal rows: log bins keep both visible.
    log_x = lo > 0 and hi / lo > 100
    bins = np.geomspace(lo, hi, 51) if log_x else np.histogram_bin_edges(finite, bins=50)
    if y is None:
        ax.hist(finite, bins=bins, color=NORMAL, alpha=0.8, label=f"all {unit}")
    else:
        y = np.asarray(y).astype(bool)
        ax.hist(scores[ok & ~y], bins=bins, color=NORMAL, alpha=0.6, label="normal")
        ax.hist(scores[ok & y], bins=bins, color=ANOMALY, alpha=0.6, label="anomaly")
    if threshold is not None:
        ax.axvline(threshold, color="black", ls="--", lw=1.5, label=f"threshold {threshold:.4g}")
    if log_x:
        ax.set_xscale("log")
    off = {"+inf": np.isposinf(scores).sum(), "-inf": np.isneginf(scores).sum(),
           "NaN": np.isnan(scores).sum()}  # fmt: skip
    note = "; ".join(f"{n} {unit[:-1] if n == 1 else unit} scoring {what}"
                     for what, n in off.items() if n)  # fmt: skip
    label = "anomaly score" + (" (log scale)" if log_x else "")
    ax.set_xlabel(label + (f"\n{note}, beyond the axis" if note else ""))
    ax.set_ylabel(unit)
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    return fig


def roc_pr_curves(y: np.ndarray, scores: Mapping[str, np.ndarray]) -> Figure:
    """ROC and precision-recall curves of several scorers on the same labels.

    Parameters
    ----------
    y : ndarray of shape (n,)
        1 = anomaly, 0 = normal.
    scores : dict of str to ndarray of shape (n,)
        Higher = more anomalous; the area under each curve goes in the legend.
    """
    from sklearn.metrics import (
        average_precision_score,
        precision_recall_curve,
        roc_auc_score,
        roc_curve,
    )

    fig = Figure(figsize=(9.6, 3.8))
    ax_roc, ax_pr = fig.subplots(1, 2)
    for name, s in scores.items():
        fpr, tpr, _ = roc_curve(y, s)
        ax_roc.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y, s):.3f})")
        prec, rec, _ = precision_recall_curve(y, s)
        ax_pr.plot(rec, prec, label=f"{name} (AP {average_precision_score(y, s):.3f})")
    ax_roc.plot([0, 1], [0, 1], color="#999999", lw=0.8, ls=":")
    ax_pr.axhline(np.mean(y), color="#999999", lw=0.8, ls=":")
    ax_roc.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    ax_pr.set(xlabel="recall", ylabel="precision", title="precision-recall")
    for ax in (ax_roc, ax_pr):
        ax.legend(fontsize=8, loc="lower right" if ax is ax_roc else "upper right")
        ax.grid(alpha=0.3)
    return fig


def _text_axis(t: np.ndarray) -> bool:
    """Whether the time axis ``t`` is text (dates read from a CSV as strings, say).

    Text has no spacing to extend a run by, and matplotlib would make every
    distinct string a tick: such an axis is drawn on step positions instead.
    """
    if t.dtype.kind in "SU":
        return True
    return t.dtype.kind == "O" and any(isinstance(v, (str, bytes)) for v in t)


def _run_end(t: np.ndarray, stop: int):
    """Where a run of steps ending before step ``stop`` ends on the time axis ``t`` ``(T,)``.

    A run that includes the last step ends one step (the last spacing) after
    it: ending at ``t[-1]`` would draw a run of the last step alone with no width.
    """
    if stop < len(t):
        return t[stop]
    return t[-1] + (t[-1] - t[-2]) if len(t) > 1 else t[-1]


def series_scores(
    t: np.ndarray,
    values: np.ndarray,
    scores: np.ndarray,
    flags: np.ndarray,
    threshold: float | np.ndarray | None = None,
    y: np.ndarray | None = None,
) -> Figure:
    """A time series above its anomaly scores, flagged spans shaded.

    Parameters
    ----------
    t : ndarray of shape (T,)
        Timestamps or step numbers; text is drawn on step positions, a few
        steps labelled with it.
    values : ndarray of shape (T,) or (T, channels)
    scores : ndarray of shape (T,)
        Higher = more anomalous.
    flags : ndarray of shape (T,)
        1 = flagged step.
    threshold : float or ndarray of shape (T,), optional
        One threshold, or one per step (an adaptive rule), drawn dashed.
    y : ndarray of shape (T,), optional
        Known anomalous steps (1), drawn as red bars under the series.
    """
    from aekit.anomaly.metrics import runs  # here: aekit.anomaly loads torch

    fig = Figure(figsize=(10.0, 4.8))
    ax_v, ax_s = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    t = np.asarray(t)
    if _text_axis(t):
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        text, t = t, np.arange(len(t))
        ax_s.xaxis.set_major_locator(MaxNLocator(8, integer=True))
        ax_s.xaxis.set_major_formatter(FuncFormatter(
            lambda x, _: _plain(text[int(x)]) if x == int(x) and 0 <= x < len(text) else ""))
    v = np.asarray(values, dtype=float)
    v = v[:, None] if v.ndim == 1 else v
    for c in range(min(v.shape[1], 8)):
        ax_v.plot(t, v[:, c], lw=0.8)
    for s, e in runs(flags):
        for ax in (ax_v, ax_s):
            ax.axvspan(t[s], _run_end(t, e), color=FLAG, alpha=0.3, lw=0)
    if y is not None:
        lo = np.nanmin(v)
        for s, e in runs(y):
            ax_v.plot([t[s], _run_end(t, e)], [lo, lo], color=ANOMALY, lw=5,
                      solid_capstyle="butt")  # fmt: skip
    ax_s.plot(t, scores, color="black", lw=0.8)
    if np.ndim(threshold) == 1:
        ax_s.plot(t, threshold, color=ANOMALY, ls="--", lw=1)
    elif threshold is not None:
        ax_s.axhline(threshold, color=ANOMALY, ls="--", lw=1)
    ax_v.set_ylabel("value")
    ax_s.set_ylabel("anomaly score")
    title = "flagged spans shaded" + ("; known anomalies as red bars" if y is not None else "")
    ax_v.set_title(_plain(title), fontsize=9)
    fig.autofmt_xdate()
    return fig
