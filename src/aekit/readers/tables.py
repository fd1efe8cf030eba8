"""CSV/TSV and Parquet tables (whole or in chunks), .npy/.npz arrays, and column checks."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aekit._warnings import warn_user
from aekit.readers._base import DataError, Dataset, MissingDependencyError, ReadOptions, file_kind


def _pandas():
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - pandas is in the io extra
        raise MissingDependencyError("reading tables needs pandas: pip install 'aekit[io]'") from e
    return pd


def _sep(path: Path, sep: str | None) -> str:
    if sep is not None:
        return sep
    names = [s.lower() for s in path.suffixes]
    return "\t" if (".tsv" in names or ".tab" in names) else ","


def _read_frame(path: Path, options: ReadOptions, chunksize: int | None = None):
    """A DataFrame, or an iterator of DataFrames when ``chunksize`` is given."""
    pd = _pandas()
    try:
        if file_kind(path) == "parquet":
            return _read_parquet(path, chunksize)
        # Labels are often ids: inferred as numbers, "007" would come back as 7 and a
        # 16-digit id as another one, so the label column is kept as written.
        label = () if options.label_column is None else (options.label_column,)
        text = {c: object for c in (*options.text_columns, *label)}
        sep = _sep(path, options.sep)
        # The header as written: pandas renames a repeated "a" to "a.1" without a word.
        raw = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False)
        if options.header:
            _check_header(raw.iloc[0].tolist(), path)
            _check_first_row(path, sep, raw.shape[1])
            layout = {}
        else:
            # Named as `reconstruct` names an array's columns. index_col=False:
            # a longer row is an error, not a row index.
            names = [f"x{i}" for i in range(raw.shape[1])]
            layout = {"header": None, "names": names, "index_col": False}
        # Only an empty cell is missing: "NA" (Namibia), "None" or "null" can be a
        # text column's real value. In a numeric column such words are refused
        # by _check_values as not numbers, which they are not.
        return pd.read_csv(path, sep=sep, chunksize=chunksize, dtype=text,
                           keep_default_na=False, na_values=[""], **layout)  # fmt: skip
    except (MissingDependencyError, DataError):
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DataError(f"{path}: cannot be read as a table ({first})") from None


def _read_parquet(path: Path, chunksize: int | None):
    try:
        import pyarrow.parquet as pq
    except ImportError as e:
        raise MissingDependencyError(
            "reading Parquet needs pyarrow: pip install 'aekit[io]' (or pyarrow)"
        ) from e
    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises its own error types for bad files
        raise DataError(f"{path}: cannot be read as Parquet ({e})") from None
    if chunksize is None:
        return pf.read().to_pandas()
    return (b.to_pandas() for b in pf.iter_batches(batch_size=chunksize))


#: A number written with thousands separators ("1,234.5", "12 000") ...
THOUSANDS = r"[-+]?\d{1,3}([,'  ]\d{3})+([.,]\d+)?"
#: Words that mean "no value" in a numeric column (pandas' default NA strings).
NA_WORDS = frozenset({"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
                      "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None",
                      "n/a", "nan", "null"})  # fmt: skip
#: ... or with a decimal comma ("3,5"), which may also be a category ("1,2": sizes, answers).
DECIMAL_COMMA = r"[-+]?\d+,\d+"


def _check_values(df, path: Path, options: ReadOptions, row_offset: int = 0) -> None:
    """Refuse text in numeric columns, text columns unless allowed, and empty cells.

    A column of numbers stored as text (or as Decimal objects, from Parquet) is
    turned into numbers in ``df``.
    """
    pd = _pandas()
    if len(df) == 0:
        raise DataError(f"{path}: the table has a header but no rows")
    for col in df.columns:
        s = df[col]
        if options.allow_text and col in options.text_columns:
            continue  # text by the model's word; empty cells are a level of their own
        if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
            raise DataError(
                f"{path}: column {col!r} holds dates or times; the model takes numbers and "
                f"text: read the file as a series with --timestamp-column {col}, or leave the "
                f"column out with --drop-columns {col}"
            )
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            values = s.to_numpy(dtype=np.float64, na_value=np.nan)
            bad = ~np.isfinite(values)
            if bad.any():
                row = int(np.flatnonzero(bad)[0]) + row_offset + 1
                raise DataError(
                    f"{path}: column {col!r} has {int(bad.sum())} missing value(s) (empty, NA, "
                    f"n/a...) or infinities, first in data row {row}; fill or drop them"
                )
            continue
        if not s.notna().any():
            raise DataError(
                f"{path}: column {col!r} is empty in data rows {row_offset + 1}-"
                f"{row_offset + len(s)}; fill it or leave it out with --drop-columns {col}"
            )
        num = pd.to_numeric(s, errors="coerce")
        # "NA", "null"... in a column of numbers are missing values, not text.
        words = s.astype(str).str.strip().isin(NA_WORDS).to_numpy()
        if words.all():
            raise DataError(f"{path}: column {col!r} holds no value (only words such as "
                            f"{str(s.iloc[0])!r}); fill it or leave it out with "
                            f"--drop-columns {col}")  # fmt: skip
        text = s.notna().to_numpy() & num.isna().to_numpy()
        if words.any() and not (text & ~words).any():
            i = int(np.flatnonzero(words)[0])
            raise DataError(f"{path}: column {col!r} holds numbers but has a missing value "
                            f"({str(s.iloc[i])!r}) in data row {i + row_offset + 1}; "
                            "fill or drop them")  # fmt: skip
        if not text.any() and s.notna().all():
            df[col] = num.astype(np.float64)  # numbers stored as text or Decimal
            continue
        shown = s[text].astype(str)
        grouped = shown.str.fullmatch(THOUSANDS)
        formatted = grouped | shown.str.fullmatch(DECIMAL_COMMA)
        # Grouped thousands, plain numbers in the same column, or a model that
        # takes numbers only tell a number; "1,2" alone may be a category.
        plain = bool((s.notna().to_numpy() & ~text).any())
        if formatted.mean() > 0.9 and (grouped.mean() > 0.5 or plain or not options.allow_text):
            raise DataError(
                f"{path}: column {col!r} holds numbers written with separators (e.g. "
                f"{shown[formatted].iloc[0]!r}), which would be read as text; write them "
                "without thousands separators and with a decimal point"
            )
        if formatted.mean() > 0.9:
            warn_user(
                f"{path}: column {col!r} is read as text, though its values look like numbers "
                f"with a decimal comma (e.g. {shown[formatted].iloc[0]!r}); if they are "
                "numbers, write them with a decimal point"
            )
        if text.mean() <= 0.5:
            i = int(np.flatnonzero(text | s.isna().to_numpy())[0])
            v = s.iloc[i]
            what = ("a missing value" if pd.isna(v) else
                    f"a missing value ({v!r})" if str(v).strip() in NA_WORDS else
                    f"text {str(v)!r}")  # fmt: skip
            raise DataError(
                f"{path}: column {col!r} holds numbers but has {what} in data row "
                f"{i + row_offset + 1}; expected a number"
            )
        first = shown.iloc[0]
        if _dates(s):
            takes = "numbers and text" if options.allow_text else "numbers only"
            raise DataError(
                f"{path}: column {col!r} holds dates (e.g. {first!r}); this model takes "
                f"{takes}: read the file as a series with --timestamp-column {col}, "
                f"or leave the column out with --drop-columns {col}"
            )
        if not options.allow_text:
            raise DataError(
                f"{path}: column {col!r} holds text (e.g. {first!r}); this "
                f"model takes numbers only: leave it out with --drop-columns {col}"
            )


def _dates(s) -> bool:
    """Whether a text column's first values all read as dates or times."""
    pd = _pandas()
    head = s.dropna().head(20).astype(str)
    if not head.str.contains(r"[-/:]").all():  # "1,5" is a decimal comma, not a date
        return False
    # A date has a year: "1-4" (an age band), "10/12" (a size), "09:00-17:00" are text.
    if not head.str.contains(r"\d{4}").all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns when it has to guess a format
        try:
            parsed = pd.to_datetime(head, errors="coerce", format="mixed")
        except (ValueError, OverflowError):
            return False
    return bool(len(head)) and bool(parsed.notna().all())


def _refuse_repeated(names, path: Path, hint: str = "") -> None:
    """A DataError naming the column names that occur more than once (empty ones aside)."""
    seen, repeated = set(), []
    for name in map(str, names):
        if name and name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise DataError(f"{path}: more than one column is named {', '.join(map(repr, repeated))}; "
                        f"give every column its own name{hint}")  # fmt: skip


#: What to do about a first row of numbers only, which may be data.
NO_HEADER = "if the file has no header row, read it with --no-header"


def _check_header(names: list[str], path: Path) -> None:
    """Refuse a text table's first row when it repeats a name; warn when it may be data.

    ``names`` are the first row's cells as written. Any cell that is not a
    number shows the row is a header. A row of numbers only may be names
    (years, quantiles 0.1, 0.5, 0.9) or the first row of a file without a
    header, which the column names would swallow: that gets a warning that
    names the row, or an error if it repeats a number. Exactly ``0, 1, ...,
    n-1`` is taken for names without a word: it is the header that pandas'
    ``DataFrame(X).to_csv(index=False)`` writes, and reading it as data would
    be wrong.
    """
    for c in names:
        try:
            float(c)
        except ValueError:
            _refuse_repeated(names, path)
            return
    _refuse_repeated(names, path, f" ({NO_HEADER})")
    if names == [str(i) for i in range(len(names))]:
        return  # pandas' default column names
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    warn_user(f"{path}: the first row ({shown}) holds only numbers and is read as the column "
              f"names, not as data: {NO_HEADER}")  # fmt: skip


def _check_first_row(path: Path, sep: str, names: int) -> None:
    """Refuse a first data row with more fields than the header has names.

    pandas would take its first field for a row index and give the rest the
    names, each one column off (R's write.table writes such files).
    """
    pd = _pandas()
    try:
        row = pd.read_csv(path, sep=sep, header=None, skiprows=1, nrows=1, dtype=str,
                          keep_default_na=False)  # fmt: skip
    except pd.errors.EmptyDataError:
        return  # a header alone: said by the caller
    if row.shape[1] > names:
        raise DataError(
            f"{path}: the header has {names} names but data row 1 has {row.shape[1]} fields; "
            "give every column a name (a row-name column too)"
        )


def _check_unnamed(cols: list[str], path: Path, options: ReadOptions) -> None:
    """Refuse a column without a name, unless the model was fitted on it (``keep_columns``)."""
    keep = set(options.keep_columns or ())
    unnamed = [c for c in cols if c.startswith("Unnamed: ") and c not in keep]
    if unnamed:
        raise DataError(
            f"{path}: the header leaves a column without a name ({unnamed[0]!r}; a saved row "
            f"index, as pandas' to_csv writes by default?): name it, or leave it out with "
            f"--drop-columns '{unnamed[0]}'"
        )


def _left_out(df) -> dict:
    """``{'left_out': names, 'left_out_dates': names}`` for the columns ``keep_columns`` left out.

    Empty when it left none out; ``left_out_dates`` only when some of them hold dates.
    """
    return {k: df.attrs[k] for k in ("left_out", "left_out_dates") if df.attrs.get(k)}


def _holds_dates(s) -> bool:
    """Whether a column holds dates or times, as parsed times or as text."""
    pd = _pandas()
    if pd.api.types.is_datetime64_any_dtype(s):
        return True
    text = pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)
    return bool(text and s.notna().any() and _dates(s))


def _split_columns(df, path: Path, options: ReadOptions):
    """Drop columns, take the label column out; returns (features, labels or None)."""
    _refuse_repeated(df.columns, path)  # Parquet keeps repeated names as they are
    cols = [str(c) for c in df.columns]
    df.columns = cols
    label = options.label_column
    if label is not None and label not in cols and options.label_optional:
        label = None
    asked = list(options.drop_columns) + ([label] if label is not None else [])
    missing = [c for c in asked if c not in cols]
    if missing:
        shown = ", ".join(cols[:20]) + (" ..." if len(cols) > 20 else "")
        raise DataError(f"{path}: no column {missing[0]!r}; the columns are: {shown}")
    if len(cols) == 1 and options.sep is None:
        mark = next((m for m in (";", "\t", "|") if m in cols[0]), None)
        if mark is not None:
            raise DataError(
                f"{path}: one column named {cols[0][:60]!r}; the file looks separated by "
                f"{mark!r}: pass --sep {mark!r}"
            )
    y = None
    if label is not None:
        y = df[label].to_numpy()
    df = df.drop(columns=asked)
    keep = None if options.keep_columns is None else set(options.keep_columns)
    # A file lacking some of them is read whole, so that the reader's hints
    # (a date column, text) and the model's list of missing columns still come.
    if keep is not None and keep <= set(df.columns):
        unused = [c for c in df.columns if c not in keep]
        # A series model read without its timestamps would take the rows unordered.
        dated = [c for c in unused if _holds_dates(df[c])]
        df = df.drop(columns=unused)
        df.attrs["left_out"] = unused  # read by the caller, which says so
        df.attrs["left_out_dates"] = dated
    _check_unnamed([str(c) for c in df.columns], path, options)
    if df.shape[1] == 0:
        raise DataError(f"{path}: no feature columns left after removing labels and dropped ones")
    return df, y


def read_table(path: str | os.PathLike, options: ReadOptions | None = None) -> Dataset:
    """Read a CSV, TSV or Parquet table (with a header row, unless ``options.header`` is False).

    Returns
    -------
    Dataset
        ``X`` is a DataFrame of the feature columns, ``y`` the label column if asked for.
    """
    options, path = options or ReadOptions(), Path(path)
    df = _read_frame(path, options)
    if len(df) == 0:
        raise DataError(f"{path}: the table has a header but no rows")
    df, y = _split_columns(df, path, options)
    _check_values(df, path, options)
    return Dataset(X=df, y=y, kind="table", source=str(path), extra=_left_out(df))


def iter_table_chunks(
    path: str | os.PathLike, options: ReadOptions | None = None, chunksize: int = 50_000
) -> Iterator[Dataset]:
    """Read a large table (CSV/TSV/Parquet) or .npy array piece by piece with bounded memory.

    Yields
    ------
    Dataset
        Consecutive row blocks of at most ``chunksize`` rows; ``extra['offset']``
        is the index of the block's first row.
    """
    options, path = options or ReadOptions(), Path(path)
    kind = file_kind(path)
    if kind == "npy":
        try:
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError, EOFError) as e:  # e.g. an object array needs pickle
            raise DataError(f"{path}: cannot be read as a numpy file ({e})") from None
        _check_array(arr, path)
        for s in range(0, len(arr), chunksize):
            yield Dataset(X=np.asarray(arr[s : s + chunksize]), kind="array",
                          source=str(path), extra={"offset": s})  # fmt: skip
        return
    if kind not in ("table", "parquet"):
        from aekit.readers import read_data  # the dispatcher imports this module

        data = read_data(path, options)
        yield Dataset(data.X, data.y, data.kind, data.index, data.source, {"offset": 0})
        return
    offset = 0
    pd = _pandas()
    try:
        for df in _read_frame(path, options, chunksize=chunksize):
            df, y = _split_columns(df, path, options)
            _check_values(df, path, options, row_offset=offset)
            yield Dataset(X=df, y=y, kind="table", source=str(path),
                          extra={"offset": offset, **_left_out(df)})  # fmt: skip
            offset += len(df)
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        # Rows past the first chunk are parsed (and decoded) only here.
        raise DataError(f"{path}: cannot be read as a table ({str(e).splitlines()[0]})") from None
    if offset == 0:
        raise DataError(f"{path}: the table has a header but no rows")


def check_columns(X, expected: Sequence[str], source: str = "data") -> tuple[Any, list[str]]:
    """Select and order a table's columns as a model expects them.

    Parameters
    ----------
    X : pandas.DataFrame
    expected : sequence of str
        The column names the model was fitted on.
    source : str
        Name of the file, for the message.

    Returns
    -------
    (DataFrame, list of str)
        The columns in the model's order, and the names of extra columns left out.

    Raises
    ------
    DataError
        When columns the model needs are missing.
    """
    have = [str(c) for c in X.columns]
    missing = [c for c in expected if c not in have]
    if missing:
        shown = ", ".join(repr(c) for c in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise DataError(
            f"{source}: missing {len(missing)} column(s) the model was trained on: {shown}"
        )
    extra = [c for c in have if c not in set(expected)]
    return X[list(expected)], extra


def _check_array(X: np.ndarray, path: Path) -> None:
    """Refuse arrays that are not numbers of shape (n_samples, ...) with n_samples >= 1."""
    if X.dtype.kind not in "biuf":
        raise DataError(f"{path}: the array has dtype {X.dtype}; expected numbers")
    if X.ndim < 2:
        # Refused rather than guessed: (n,) may be n samples of one feature or one sample.
        hint = (" (for one feature or one series, save it as a column: "
                "np.save(path, x.reshape(-1, 1)))" if X.ndim == 1 else "")
        raise DataError(
            f"{path}: expected an array of shape (n_samples, ...), got {X.shape}{hint}"
        )
    if len(X) == 0:
        raise DataError(f"{path}: the array has no rows (shape {X.shape})")


def read_array(path: str | os.PathLike) -> Dataset:
    """Read a .npy array, or a .npz with the data under ``X`` (or its first array).

    A .npz may also hold labels under ``y``.
    """
    path = Path(path)
    y = None
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                keys = list(loaded.keys())
                if not keys:
                    raise DataError(f"{path}: the .npz file holds no arrays")
                data = [k for k in keys if k != "y"] or keys
                key = next((k for k in ("X", "x", "data") if k in keys), data[0])
                X = loaded[key]
                y = loaded["y"] if "y" in keys and key != "y" else None
        else:
            X = loaded
    except DataError:
        raise
    except (ValueError, OSError, EOFError) as e:  # e.g. an object array needs pickle
        raise DataError(f"{path}: cannot be read as a numpy file ({e})") from None
    _check_array(X, path)
    if y is not None and y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]  # a column of labels
    if y is not None and (y.ndim != 1 or len(y) != len(X)):
        raise DataError(
            f"{path}: 'y' has shape {y.shape}, but the data '{key}' has {len(X)} samples; "
            "expected one label per sample, shape (n,) or (n, 1)"
        )
    return Dataset(X=X, y=y, kind="array", source=str(path))
