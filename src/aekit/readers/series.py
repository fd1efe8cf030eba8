"""Time-series tables ordered by a timestamp column, and sliding windows."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from aekit._warnings import warn_user
from aekit.readers._base import DataError, Dataset, ReadOptions
from aekit.readers.tables import _check_values, _left_out, _pandas, _read_frame, _split_columns


def read_series(path: str | os.PathLike, options: ReadOptions) -> Dataset:
    """Read a time series table: one row per time step, ordered by a timestamp column.

    Returns
    -------
    Dataset
        ``X`` a DataFrame ``(T, channels)`` of the value columns, ``index`` the
        timestamps, ``y`` the per-step labels if a label column was given.
    """
    pd, path = _pandas(), Path(path)
    col = options.timestamp_column
    df = _read_frame(path, options)
    if len(df) == 0:
        raise DataError(f"{path}: the table has a header but no rows")
    if col not in df.columns:
        raise DataError(f"{path}: no timestamp column {col!r}; the columns are: "
                        + ", ".join(map(str, df.columns[:20])))  # fmt: skip
    raw = df[col]
    empty = raw.isna().to_numpy()
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise DataError(f"{path}: column {col!r} is empty in data row {i + 1}; every step "
                        "needs its timestamp")  # fmt: skip
    t = raw.to_numpy() if pd.api.types.is_numeric_dtype(raw) else _times(raw, col, path)
    order = pd.Index(t)
    if not (order.is_monotonic_increasing and order.is_unique):
        i = next(i for i in range(1, len(t)) if not t[i] > t[i - 1])
        raise DataError(f"{path}: timestamps must increase; data row {i + 1} ({raw.iloc[i]}) "
                        f"does not come after row {i} ({raw.iloc[i - 1]})")  # fmt: skip
    _warn_gaps(order, col, path)
    values, y = _split_columns(df.drop(columns=[col]), path, options)
    _check_values(values, path, ReadOptions(allow_text=False))
    # Output files give each step's timestamp as the file wrote it, not as parsed.
    extra = {**_left_out(values), "index_as_written": raw.to_numpy()}
    return Dataset(X=values, y=y, kind="series", index=t, source=str(path),
                   extra=extra)  # fmt: skip


def _warn_gaps(idx, col: str, path: Path) -> None:
    """Warn when some steps are more than twice the usual spacing apart.

    The detectors read rows as evenly spaced, so a window across a gap joins
    the data on either side of it; the user should know the file has gaps.
    """
    if len(idx) < 3:
        return
    pd = _pandas()
    # idx: a pandas Index of naive or UTC times, or of numbers, in increasing order.
    dated = isinstance(idx, pd.DatetimeIndex)
    if dated and idx.tz is not None:
        idx = idx.tz_convert(None)  # UTC, naive
    # Nanoseconds (pandas may keep seconds or microseconds), or the numbers themselves.
    at = idx.values.astype("datetime64[ns]").astype(np.int64) if dated else idx.to_numpy(float)
    step = np.diff(at)  # (T - 1,) all positive: the order was checked
    usual = np.median(step)
    gaps = np.flatnonzero(step > 2 * usual)
    if len(gaps) == 0:
        return
    i = int(gaps[np.argmax(step[gaps])])
    show = (lambda d: str(pd.Timedelta(int(d), "ns"))) if dated else (lambda d: f"{d:.12g}")
    warn_user(
        f"{path}: column {col!r} has {len(gaps)} gap(s) of more than twice its usual step "
        f"({show(usual)}), the longest {show(step[i])} before data row {i + 2}; rows are read "
        "as evenly spaced, so windows join the steps on either side of a gap"
    )


#: A date written with its day and month as numbers first: 13/02/2021, 2.13.21, 01-02-2020.
NUMERIC_DATE = r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}(?!\d)"


def _day_first(text, col: str, path: Path) -> bool:
    """Whether numeric dates put the day first; False when the rows are not all such dates.

    A number above 12 is a day, so one row can settle the order for all of
    them; without this, pandas reads a row month first where it can and day
    first where it must, and a day-first file came out half in each order.
    """
    parts = text.str.extract(NUMERIC_DATE)
    if parts.isna().to_numpy().any():
        return False
    first, second = parts[0].astype(int).to_numpy(), parts[1].astype(int).to_numpy()
    if (first > 12).any() and (second > 12).any():
        i, j = int(np.argmax(first > 12)), int(np.argmax(second > 12))
        raise DataError(
            f"{path}: column {col!r} has dates with the day first (data row {i + 1}: "
            f"{text.iloc[i]!r}) and with the month first (row {j + 1}: {text.iloc[j]!r}); "
            "write them in one order, best as YYYY-MM-DD"
        )
    if (first > 12).any():
        return True
    if not (second > 12).any():
        warn_user(
            f"{path}: column {col!r} writes dates as day and month numbers, and no row "
            f"tells which comes first; read month first ({text.iloc[0]!r} as month "
            f"{first[0]}, day {second[0]}). Write dates as YYYY-MM-DD to be sure"
        )
    return False


def _times(raw, col: str, path: Path) -> np.ndarray:
    """Timestamps parsed from text, each row on its own format if need be."""
    pd = _pandas()
    text = raw.astype(str).str.strip()
    dayfirst = _day_first(text, col, path)
    # An offset follows a time (..:MM or ..:SS.f); a date such as 13-02-2021 ends in no offset.
    aware = text.str.contains(r"(?:\dZ|\d:\d\d(?:\.\d+)?[+-]\d\d:?\d\d)$").to_numpy()
    if 0 < aware.sum() < len(aware):
        i, j = int(np.argmax(aware)), int(np.argmin(aware))
        raise DataError(f"{path}: column {col!r} mixes timestamps with a UTC offset (data row "
                        f"{i + 1}: {text.iloc[i]!r}) and without (row {j + 1}: "
                        f"{text.iloc[j]!r}); give all of them an offset, or none")  # fmt: skip
    t = None
    # pandas takes the format from the first row; ISO 8601 text leaves out a zero
    # fraction ("...:00" beside "...:00.5"), so other rows may need their own.
    for fmt in (None, "ISO8601", "mixed"):
        try:
            t = pd.to_datetime(raw, errors="coerce", format=fmt, dayfirst=dayfirst)
        except ValueError:  # offsets that change (daylight saving): one clock, UTC
            t = pd.to_datetime(raw, errors="coerce", format=fmt, dayfirst=dayfirst,
                               utc=True)  # fmt: skip
        if not t.isna().any():
            return t.to_numpy()
    i = int(np.flatnonzero(t.isna().to_numpy())[0])
    raise DataError(f"{path}: column {col!r} has {str(raw.iloc[i])!r} in data row {i + 1}; "
                    "expected a date/time")  # fmt: skip


def sliding_windows(values: np.ndarray, window: int, stride: int = 1) -> np.ndarray:
    """Cut a series into overlapping windows for a conv1d model.

    Parameters
    ----------
    values : ndarray of shape (T,) or (T, channels)
    window : int
        Window length.
    stride : int
        Steps between window starts.

    Returns
    -------
    ndarray of shape (n_windows, channels, window)
        ``n_windows = (T - window) // stride + 1``.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[:, None] if v.ndim == 1 else v  # (T, C)
    if window < 2 or stride < 1:
        raise ValueError(f"window must be >= 2 and stride >= 1, got {window} and {stride}")
    if len(v) < window:
        raise DataError(f"the series has {len(v)} steps, fewer than the window length {window}")
    # Imported here: aekit.anomaly loads torch, and the readers stay light.
    from aekit.anomaly.windows import sliding_windows as windows

    return np.ascontiguousarray(windows(v, window, stride))  # (n_windows, C, window)
