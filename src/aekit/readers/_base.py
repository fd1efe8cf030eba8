"""What every reader shares: options, the result type, errors, and the file-type rule."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif")
#: The same, in words, for messages.
IMAGE_FORMATS = "PNG, JPEG, BMP, TIFF, WebP or GIF"


class DataError(ValueError):
    """A data file is missing, unreadable or does not hold what is expected."""


class MissingDependencyError(ImportError):
    """An optional package needed for this file type is not installed."""


@dataclass(frozen=True)
class ReadOptions:
    """How to turn a file into model input.

    Parameters
    ----------
    label_column : str or None
        Column holding labels; removed from the features and returned as ``y``,
        as text the way a CSV/TSV file writes them (a Parquet column keeps its type).
    drop_columns : tuple of str
        Columns to leave out (ids, free text...).
    sep : str or None
        Field separator; None guesses from the suffix (tab for .tsv/.tab).
    header : bool
        The first row of a CSV/TSV file names the columns. False reads it as
        data and names the columns x0, x1, ... in file order.
    image_size : (int, int) or None
        (height, width) every image is resized to; None requires equal sizes.
    color : {'grayscale', 'rgb'}
        Grayscale images give ``(n, H, W)``, RGB ``(n, 3, H, W)``; values in [0, 1].
    timestamp_column : str or None
        Read the file as a time series ordered by this column.
    allow_text : bool
        Keep whole text columns (categorical features) instead of refusing them.
    text_columns : tuple of str
        Columns read as text whatever they hold (the text columns a model was
        fitted on), so that a block of a file that holds only numbers or empty
        cells there reads the same as the whole file.
    label_optional : bool
        A file without ``label_column`` is read with no labels instead of
        refused (normal training data often has none).
    keep_columns : tuple of str or None
        The columns a model was fitted on: any other column (besides the
        label) is left out before its values are checked, so that a column
        the model does not use cannot make the file unreadable; their names
        are in ``Dataset.extra['left_out']``, and those of the ones holding
        dates in ``extra['left_out_dates']``. Applied only when the file has
        all of them. None keeps every column.
    """

    label_column: str | None = None
    drop_columns: tuple[str, ...] = ()
    sep: str | None = None
    header: bool = True
    image_size: tuple[int, int] | None = None
    color: str = "grayscale"
    timestamp_column: str | None = None
    allow_text: bool = False
    text_columns: tuple[str, ...] = ()
    label_optional: bool = False
    keep_columns: tuple[str, ...] | None = None


@dataclass
class Dataset:
    """What a reader found in a file.

    Attributes
    ----------
    X : ndarray or pandas.DataFrame
        Features: a table ``(n, d)`` (a DataFrame keeps the column names),
        images ``(n, H, W)`` / ``(n, 3, H, W)``, a series ``(T, channels)``, or
        any ``(n, ...)`` array from .npy/.npz.
    y : ndarray of shape (n,) or None
        Labels, from the label column (the text a CSV/TSV file holds, NaN where
        empty), an image's subfolder or the ``y`` array of a .npz.
    kind : {'table', 'array', 'images', 'series'}
    index : ndarray of shape (n,) or None
        Row identity: image file names or parsed timestamps (a series'
        ``extra["index_as_written"]`` holds its timestamps as the file wrote them).
    source : str
        The path read.
    """

    X: Any
    y: np.ndarray | None = None
    kind: str = "table"
    index: np.ndarray | None = None
    source: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def feature_names(self) -> list[str] | None:
        """Column names of a table or series, else None."""
        cols = getattr(self.X, "columns", None)
        return None if cols is None else [str(c) for c in cols]


def file_kind(path: str | os.PathLike) -> str:
    """'images' (a folder), 'npy', 'npz', 'parquet' or 'table' (CSV/TSV/text) from the path."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file or folder")
    if p.is_dir():
        return "images"
    suffixes = [s.lower() for s in p.suffixes]
    last = suffixes[-1] if suffixes else ""
    if last in (".gz", ".bz2", ".zip", ".xz", ".zst") and len(suffixes) > 1:
        last = suffixes[-2]
    if last in (".npy", ".npz"):
        return last[1:]
    if last in (".parquet", ".pq"):
        return "parquet"
    if last in (".csv", ".tsv", ".tab", ".txt", ""):
        return "table"
    raise DataError(
        f"{p}: unknown file type {last!r}; expected .csv, .tsv, .parquet, .npy, .npz "
        "or a folder of images"
    )
