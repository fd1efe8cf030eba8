"""Read data files into arrays and tables: CSV/TSV, Parquet, .npy/.npz, image folders, series.

Every reader returns a :class:`Dataset` and raises a :class:`DataError` (a
``ValueError``) whose one-line message names the file and what is wrong with
it, so the command-line tool can show it as it is. pandas, pyarrow and Pillow
are imported only by the reader that needs them.
"""

from __future__ import annotations

import os

from aekit.readers._base import (
    IMAGE_SUFFIXES,
    DataError,
    Dataset,
    MissingDependencyError,
    ReadOptions,
    file_kind,
)
from aekit.readers.images import read_images
from aekit.readers.series import read_series, sliding_windows
from aekit.readers.tables import check_columns, iter_table_chunks, read_array, read_table

__all__ = [
    "IMAGE_SUFFIXES",
    "DataError",
    "Dataset",
    "MissingDependencyError",
    "ReadOptions",
    "check_columns",
    "file_kind",
    "iter_table_chunks",
    "read_array",
    "read_data",
    "read_images",
    "read_series",
    "read_table",
    "sliding_windows",
]


def read_data(path: str | os.PathLike, options: ReadOptions | None = None) -> Dataset:
    """Read any supported file into a :class:`Dataset`.

    Parameters
    ----------
    path : str or path-like
        A CSV/TSV/Parquet table, a .npy/.npz array, or a folder of images (PNG,
        JPEG, BMP, TIFF, WebP, GIF).
    options : ReadOptions, optional

    Returns
    -------
    Dataset
    """
    options = options or ReadOptions()
    kind = file_kind(path)
    if kind in ("images", "npy", "npz"):
        table_only = {"label column": options.label_column, "drop columns": options.drop_columns,
                      "timestamp column": options.timestamp_column}  # fmt: skip
        given = [k for k, v in table_only.items() if v]
        if given:
            where = "subfolder names" if kind == "images" else "the 'y' array of a .npz"
            raise DataError(f"{path}: a {given[0]} applies to tables only; "
                            f"{'an image folder' if kind == 'images' else 'an array'} "
                            f"takes its labels from {where}")  # fmt: skip
    if kind == "images":
        return read_images(path, options.image_size, options.color)
    if kind in ("npy", "npz"):
        return read_array(path)
    if options.timestamp_column is not None:
        return read_series(path, options)
    return read_table(path, options)
