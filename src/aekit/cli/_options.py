"""Options and helpers shared by the commands: data options, model loading and matching.

Output files are in :mod:`aekit.cli._outputs`.

Only the standard library is imported at module level (``aekit --help`` must
stay fast); numpy, pandas and the readers come in inside the functions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from aekit.cli._errors import CLIError


# ------------------------------------------------------------------- parsing
def image_size(value: str) -> tuple[int, int]:
    """'28' or '28x28' or '32,24' -> (height, width)."""
    parts = value.lower().replace(",", "x").split("x")
    try:
        size = tuple(int(p) for p in parts)
    except ValueError:
        size = ()
    if len(size) == 1:
        size = size * 2
    if len(size) != 2 or min(size) < 1:
        raise argparse.ArgumentTypeError(f"expected HEIGHTxWIDTH or one size, got {value!r}")
    return size  # type: ignore[return-value]


def column_list(value: str) -> list[str]:
    """'a,b,c' -> ['a', 'b', 'c']."""
    return [c.strip() for c in value.split(",") if c.strip()]


def positive_int(value: str) -> int:
    """An integer >= 1."""
    try:
        v = int(value)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return v


def positive_float(value: str) -> float:
    """A finite number > 0."""
    try:
        v = float(value)
    except ValueError:
        v = -1.0
    if not 0 < v < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return v


def finite_float(value: str) -> float:
    """Any finite number: 'nan' would flag no row, 'inf' none either, without a word."""
    import math

    try:
        v = float(value)
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {value!r}")
    return v


def fraction(value: str) -> float:
    """A number in (0, 0.5]."""
    try:
        v = float(value)
    except ValueError:
        v = -1.0
    if not 0 < v <= 0.5:
        raise argparse.ArgumentTypeError(f"expected a share in (0, 0.5], got {value!r}")
    return v


def add_data_options(parser: argparse.ArgumentParser, series: bool = True) -> None:
    """--label-column, --drop-columns, --sep, --no-header, --image-size, --color...

    ... and, with ``series``, --timestamp-column.
    """
    g = parser.add_argument_group("data options")
    g.add_argument("--label-column", metavar="NAME",
                   help="column with labels, left out of the features and written to "
                   "outputs as the file writes them (an id column can go through): the classes "
                   "of --conditional (fit, tune); in a report, classes colour the latent map "
                   "and 0/1 anomaly labels give ROC curves")
    g.add_argument("--drop-columns", type=column_list, action="extend", default=[],
                   metavar="A,B", help="columns to leave out (ids, free text), comma-separated")
    g.add_argument("--sep", help="field separator of a text table (default: comma; tab for .tsv)")
    g.add_argument("--no-header", action="store_true",
                   help="the text table has no header row: its first row is data, and the "
                   "columns are named x0, x1, ... in file order")  # fmt: skip
    g.add_argument("--image-size", type=image_size, metavar="HxW",
                   help="resize the images of a folder to this size (default: the model's, "
                   "or the images' own size when they all agree)")
    g.add_argument("--color", choices=("grayscale", "rgb"), default=None,
                   help="read images as grayscale (default) or RGB")  # fmt: skip
    if series:
        g.add_argument("--timestamp-column", metavar="NAME",
                       help="read the table as a time series ordered by this column")


def add_output_option(parser: argparse.ArgumentParser, what: str, required: bool = False) -> None:
    """-o/--output for a result table."""
    parser.add_argument("-o", "--output", required=required, metavar="FILE",
                        help=f"{what} (.csv, .tsv, .parquet or .npy, which keeps the numeric "
                             "columns only; default: CSV on stdout)")


# ------------------------------------------------------------------- messages
def say(args: argparse.Namespace, message: str) -> None:
    """A status line on stderr, unless --quiet (stdout stays free for results)."""
    if not args.quiet:
        print(message, file=sys.stderr)


def verbosity(args: argparse.Namespace) -> int:
    """Estimator ``verbose``: a progress bar on a terminal, nothing when quiet."""
    return 0 if args.quiet else 1


# ---------------------------------------------------------------------- input
def refuse_unused_data_options(args: argparse.Namespace) -> None:
    """Refuse --image-size/--color but for an image folder, --sep/--no-header but for a text table.

    Given where they do nothing, the user would not know it. With two files
    (``report DATA --train TRAIN``) an option is refused only when it applies
    to neither: ``--sep`` for a CSV beside a Parquet file is needed. (The
    readers refuse the table options for images and arrays themselves.)
    """
    from aekit.readers import DataError, file_kind

    kinds = {}
    for name in ("data", "train"):
        given = getattr(args, name, None)
        if not isinstance(given, str) or not Path(given).exists():
            continue
        try:
            kinds[given] = file_kind(given)
        except DataError:
            continue  # the command says what is wrong with it
    if not kinds:
        return
    options = (("--image-size", getattr(args, "image_size", None), "images"),
               ("--color", getattr(args, "color", None), "images"),
               ("--sep", getattr(args, "sep", None) is not None, "table"),
               ("--no-header", getattr(args, "no_header", False), "table"))  # fmt: skip
    unused = [o for o, given, kind in options if given and kind not in kinds.values()]
    if unused:
        what = {"images": "a folder of images", "table": "a text table",
                "parquet": "a Parquet table"}  # fmt: skip
        files = " and ".join(f"{f}, which is {what.get(k, 'an array')}" for f, k in kinds.items())
        one = len(unused) == 1
        raise CLIError(f"{' and '.join(unused)} {'does' if one else 'do'} not apply to "
                       f"{files} (--image-size and --color are for folders of images, --sep "
                       f"and --no-header for CSV/TSV files): leave "
                       f"{'it' if one else 'them'} out", 2)  # fmt: skip


def read_options(args: argparse.Namespace, allow_text: bool = False, image_size=None,
                 color: str | None = None, text_columns=(), keep=None):  # fmt: skip
    """The :class:`~aekit.readers.ReadOptions` given on the command line.

    ``text_columns`` are read as text (see :func:`text_columns`); ``keep``, a
    model's column names, leaves every other column out before it is checked;
    an ``args.label_optional`` set by a command lets a file lack the label column.
    """
    from aekit.readers import ReadOptions

    return ReadOptions(
        label_column=args.label_column,
        drop_columns=tuple(args.drop_columns),
        sep=args.sep,
        header=not getattr(args, "no_header", False),
        image_size=args.image_size or image_size,
        color=args.color or color or "grayscale",
        timestamp_column=getattr(args, "timestamp_column", None),
        allow_text=allow_text,
        text_columns=tuple(text_columns),
        label_optional=bool(getattr(args, "label_optional", False)),
        keep_columns=None if keep is None else tuple(keep),
    )


def load_model(path: str, device: str = "auto"):
    """Load a model file onto ``device`` (--device); a missing or bad file is a one-line error.

    'auto' keeps the device the model was saved for (CUDA when present and
    asked for then, else the CPU); anything else moves every network there.
    """
    if not Path(path).exists():
        raise CLIError(f"{path}: no such model file")
    from aekit.io import load

    model = load(path)
    if device != "auto":
        from aekit.report.summary import autoencoders_of
        from aekit.training.device import resolve_device

        target = resolve_device(device)
        for est in (model, *autoencoders_of(model)):
            if "device" in est.get_params(deep=False):
                est.set_params(device=device)
            if hasattr(est, "module_"):
                est.module_.to(target)
    return model


def feature_names(model: Any) -> list[str] | None:
    """Column names the model was fitted on, if it was fitted on a table with names."""
    names = getattr(model, "feature_names_in_", None)
    return None if names is None else [str(n) for n in names]


def sample_shape(model: Any) -> tuple[int, ...] | None:
    """Per-sample shape a model expects (an image's (H, W) or (C, H, W)), if it knows one."""
    for attr in ("image_shape_", "input_shape_"):
        shape = getattr(model, attr, None)
        if shape is not None:
            return tuple(int(s) for s in shape)
    return None


def accepts_text(model: Any) -> bool:
    """Whether the model encodes text (categorical) columns itself."""
    return hasattr(model, "encoder_") or type(model).__name__ == "AnomalyDetector"


def text_columns(model: Any) -> list[str]:
    """Names of the columns a detector one-hot encodes (it was fitted on them as text)."""
    enc = getattr(model, "encoder_", None)
    if enc is None or not getattr(enc, "named_", True):
        return []
    return [enc.columns_[i] for i in enc.categorical_]


def image_read_settings(model: Any) -> tuple[tuple[int, int] | None, str | None]:
    """Image size and colour to read a folder with, from the model's input shape."""
    shape = sample_shape(model)
    if shape is None or len(shape) not in (2, 3):
        return None, None
    color = "rgb" if len(shape) == 3 and shape[0] == 3 else "grayscale"
    return (shape[-2], shape[-1]), color


def _model_takes(model: Any) -> str:
    """What a model was trained on, in words: 'images', 'a series' or 'a table'."""
    from aekit.report.summary import takes_windows

    if type(model).__name__ == "TimeSeriesDetector" or takes_windows(model):
        return "a series"
    shape = sample_shape(model)
    return "images" if shape is not None and len(shape) >= 2 else "a table"


def refuse_unordered_series(model: Any, data) -> None:
    """Refuse a series model's data read as a plain table while a column of it holds dates.

    The model file does not keep the timestamp column's name, so without
    --timestamp-column the rows would be taken in file order, unsorted and
    unchecked, and the dates left out as a column the model does not use.
    ``--drop-columns`` on that column says the file order is meant.
    """
    dated = data.extra.get("left_out_dates")
    if data.kind == "series" or not dated or _model_takes(model) != "a series":
        return
    col = dated[0]
    raise CLIError(f"{data.source}: column {col!r} holds dates and the model was trained on a "
                   f"series: read the file as one with --timestamp-column {col}, which orders "
                   "and checks the steps (or take the rows in file order with --drop-columns "
                   f"{col})")  # fmt: skip


def _same_layout(got: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """Whether samples of shape ``got`` are the model's ``shape`` with its values in order.

    Flat rows ``(H*W,)`` and shapes that differ only by axes of length 1
    (``(H, W)`` for ``(1, H, W)``) are; a transposed or channels-last
    ``(H, W, 3)`` sample holds as many values, which a reshape would scramble.
    """
    import numpy as np

    if len(got) == 1:
        return got[0] == int(np.prod(shape))
    return [d for d in got if d != 1] == [d for d in shape if d != 1]


def match_model(model: Any, data, args: argparse.Namespace):
    """The features of ``data`` the way ``model`` takes them, or a one-line error.

    Tables are checked against the model's column names (missing ones are an
    error, extra ones are left out with a note); arrays and images against
    its sample shape.
    """
    import numpy as np

    takes = _model_takes(model)
    refuse_unordered_series(model, data)
    if data.kind == "images" and takes != "images":
        raise CLIError(f"{data.source}: a folder of images, but the model was trained on {takes}")
    if takes == "images" and data.kind in ("table", "series"):
        raise CLIError(f"{data.source}: a {data.kind}, but the model was trained on images of "
                       f"shape {sample_shape(model)}: give it a folder of images")  # fmt: skip
    X = data.X
    names = feature_names(model)
    if hasattr(X, "columns"):
        if names is not None:
            from aekit.readers import check_columns

            X, extra = check_columns(X, names, data.source)
            extra = [*data.extra.get("left_out", []), *extra]
            if extra:
                say(args, f"note: {data.source}: columns not used by the model are left "
                    f"out: {', '.join(extra)}")
            return X
        # A detector fitted without string column names still encodes text
        # columns itself: by position, as objects.
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        numeric = all(is_numeric_dtype(t) or is_bool_dtype(t) for t in X.dtypes)
        X = X.to_numpy(dtype=float if numeric or not accepts_text(model) else object)
    expected = getattr(model, "n_features_in_", None)
    shape = sample_shape(model)
    got = X.shape[1:]
    if shape is not None and len(shape) >= 2 and tuple(got) != shape:
        if _same_layout(tuple(got), shape):
            return np.asarray(X).reshape(len(X), *shape)
        hint = ""
        if data.kind == "images" and tuple(got[-2:]) == tuple(shape[-2:]):
            # The size is right: the channels differ (grey against colour).
            hint = (f" (the model takes {'colour' if len(shape) == 3 else 'grey'} images: "
                    f"leave --color out to read them as it does)" if getattr(args, "color", None)
                    else "")  # fmt: skip
        elif data.kind == "images":
            hint = (f" (--image-size is HEIGHTxWIDTH: leave it out to read the images at "
                    f"{shape[-2]}x{shape[-1]})" if getattr(args, "image_size", None)
                    else " (pass --image-size)")  # fmt: skip
        raise CLIError(f"{data.source}: samples have shape {tuple(got)}, the model was trained "
                       f"on shape {shape}{hint}")  # fmt: skip
    rows = shape[0] if shape is not None and len(shape) == 1 else None
    rows = expected if shape is None else rows  # a table detector keeps no input_shape_
    if rows is not None and len(got) != 1:
        raise CLIError(f"{data.source}: samples have shape {tuple(got)}, but the model was "
                       f"trained on rows of {rows} features")  # fmt: skip
    if expected is not None and len(got) == 1 and got[0] != expected:
        raise CLIError(f"{data.source}: {got[0]} feature columns, but the model was trained on "
                       f"{expected}")  # fmt: skip
    return X


def read_for_model(args: argparse.Namespace, model: Any, path: str):
    """Read ``path`` with the command's data options, shaped for ``model``.

    Returns
    -------
    (X, Dataset)
    """
    from aekit.readers import read_data

    size, color = image_read_settings(model)
    opts = read_options(args, accepts_text(model), size, color, text_columns(model),
                        feature_names(model))  # fmt: skip
    data = read_data(path, opts)
    return match_model(model, data, args), data


def model_labels(model: Any, y: Any) -> Any:
    """Labels as read (text from a CSV/TSV file) in the type ``model`` uses them.

    Output files get the labels as read; this is for what the model does with
    them. Labels that are all numbers are numbers to a model: whole ones int64,
    so a conditional VAE fitted on a CSV has the classes 0, 1, 2 that the same
    data gives from Parquet or .npz (the file's "007" is class 7), and a report
    draws 0/1 anomaly labels as ROC curves and a numeric target as a colour
    bar. A fitted conditional VAE gets them in the type of its classes.

    Parameters
    ----------
    model : estimator or None
        None for labels a model is about to be fitted with.
    y : ndarray of shape (n,) or None

    Returns
    -------
    ndarray of shape (n,) or None
        ``y`` itself when it is not text or cannot be read that way; the
        model's own message then says what does not fit.
    """
    import numpy as np
    import pandas as pd

    if y is None or np.asarray(y).dtype.kind != "O":
        return y
    text = pd.Series(np.asarray(y))
    classes = np.asarray(getattr(model, "classes_", ()))
    if len(classes) and classes.dtype.kind not in "biuf":
        return y
    if classes.dtype.kind == "b" and len(classes):
        words = text.str.strip().str.lower().map({"true": True, "false": False})
        return y if words.isna().any() else words.to_numpy(dtype=bool)
    num = pd.to_numeric(text, errors="coerce")
    if not (num.isna() == text.isna()).all():
        return y  # some label is not a number
    # Whole numbers come as int64 ("7" is class 7, as a Parquet or .npz file gives it).
    num = num.to_numpy()
    if not len(classes):
        return num
    kept = num.astype(classes.dtype)
    # 7.5 would become class 7: only labels the classes hold exactly are converted.
    return kept if not np.isnan(num).any() and np.array_equal(kept, num) else y
