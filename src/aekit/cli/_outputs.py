"""Output files of the commands: which names may be written, and writing them whole.

Only the standard library is imported at module level (``aekit --help`` must
stay fast); numpy and pandas come in inside the functions.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from aekit.cli._errors import CLIError

#: Suffixes a table output may have; anything else is refused.
TABLE_OUTPUTS = (".csv", ".tsv", ".parquet", ".npy")
#: Suffixes of data files and reports, refused as the name of a model file.
NOT_MODEL_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".parquet", ".pq", ".npy", ".npz", ".json",
                      ".html", ".htm", ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff",
                      ".webp", ".gif")  # fmt: skip


def check_output_path(path: str | None, allowed: tuple[str, ...] = TABLE_OUTPUTS) -> None:
    """Refuse an output suffix we cannot write, before any long work starts."""
    if path is None:
        return
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise CLIError(f"{path}: cannot write {suffix or 'files without a suffix'}; "
                       f"use one of {', '.join(allowed)}", 2)  # fmt: skip


def check_model_output(path: str, command: str) -> None:
    """Refuse a model file name that is a data file's, or an existing file that is no model.

    ``aekit fit train.csv -o test.csv`` (``-o`` as in ``encode -o codes.csv``)
    would replace the test data with a zip archive. Checked before training.
    An empty file (``mktemp --suffix=.aekit``) holds nothing to lose and may
    be replaced.
    """
    from aekit.io.archive import check_writable, is_model_file

    check_writable(path)
    suffixes = [s.lower() for s in Path(path).suffixes]
    if len(suffixes) > 1 and suffixes[-1] in (".gz", ".bz2", ".xz", ".zst"):
        suffixes.pop()  # data.csv.gz
    if suffixes and suffixes[-1] in NOT_MODEL_SUFFIXES:
        raise CLIError(f"{path}: a {suffixes[-1]} name is for data, not for the model file "
                       f"`aekit {command}` writes: give it a name such as model.aekit",
                       2)  # fmt: skip
    if not Path(path).is_file() or Path(path).stat().st_size == 0:
        return
    try:
        is_model = is_model_file(path)
    except OSError as e:
        raise CLIError(f"{path}: the file exists but cannot be read ({e.strerror or e}), so "
                       f"aekit cannot tell whether it is a model file `aekit {command}` may "
                       "replace: make it readable, remove it or give another name"
                       ) from e  # fmt: skip
    if not is_model:
        raise CLIError(f"{path}: the file exists and is not an aekit model file, which "
                       f"`aekit {command}` would replace: remove it or give another name",
                       2)  # fmt: skip


def check_output_folder(path: str) -> None:
    """Refuse an image output folder that is a file or already holds files.

    Written into, the new images would mix with the old ones, and a shorter
    run would leave files of an earlier one beside its own without a word.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise CLIError(f"{path}: exists and is not a folder; images need a new or empty "
                       "folder", 2)  # fmt: skip
    if out.is_dir() and any(out.iterdir()):
        raise CLIError(f"{path}: the folder already holds files, which the images would mix "
                       "with (or replace): give a new or empty folder", 2)  # fmt: skip


def refuse_input_as_output(args: argparse.Namespace) -> None:
    """Refuse an ``--output`` that is one of the command's inputs (MODEL, DATA, --train).

    Writing there would destroy the input, in the middle of reading it for a
    streamed score.
    """
    out = getattr(args, "output", None)
    if out is None or not Path(out).exists():
        return
    for name in ("model", "data", "train"):
        given = getattr(args, name, None)
        if isinstance(given, str) and Path(given).exists() and Path(out).samefile(given):
            raise CLIError(f"{out}: the output is the input {given} ({name.upper()}); writing "
                           "it would destroy that input: choose another output", 2)  # fmt: skip


@contextlib.contextmanager
def replaced_on_success(path: str | Path):
    """Yield a temporary path next to ``path``; move it onto ``path`` only if the block succeeds.

    A command that fails half-way then leaves an earlier result at ``path`` as
    it was, instead of a truncated file or none.
    """
    from aekit.io.archive import replace_keeping_mode, temp_beside

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(out, ".tmp")
    try:
        yield tmp
        replace_keeping_mode(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _numeric_columns(frame):
    """The columns of numbers, with labels read as text ("0", "1") that float64 holds exactly."""
    import numpy as np
    import pandas as pd

    keep = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            keep[name] = col
            continue
        if not (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)):
            continue  # dates
        num = pd.to_numeric(col, errors="coerce")
        text = col.astype(str).str.strip()
        # float64 holds every whole number of up to 15 digits; a 16-digit id may
        # become another one, so its column is left out, not changed.
        long = text.str.fullmatch(r"[-+]?0*[1-9]\d{15,}").to_numpy()
        if (num.notna() == col.notna()).all() and not long.any():
            keep[name] = num.astype(np.float64)
    return pd.DataFrame(keep, index=frame.index)


def write_table(frame, path: str | None) -> None:
    """Write a DataFrame as CSV on stdout or to a .csv/.tsv/.parquet/.npy file (.npy: numbers)."""
    import numpy as np

    if path is None:
        frame.to_csv(sys.stdout, index=False)
        return
    check_output_path(path)
    suffix = Path(path).suffix.lower()
    with replaced_on_success(path) as out:
        if suffix == ".npy":
            # A plain array of numbers, which np.load opens without pickle: file
            # names, timestamps and text labels are left out (the rows keep their order).
            numbers = _numeric_columns(frame)
            with open(out, "wb") as f:  # a handle: np.save adds ".npy" to other names
                np.save(f, numbers.to_numpy(dtype=np.float64))
        elif suffix == ".parquet":
            try:
                frame.to_parquet(out, index=False)
            except ImportError as e:
                raise CLIError("writing Parquet needs pyarrow: pip install pyarrow", 3) from e
        else:
            frame.to_csv(out, index=False, sep="\t" if suffix == ".tsv" else ",")


def written_index(data, output: str | None) -> Any:
    """The data's row identity for an output file (None: stdout).

    Text outputs get timestamps as the input file wrote them, so they can be
    joined back on that text; Parquet keeps them as times.
    """
    text = output is None or Path(output).suffix.lower() in (".csv", ".tsv")
    return data.extra.get("index_as_written", data.index) if text else data.index


def id_columns(data, n: int, output: str | None) -> dict[str, Any]:
    """Columns that identify output rows: file names, timestamps, labels."""
    cols: dict[str, Any] = {}
    index = written_index(data, output)
    if index is not None and len(index) == n:
        cols["file" if data.kind == "images" else "timestamp"] = index
    if data.y is not None and len(data.y) == n:
        cols["label"] = data.y
    return cols
