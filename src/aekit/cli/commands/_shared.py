"""Helpers used by more than one command (not a command itself: the name starts with _)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aekit.cli._errors import CLIError
from aekit.report.summary import takes_windows


def model_label(model: Any) -> str:
    """'an AutoEncoder', 'a VAE'..."""
    name = type(model).__name__
    return f"{'an' if name[0] in 'AEIOU' else 'a'} {name}"


def require_autoencoder(model: Any, command: str) -> Any:
    """The model itself if it is an AutoEncoder/VAE, else a one-line error."""
    if not (hasattr(model, "module_") and hasattr(model, "transform")):
        raise CLIError(f"`aekit {command}` needs an AutoEncoder or VAE model, but the file "
                       f"holds {model_label(model)}")  # fmt: skip
    return model


def autoencoder_input(args: argparse.Namespace, model: Any, path: str | None = None):
    """Rows of ``path`` (default ``args.data``) for an autoencoder: table, images or series windows.

    Returns
    -------
    X : ndarray or DataFrame
    ids : dict of str to array
        Columns identifying each output row (file, timestamp, label).
    y : ndarray or None
        Labels, passed to a conditional VAE.
    """
    from aekit.cli._options import match_model, model_labels, read_for_model, read_options
    from aekit.cli._outputs import id_columns, written_index

    conditional = bool(len(getattr(model, "classes_", ())))
    stride = getattr(args, "stride", 1)
    if not takes_windows(model) and stride != 1:
        raise CLIError("--stride applies to a model of series windows (fitted with --window); "
                       "this one takes each row as it is", 2)  # fmt: skip
    if takes_windows(model):
        import numpy as np

        from aekit.cli._options import refuse_unordered_series, say
        from aekit.readers import check_columns, read_data, sliding_windows

        path = args.data if path is None else path
        data = read_data(path, read_options(args, keep=getattr(model, "window_columns_", None)))
        refuse_unordered_series(model, data)
        if data.kind == "array" and np.ndim(data.X) == 3:  # windows already cut
            if stride != 1:
                raise CLIError(f"{data.source}: holds windows already cut, so --stride does not "
                               "apply: leave it out", 2)  # fmt: skip
            X = match_model(model, data, args)
            return X, {"row": np.arange(len(X)), **id_columns(data, len(X), args.output)}, None
        length = int(model.input_shape_[-1])
        names = getattr(model, "window_columns_", None)
        values = data.X
        if names is not None and hasattr(values, "columns"):
            # Renamed or swapped channels would otherwise be scored without a word.
            values, extra = check_columns(values, names, data.source)
            extra = [*data.extra.get("left_out", []), *extra]
            if extra:
                say(args, f"note: {data.source}: columns not used by the model are left "
                    f"out: {', '.join(extra)}")  # fmt: skip
        values = np.asarray(values, dtype=float)
        X = sliding_windows(values, length, stride)  # (n, C, L)
        X = match_model(model, type(data)(X=X, kind="array", source=data.source), args)
        ends = np.arange(length - 1, len(values), stride)[: len(X)]
        index = written_index(data, args.output)
        ids = {"timestamp" if index is not None else "end_step":
               (index[ends] if index is not None else ends)}  # fmt: skip
        if data.y is not None:
            ids["label"] = np.asarray(data.y)[ends]  # each window's last step, as its time
        return X, ids, None
    X, data = read_for_model(args, model, args.data if path is None else path)
    if conditional and data.y is None:
        raise CLIError("this VAE is conditional: give the classes with --label-column")
    ids = id_columns(data, len(X), args.output)  # the labels as the file wrote them
    return X, ids, model_labels(model, data.y) if conditional else None


def training_windows(args: argparse.Namespace, data):
    """``(windows (n, C, L), column names)`` for an autoencoder fitted on a series, else ``None``.

    Refuses --window and --stride for data that is not a series, and a series
    without --window.
    """
    if data.kind != "series":
        if args.window is not None or args.stride != 1:
            raise CLIError("--window and --stride are for a time series: read the file as one "
                           "with --timestamp-column", 2)  # fmt: skip
        return None
    if args.window is None:
        raise CLIError("a time series needs --window (the window length in steps)", 2)
    import numpy as np

    from aekit.readers import sliding_windows

    columns = [str(c) for c in getattr(data.X, "columns", [])]
    return sliding_windows(np.asarray(data.X, float), args.window, args.stride), columns


def class_labels(args: argparse.Namespace, data):
    """The labels a conditional VAE is fitted with (``--conditional``), else None.

    Refuses --conditional where the data gives no class per sample, saying
    where the classes come from for that kind of data.
    """
    if not getattr(args, "conditional", False):
        return None
    if data.kind == "series":
        raise CLIError("--conditional is for tables, images and arrays: the windows of a "
                       "series have no class each", 2)  # fmt: skip
    if data.y is None:
        where = {"images": "put each class's images in a subfolder named after it "
                           "(folder/cat/1.png)",
                 "array": "save them as 'y' in a .npz file beside 'X'"}  # fmt: skip
        raise CLIError("--conditional needs the classes: "
                       + where.get(data.kind, "give --label-column"), 2)  # fmt: skip
    from aekit.cli._options import model_labels

    return model_labels(None, data.y)


def write_images(images, names, folder: str) -> None:
    """Write ``(n, H, W)`` / ``(n, C, H, W)`` arrays as 8-bit PNG files under ``folder``.

    Each image keeps its name with the suffix ``.png``; names that would then
    clash (``a.jpg`` and ``a.png``) keep their own suffix too (``a_jpg.png``).

    Values in [0, 1] (images read from files), give or take a tenth, are
    written as they are, clipped to [0, 1]; anything else (a model trained on
    0-255 or 0-16 pixels) is min-max scaled over all the images together, so
    that they stay comparable, instead of clipped to white.
    """
    from collections import Counter

    import numpy as np
    from PIL import Image

    out = Path(folder)
    arr = np.asarray(images, dtype=float)
    if arr.ndim == 4:
        arr = arr[:, 0] if arr.shape[1] == 1 else np.moveaxis(arr, 1, -1)
    lo, hi = float(arr.min()), float(arr.max())
    if not (lo >= -0.1 and hi <= 1.1):
        arr = (arr - lo) / max(hi - lo, 1e-12)
    arr = (np.clip(arr, 0.0, 1.0) * 255).round().astype(np.uint8)
    targets = [Path(str(name)).with_suffix(".png") for name in names]
    clash = {t for t, k in Counter(targets).items() if k > 1}
    # a.jpg and a.png would both become a.png: those keep their suffix in the name.
    targets = [
        t.with_name(f"{Path(str(n)).stem}_{Path(str(n)).suffix[1:]}.png") if t in clash else t
        for t, n in zip(targets, names)
    ]
    for a, target in zip(arr, targets):
        path = out / target
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(a).save(path)
