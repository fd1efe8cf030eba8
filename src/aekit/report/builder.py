"""Assemble the report of a fitted estimator into one self-contained HTML file."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from aekit.report import common, detection, reduction
from aekit.report.html import Document

logger = logging.getLogger(__name__)

LATENT_METHODS = ("pca", "tsne")


def _kind(est: Any) -> str:
    """'series', 'detector' or 'autoencoder', from the estimator's class; it must be fitted."""
    from sklearn.utils.validation import check_is_fitted

    from aekit.anomaly import AnomalyDetector, TimeSeriesDetector
    from aekit.estimators.base import BaseAutoEncoder

    if isinstance(est, TimeSeriesDetector):
        kind = "series"
    elif isinstance(est, AnomalyDetector):
        kind = "detector"
    elif isinstance(est, BaseAutoEncoder) or (hasattr(est, "module_")
                                              and hasattr(est, "reconstruct")):  # fmt: skip
        kind = "autoencoder"
    else:
        raise TypeError(
            f"a report needs a fitted aekit AutoEncoder, VAE, AnomalyDetector or "
            f"TimeSeriesDetector, got {type(est).__name__}"
        )
    check_is_fitted(est, msg=f"This {type(est).__name__} is not fitted yet: call fit before "
                             "making its report.")  # fmt: skip
    return kind


def _check_options(max_rows: Any, random_state: Any) -> None:
    """Refuse a ``max_rows`` below 1 or not whole, a seed neither a whole number >= 0 nor None."""
    from aekit._params import is_count

    if not is_count(max_rows):
        raise ValueError(f"max_rows must be a whole number >= 1, got {max_rows!r}")
    if random_state is not None and not is_count(random_state, low=0):
        raise ValueError(f"random_state must be a whole number >= 0 or None, got "
                         f"{random_state!r}")  # fmt: skip


def _check_image_shape(image_shape: Any, X: Any, kind: str) -> tuple[int, ...] | None:
    """``image_shape`` as a tuple, refused before any work unless it can shape ``X``'s rows.

    It must be 2 or 3 integers >= 1 (height, width, or channels first) whose
    product is the number of values in a row of ``X``; for images, their own
    shape or its height and width.
    """
    from aekit._params import is_count

    if image_shape is None:
        return None
    if kind == "series":
        raise ValueError("image_shape does not apply to a TimeSeriesDetector's report, which "
                         "draws the series; leave it out")  # fmt: skip
    sizes = tuple(image_shape) if isinstance(image_shape, (tuple, list, np.ndarray)) else ()
    if len(sizes) not in (2, 3) or not all(is_count(v) for v in sizes):
        raise ValueError(f"image_shape must be 2 or 3 integers >= 1, (height, width) or "
                         f"(channels, height, width), got {image_shape!r}")  # fmt: skip
    sizes = tuple(int(v) for v in sizes)
    shape = tuple(int(v) for v in np.shape(X)[1:])
    if len(shape) >= 2:
        # Images bring their own shape; (height, width) of colour images says the same.
        if sizes not in (shape, shape[-2:]):
            raise ValueError(f"image_shape {sizes} does not match the images of X, "
                             f"{shape}: leave it out for images")  # fmt: skip
        return sizes
    values = int(np.prod(shape))
    if int(np.prod(sizes)) != values:
        raise ValueError(f"image_shape {sizes} has {int(np.prod(sizes))} pixels, but the rows "
                         f"of X have {values} values")  # fmt: skip
    return sizes


def _one_per_row(X: Any, name: str, values: Any) -> Any:
    """Labels or timestamps as one value per row (step) of ``X``; None stays None.

    A single column (``df[["label"]]``, an ``(n, 1)`` array) is flattened, as
    scikit-learn's ``column_or_1d`` does; anything else that is not one value
    per row is refused, naming ``name``.
    """
    if values is None:
        return None
    if not np.ndim(values):
        raise ValueError(f"{name} must hold one value per row of X, got {values!r}")
    shape = np.shape(values)
    if len(shape) == 2 and shape[1] == 1:
        values = values.iloc[:, 0] if hasattr(values, "iloc") else np.asarray(values)[:, 0]
    elif len(shape) != 1:
        raise ValueError(f"{name} must be 1-D (one value per row of X) or a single column, "
                         f"got shape {shape}")  # fmt: skip
    if len(values) != len(X):
        raise ValueError(
            f"{name} has {len(values)} values but X has {len(X)} rows; they must match "
            "one to one"
        )
    return values


def _sections(
    doc: Document, estimator: Any, kind: str, X: Any, y: Any, *, X_train: Any,
    timestamps: Any, image_shape: tuple[int, ...] | None, latent_map: str, max_rows: int,
    source: str | None, heading: str | None, seed: int | None,
) -> dict[str, float]:  # fmt: skip
    """Add to ``doc`` the sections of ``estimator`` on checked inputs; returns its metrics."""
    if kind == "series":
        yb = common.binary_labels(y)
        common.data_section(doc, X, y, heading or "Data: the series", source)
        common.model_section(doc, estimator)
        common.training_section(doc, estimator)
        return detection.series_sections(doc, estimator, X, timestamps, yb, seed,
                                         train=X_train)
    total, idx = len(X), common.subsample(len(X), max_rows, seed)
    if len(idx) < total:
        X, y = common.take(X, idx), None if y is None else np.asarray(y)[idx]
    common.data_section(doc, X, y, heading or "Data", source)
    if len(idx) < total:
        doc.sections[-1].note(f"The report covers {len(idx)} of the {total} rows, drawn at "
                              f"random (max_rows); row numbers are those of the whole data.")
    common.model_section(doc, estimator)
    common.training_section(doc, estimator)
    names = getattr(X, "columns", None)
    if kind == "detector":
        yb = common.binary_labels(y)
        if y is not None and yb is None:
            doc.sections[-1].note("No ROC curve: the labels are not 0 and 1 (or two words, "
                                  "one meaning anomaly), some are missing, or only one "
                                  "class is present.")
        return detection.detector_sections(doc, estimator, X, yb, X_train, image_shape,
                                           seed, idx)
    metrics: dict[str, float] = {}
    conditional = bool(len(getattr(estimator, "classes_", ())))
    if conditional and y is None:
        doc.sections[-1].note("This VAE is conditional: give its labels (y in Python, "
                              "--label-column on the command line) to see its "
                              "reconstructions and latent map.")
    else:
        err = reduction.reconstruction_section(doc, estimator, X, y, image_shape, names,
                                               rows=idx)  # fmt: skip
        reduction.latent_section(doc, estimator, X, y, latent_map, seed)
        metrics = reduction.pca_section(doc, estimator, X, X_train, err, seed)
    if hasattr(estimator, "sample"):
        reduction.samples_section(doc, estimator, image_shape, names, seed)
    return metrics


class Report:
    """An HTML report built section by section from one or more fitted estimators.

    Parameters
    ----------
    title : str
    subtitle : str

    Examples
    --------
    >>> rep = Report("digits")                                   # doctest: +SKIP
    >>> rep.add_estimator(ae, X_test, y_test, X_train=X_train)   # doctest: +SKIP
    >>> rep.save("report.html")                                  # doctest: +SKIP
    """

    def __init__(self, title: str = "aekit report", subtitle: str = "") -> None:
        self.document = Document(title, subtitle)
        self.metrics: dict[str, float] = {}

    def add_estimator(
        self,
        estimator: Any,
        X: Any,
        y: Any = None,
        *,
        X_train: Any = None,
        timestamps: Any = None,
        image_shape: tuple[int, ...] | None = None,
        latent_map: str = "pca",
        max_rows: int = 5000,
        source: str | None = None,
        heading: str | None = None,
        random_state: int | None = 0,
    ) -> Report:
        """Add the sections that fit ``estimator``'s task, computed on ``X``.

        Parameters
        ----------
        estimator : fitted AutoEncoder, VAE, AnomalyDetector or TimeSeriesDetector
        X : array-like or DataFrame
            Rows to report on, ``(n, ...)``; for a TimeSeriesDetector the series
            ``(T,)`` or ``(T, channels)``.
        y : array-like of shape (n,) or (n, 1), optional
            Class labels (the latent map is coloured by them) or, for detectors,
            0/1 anomaly labels (ROC and precision-recall curves). A single
            column is read as its values.
        X_train : array-like, optional
            The training data: the baselines (PCA, IsolationForest) are fitted on
            it; without it they are fitted on ``X``, which the report states. It
            must have ``X``'s columns (a DataFrame, in any order) or its width
            (an array, read in ``X``'s column order).
        timestamps : array-like of shape (T,), optional
            Time axis of a series.
        image_shape : tuple of int, optional
            Draw table rows as images of this shape: ``(height, width)`` (e.g.
            ``(8, 8)`` for digits) or ``(channels, height, width)``; its product
            must be the number of values in a row.
        latent_map : {'pca', 'tsne'}
            How codes of more than two dimensions are mapped to the plane.
        max_rows : int
            Rows drawn at random (fixed seed) when ``X`` has more; at least 1.
        source : str, optional
            Where the data came from, shown in the data summary.
        heading : str, optional
            Title of the data section.
        random_state : int or None
            Seed of the row draw, t-SNE and the baselines; None draws differently
            each time.

        Returns
        -------
        self

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        ValueError
            For a bad option, labels of the wrong length or of several
            columns, or an ``X_train`` whose columns differ from ``X``'s.
            A call that raises adds nothing to the report.
        """
        if latent_map not in LATENT_METHODS:
            raise ValueError(f"latent_map must be one of {LATENT_METHODS}, got {latent_map!r}")
        _check_options(max_rows, random_state)
        y, timestamps = _one_per_row(X, "y", y), _one_per_row(X, "timestamps", timestamps)
        kind = _kind(estimator)
        image_shape = _check_image_shape(image_shape, X, kind)
        X_train = common.conform_train(X, X_train, estimator, series=kind == "series")
        seed = None if random_state is None else int(random_state)
        # Built apart and attached only once complete: a call that fails part-way
        # (a model error, an interrupt) leaves the report as it was, and can be retried.
        scratch = Document(self.document.title)
        metrics = _sections(scratch, estimator, kind, X, y, X_train=X_train,
                            timestamps=timestamps, image_shape=image_shape,
                            latent_map=latent_map, max_rows=max_rows, source=source,
                            heading=heading, seed=seed)  # fmt: skip
        self.document.sections.extend(scratch.sections)
        self.metrics.update(metrics)
        return self

    def section(self, title: str):
        """Start a free-form section (text, tables, figures); see :class:`~.html.Section`."""
        return self.document.section(title)

    def to_html(self) -> str:
        """The report as one HTML string."""
        return self.document.render()

    def save(self, path: str | os.PathLike) -> Path:
        """Write the report; parent folders are created. Returns the path.

        The file is written beside ``path`` and then moved onto it, so a write
        that fails half-way leaves an earlier report at ``path`` as it was; a
        report replaced keeps its permissions, as a re-saved model does.
        """
        from aekit.io.archive import replace_keeping_mode, temp_beside

        path = _check_output(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        html = self.to_html()
        tmp = temp_beside(path, ".tmp")
        try:
            tmp.write_text(html, encoding="utf-8")
            replace_keeping_mode(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        logger.info("wrote report %s", path)
        return path


def _check_output(path: str | os.PathLike) -> Path:
    """``path`` as a Path; refused when it is a folder (checked before any work)."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder: give the report's file name, such as "
                                f"{path / 'report.html'}")  # fmt: skip
    return path


def make_report(
    estimator: Any,
    X: Any,
    y: Any = None,
    path: str | os.PathLike = "report.html",
    *,
    title: str | None = None,
    **options: Any,
) -> Path:
    """Write the HTML report of a fitted estimator on data ``X``.

    One self-contained file: data summary, model, loss curves, and what fits
    the task: reconstructions, latent map, PCA comparison and samples for an
    AutoEncoder/VAE; the score histogram with the threshold, ROC and
    precision-recall curves (with 0/1 labels), IsolationForest comparison and
    the most anomalous rows for a detector; the series with scores and
    flagged spans for a TimeSeriesDetector.

    Parameters
    ----------
    estimator : fitted aekit estimator
    X : array-like or DataFrame of shape (n, ...), or a series (T,) / (T, channels)
    y : array-like of shape (n,) or (n, 1), optional
        Class labels, or 0/1 anomaly labels for detectors.
    path : str or path-like
    title : str, optional
    **options
        Passed to :meth:`Report.add_estimator` (``X_train``, ``timestamps``,
        ``image_shape``, ``latent_map``, ``max_rows``, ``source``, ``random_state``).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    IsADirectoryError
        If ``path`` is a folder (checked before the report is computed).
    """
    title = title or f"aekit report: {type(estimator).__name__}"
    _check_output(path)
    return Report(title).add_estimator(estimator, X, y, **options).save(path)
