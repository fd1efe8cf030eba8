"""Mixed-type tables -> one float matrix an autoencoder can read, and back to columns.

Numeric columns are scaled (by default like scikit-learn's ``RobustScaler``:
median and interquartile range, so a few extreme training rows do not squeeze
everyone else into a narrow band; a column whose interquartile range is zero
falls back to its standard deviation; boolean columns are numbers 0 and 1).
Text and categorical columns are one-hot encoded by scikit-learn's
``OneHotEncoder`` with the levels seen in ``fit``; a column with more than
:data:`MAX_LEVELS` levels keeps its most frequent ones and gets an "other"
column for the rest. A level never seen in ``fit`` goes to "other" when
there is one and to all zeros otherwise, so scoring never crashes on new
categories. All zeros is no level at all, and such a row can score lower
than with its right level, so :meth:`TableEncoder.transform` warns, naming
the columns, some of their unseen values and how many rows hold them (a
typo, a change of case, codes sent instead of labels, a missing value in a
column that had none in ``fit``). A missing text value (None, NaN,
``pd.NA``) is the level :data:`MISSING`, the same on every pandas version.
Levels are matched by their text, so the category ``1`` and the category
``1.0`` are different levels.

A column of numbers with some text in it (``"?"``, ``"n/a"``) is refused
rather than read as one level per number: a value far outside the training
range would then be just another unseen level. A column meant as codes
(``"01"``, ``"02"``) is declared with the ``category`` dtype (or the
``"string"`` dtype; pandas 3's default ``str`` dtype, which it gives every
text column it reads, declares nothing).

One-hot is chosen for every categorical column (capping the width instead of
learning embeddings keeps the model a plain dense autoencoder). The fitted
state is plain data (names, levels, two arrays), so it saves to aekit's model
files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.preprocessing import OneHotEncoder, RobustScaler, StandardScaler

from aekit._warnings import warn_user
from aekit.estimators._data import FLOAT32_MAX

#: Most one-hot columns per categorical column (the rarest levels share one).
MAX_LEVELS = 32
#: Unseen values a warning names per column.
SHOWN_UNSEEN = 3
#: Numeric scalings for tables.
TABLE_SCALERS = ("robust", "standard", None)


#: The level of a missing text value.
MISSING = "<missing>"

#: What ``pd.api.types.infer_dtype`` calls an object column of numbers only.
NUMBER_KINDS = ("integer", "floating", "mixed-integer-float", "decimal", "boolean")
#: ... and one of dates, times or durations.
_TIME_KINDS = ("datetime64", "datetime", "date", "time", "timedelta64", "timedelta", "period")
#: Python containers, which a one-hot level would only know by their text.
_CONTAINERS = (list, tuple, dict, set, frozenset, np.ndarray)


def _is_categorical(s: pd.Series) -> bool:
    # Booleans count as the numbers 0 and 1, so a column fitted as bool and
    # scored as 0/1 integers (or the reverse) means the same thing.
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return False
    # Numbers kept as Python objects (Decimals from a database, a column that
    # went through concat or apply) are numbers, not one text level per value.
    return not (s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in NUMBER_KINDS)


def _declared_text(dtype) -> bool:
    """Whether a column's dtype was chosen to say "these are levels", not inferred."""
    if isinstance(dtype, pd.CategoricalDtype):
        return True
    # pandas 3 infers the 'str' dtype (missing value NaN) for every text column,
    # read_csv's included, so only the NA-backed 'string' dtype is a declaration.
    return isinstance(dtype, pd.StringDtype) and getattr(dtype, "na_value", pd.NA) is pd.NA


def check_columns(df: pd.DataFrame, fitting: bool = True) -> None:
    """Refuse DataFrame columns a table model cannot read.

    Parameters
    ----------
    df : DataFrame of shape (n_samples, n_features)
    fitting : bool
        Whether ``df`` is training data; only then is a column without any
        value refused (a batch to score may well lack one column's values).

    Raises
    ------
    ValueError
        Naming the columns of dates, times, durations or periods (as a number
        or a text level each would mean nothing to the model), of complex
        numbers, of lists or dicts, and (when fitting) those that hold no value at all.
    """
    # From the dtypes, and infer_dtype only for object columns: fast on wide numeric frames.
    types = pd.api.types
    kinds = {
        i: types.infer_dtype(df.iloc[:, i], skipna=True)
        for i, t in enumerate(df.dtypes) if types.is_object_dtype(t)
    }  # fmt: skip
    times = [
        df.columns[i] for i, t in enumerate(df.dtypes)
        if types.is_datetime64_any_dtype(t) or types.is_timedelta64_dtype(t)
        or isinstance(t, pd.PeriodDtype) or kinds.get(i) in _TIME_KINDS
    ]  # fmt: skip
    complex_ = [
        df.columns[i] for i, t in enumerate(df.dtypes)
        if types.is_complex_dtype(t) or kinds.get(i) == "complex"
    ]  # fmt: skip
    if complex_:
        raise ValueError(f"columns {complex_} hold complex numbers; a table model takes real ones")
    nested = [
        df.columns[i] for i, k in kinds.items()
        if k == "mixed" and df.iloc[:, i].map(lambda v: isinstance(v, _CONTAINERS)).any()
    ]  # fmt: skip
    if nested:
        raise ValueError(
            f"columns {nested} hold lists, dicts or arrays; spread them into columns of "
            "numbers or text first"
        )
    if times:
        raise ValueError(
            f"columns {times} hold dates or times; turn them into numbers a model can compare "
            "(for example hour of day, day of week, seconds since an event) or drop them"
        )
    if not fitting:
        return
    empty = [c for c, gone in zip(df.columns, df.isna().all(axis=0).to_numpy()) if gone]
    if empty:
        raise ValueError(f"columns {empty} hold no values (all missing); drop them")


def _one_hot(levels: list[str]) -> OneHotEncoder:
    """A one-hot encoder for exactly ``levels`` (unknown values give all zeros)."""
    enc = OneHotEncoder(
        categories=[np.asarray(levels, dtype=object)],
        handle_unknown="ignore",
        sparse_output=False,
        dtype=np.float32,
    )
    return enc.fit(pd.DataFrame({"level": pd.Series(levels, dtype=object)}))


class TableEncoder:
    """Encode a DataFrame or 2-D array of mixed types to a float matrix.

    Parameters
    ----------
    scaler : {'robust', 'standard'} or None
        Scaling of the numeric columns.

    Attributes
    ----------
    columns_ : list of str
        Input column names (``x0``, ``x1``... for arrays).
    named_ : bool
        Whether ``fit`` saw a DataFrame; only then are a DataFrame's columns
        matched by name in :meth:`transform` (else by position).
    numeric_ : list of int
        Positions of the numeric input columns.
    categorical_ : list of int
        Positions of the categorical input columns.
    offset_, scale_ : ndarray of shape (n_numeric,)
        Numeric scaling: ``(x - offset_) / scale_``.
    levels_ : list of list of str
        Levels one-hot encoded for each categorical column.
    other_ : list of bool
        Whether each categorical column has an "other" column.
    groups_ : ndarray of shape (n_encoded,)
        Input column position of each encoded column (for per-column explanations).
    """

    def __init__(self, scaler: str | None = "robust") -> None:
        if scaler not in TABLE_SCALERS:
            raise ValueError(f"scaler must be one of {TABLE_SCALERS}, got {scaler!r}")
        self.scaler = scaler

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def as_frame(X) -> pd.DataFrame:
        """Wrap an array or DataFrame as a DataFrame."""
        if isinstance(X, pd.DataFrame):
            return X
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(f"a table must be 2-D (n_samples, n_features), got shape {arr.shape}")
        return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])

    def _numeric_block(self, df: pd.DataFrame) -> np.ndarray:
        cols = [df.columns[i] for i in self.numeric_]
        try:
            # na_value: nullable columns (Int64, boolean) hold pd.NA, reported below.
            block = df.iloc[:, self.numeric_].to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as err:
            bad = [c for c, i in zip(cols, self.numeric_) if not self._all_numbers(df.iloc[:, i])]
            raise ValueError(
                f"columns {bad or cols} are numeric (as fitted) but hold values that are not "
                "numbers"
            ) from err
        finite = np.isfinite(block)
        if not finite.all():
            bad = [c for c, ok in zip(cols, finite.all(axis=0)) if not ok]
            raise ValueError(
                f"numeric columns {bad} contain NaN or infinity; impute or drop them first"
            )
        return block

    @staticmethod
    def _all_numbers(s: pd.Series) -> bool:
        try:
            s.astype(np.float64)
        except (TypeError, ValueError):
            return False
        return True

    @staticmethod
    def _text(df: pd.DataFrame, i: int) -> pd.Series:
        # str() of each value, the same on every pandas version (astype(str)
        # keeps NaN on pandas 3, spells it 'nan' or 'None' on pandas 2).
        col = df.iloc[:, i].astype(object)
        return col.map(str).where(col.notna(), MISSING).astype(object)

    @staticmethod
    def _check_not_numbers(df: pd.DataFrame, i: int) -> None:
        """Refuse a text column that mostly holds numbers (a numeric column with a stray text)."""
        col = df.iloc[:, i]
        if _declared_text(col.dtype):
            return
        text = col.astype(object)
        given = col.notna().to_numpy()
        # Zero-padded codes ("02134") and booleans are not numbers written as text.
        if text[given].astype(str).str.match(r"0\d").any():
            return
        plain = text.map(lambda v: not isinstance(v, (bool, np.bool_)))
        num = (pd.to_numeric(text, errors="coerce").notna() & plain).to_numpy()
        if not given.any() or num.sum() <= 0.5 * given.sum():
            return
        name = df.columns[i]
        if num.sum() == given.sum():
            raise ValueError(
                f"column {name!r} holds numbers written as text (e.g. {col[given].iloc[0]!r}): "
                "convert it with pd.to_numeric, or give it the 'category' dtype to encode "
                "each value as a level"
            )
        row = int(np.flatnonzero(given & ~num)[0])
        raise ValueError(
            f"column {name!r} holds numbers but also the text {col.iloc[row]!r} (at "
            f"position {row}); make it numeric (pd.to_numeric(..., errors='coerce'), then impute), "
            "or give it the 'category' dtype to encode each value as a level"
        )

    # ---------------------------------------------------------------------- fit
    def fit(self, X) -> TableEncoder:
        """Learn the column types, scaling and levels from ``X`` (n, d)."""
        df = self.as_frame(X)
        if df.shape[1] == 0:
            raise ValueError("X has no columns")
        check_columns(df)
        kinds = [_is_categorical(df.iloc[:, i]) for i in range(df.shape[1])]
        self.named_ = isinstance(X, pd.DataFrame)
        if not self.named_:
            # An object array holds numbers and text alike: a column whose every
            # value is a number is numeric; only true text is categorical.
            kinds = [k and not self._all_numbers(df.iloc[:, i]) for i, k in enumerate(kinds)]
        self.columns_ = [str(c) for c in df.columns]
        self.numeric_ = [i for i, k in enumerate(kinds) if not k]
        self.categorical_ = [i for i, k in enumerate(kinds) if k]
        for i in self.categorical_:
            self._check_not_numbers(df, i)
        block = self._numeric_block(df) if self.numeric_ else np.zeros((len(df), 0))
        self.offset_, self.scale_ = np.zeros(block.shape[1]), np.ones(block.shape[1])
        if self.numeric_ and self.scaler == "robust":
            rs = RobustScaler().fit(block)
            q25, q75 = np.percentile(block, [25, 75], axis=0)
            with np.errstate(over="ignore"):  # an overflowing spread is refused below
                std = block.std(axis=0)
            # A zero IQR (mostly-constant or binary column) would leave the column
            # unscaled; its standard deviation is the better yardstick then.
            self.offset_ = rs.center_
            self.scale_ = np.where(q75 > q25, rs.scale_, np.where(std > 0, std, 1.0))
        elif self.numeric_ and self.scaler == "standard":
            ss = StandardScaler().fit(block)
            self.offset_, self.scale_ = ss.mean_, ss.scale_
        huge = ~(np.isfinite(self.offset_) & np.isfinite(self.scale_))
        if huge.any():
            bad = [self.columns_[i] for i, h in zip(self.numeric_, huge) if h]
            raise ValueError(
                f"numeric columns {bad} hold values too large to scale (their spread "
                "overflows float64); rescale them (for example to other units or a log)"
            )
        self.levels_, self.other_ = [], []
        for i in self.categorical_:
            counts = self._text(df, i).value_counts(sort=True)
            many = len(counts) > MAX_LEVELS
            if many and len(counts) > 0.5 * len(df):
                warn_user(
                    f"column {df.columns[i]!r} has {len(counts)} different values in "
                    f"{len(df)} rows, like an identifier: all but its {MAX_LEVELS - 1} most "
                    "frequent values share one 'other' level; drop it if it names rows"
                )
            kept = counts.index[: MAX_LEVELS - 1] if many else counts.index
            self.levels_.append(sorted(str(v) for v in kept))
            self.other_.append(bool(many))
        self._build()
        return self

    def _build(self) -> None:
        """Derived state (encoders, column groups) from the fitted plain state."""
        self.encoders_ = [_one_hot(levels) for levels in self.levels_]
        groups = list(self.numeric_)
        for i, levels, other in zip(self.categorical_, self.levels_, self.other_):
            groups += [i] * (len(levels) + int(other))
        self.groups_ = np.asarray(groups, dtype=np.int64)
        self.n_encoded_ = len(groups)

    def transform(self, X) -> np.ndarray:
        """Encode ``X`` (n, d) to ``(n, n_encoded)`` float32, in the order of ``groups_``.

        Warns
        -----
        UserWarning
            When a text column without an "other" level holds values not seen
            in ``fit`` (missing ones included, where ``fit`` had none): they
            are encoded as all zeros, and the warning names the columns, some
            of the values and how many rows hold them.
        """
        df = self.as_frame(X)
        check_columns(df, fitting=False)
        by_name = self.named_ and isinstance(X, pd.DataFrame)
        if by_name and [str(c) for c in df.columns] != self.columns_:
            names = {str(c): c for c in df.columns}
            missing = [c for c in self.columns_ if c not in names]
            if missing:
                raise ValueError(f"X lacks the columns seen in fit: {missing}")
            df = df[[names[c] for c in self.columns_]]
        if df.shape[1] != len(self.columns_):
            raise ValueError(
                f"X has {df.shape[1]} columns, but the detector was fitted on {len(self.columns_)}"
            )
        blocks, unseen = [], []
        if self.numeric_:
            scaled = (self._numeric_block(df) - self.offset_) / self.scale_
            big = (scaled.max(axis=0, initial=0.0) > FLOAT32_MAX) | (
                scaled.min(axis=0, initial=0.0) < -FLOAT32_MAX
            )
            if big.any():
                bad = [self.columns_[i] for i, b in zip(self.numeric_, big) if b]
                raise ValueError(
                    f"numeric columns {bad} hold values too large to score: once scaled they "
                    f"lie beyond float32's range (|x| > {FLOAT32_MAX:.3g}), which the network "
                    "computes in"
                )
            blocks.append(scaled)
        for i, enc, levels, other in zip(
            self.categorical_, self.encoders_, self.levels_, self.other_
        ):
            text = self._text(df, i)
            blocks.append(enc.transform(pd.DataFrame({"level": text.to_numpy(dtype=object)})))
            known = text.isin(levels)
            if other:
                blocks.append((~known).to_numpy(dtype=np.float32)[:, None])
            elif not known.all():
                unseen.append(self._unseen(self.columns_[i], text[~known], len(text)))
        if unseen:
            warn_user(
                "text columns hold values not seen in fit, encoded as no level at all (all "
                f"zeros): {'; '.join(unseen)}. Such a row can score lower than with its right "
                "level: check for typos, changed case or codes given instead of labels, or fit "
                "on data that has these values"
            )
        return np.hstack(blocks).astype(np.float32)

    @staticmethod
    def _unseen(name: str, new: pd.Series, n: int) -> str:
        """``new`` (the unseen values of column ``name`` in ``n`` rows) in words."""
        counts = new.value_counts(sort=True)
        top = counts.index[:SHOWN_UNSEEN]
        shown = ["a missing value" if v == MISSING else repr(v) for v in top]
        more = f" and {len(counts) - SHOWN_UNSEEN} more" if len(counts) > SHOWN_UNSEEN else ""
        return f"{name!r} in {len(new)} of {n} rows ({', '.join(shown)}{more})"

    def fit_transform(self, X) -> np.ndarray:
        """:meth:`fit` then :meth:`transform`."""
        return self.fit(X).transform(X)

    def labels(self, X: pd.DataFrame) -> pd.Index:
        """``X``'s own column labels in the order :meth:`transform` encodes them."""
        if not self.named_:
            return X.columns
        position = {str(c): j for j, c in enumerate(X.columns)}
        return X.columns[[position[c] for c in self.columns_]]

    def per_column(self, E: np.ndarray) -> np.ndarray:
        """Sum encoded-column values ``(n, n_encoded)`` per input column -> ``(n, d)``."""
        members = np.zeros((self.n_encoded_, len(self.columns_)))
        members[np.arange(self.n_encoded_), self.groups_] = 1.0
        return np.asarray(E, dtype=np.float64) @ members

    # ------------------------------------------------------------ model files
    def get_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Fitted state as plain values and numeric arrays (for aekit's model files)."""
        plain = dict(
            scaler=self.scaler, columns=list(self.columns_), numeric=list(self.numeric_),
            categorical=list(self.categorical_), levels=[list(v) for v in self.levels_],
            other=list(self.other_), named=bool(self.named_),
        )  # fmt: skip
        return plain, {"offset": self.offset_, "scale": self.scale_}

    @classmethod
    def from_state(cls, plain: dict, arrays: dict[str, np.ndarray]) -> TableEncoder:
        """Rebuild a fitted encoder from :meth:`get_state` output."""
        enc = cls(plain["scaler"])
        enc.columns_ = [str(c) for c in plain["columns"]]
        # Files written before ``named`` was kept: arrays got the names x0, x1...
        default = [f"x{i}" for i in range(len(enc.columns_))]
        enc.named_ = bool(plain.get("named", enc.columns_ != default))
        enc.numeric_ = [int(i) for i in plain["numeric"]]
        enc.categorical_ = [int(i) for i in plain["categorical"]]
        enc.levels_ = [[str(v) for v in lv] for lv in plain["levels"]]
        enc.other_ = [bool(o) for o in plain["other"]]
        enc.offset_ = np.asarray(arrays["offset"], dtype=np.float64)
        enc.scale_ = np.asarray(arrays["scale"], dtype=np.float64)
        enc._build()
        return enc
