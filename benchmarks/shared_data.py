"""Loaders for the real data sets in the shared data folder.

The folder sits at ``../shared/data`` relative to the repository root on developer
machines and in CI (see its ``README.md``). It is *not* part of the package and is
absent on users' machines, so every loader raises a :class:`FileNotFoundError` that
names the missing path; benchmarks and tests should check :func:`data_dir` first and
skip with a clear message when it returns ``None``.

The location can be overridden with the environment variable ``AEKIT_SHARED_DATA``.

Only numpy, pandas and the standard library are used.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "ENV_VAR",
    "NSL_KDD_COLUMNS",
    "NSL_KDD_CATEGORICAL",
    "data_dir",
    "require_data_dir",
    "load_mnist",
    "mnist_split",
    "adbench_names",
    "load_adbench",
    "load_creditcard",
    "load_nsl_kdd_raw",
    "load_nsl_kdd",
    "nab_files",
    "nab_windows",
    "load_nab",
    "smap_channels",
    "load_smap",
    "semi_supervised_split",
]

#: Environment variable that overrides the location of the shared data folder.
ENV_VAR = "AEKIT_SHARED_DATA"

_DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"

#: The 41 feature names of NSL-KDD (KDD Cup 99), in file order.
NSL_KDD_COLUMNS: tuple[str, ...] = (
    "duration",
    "protocol_type",
    "service",
    "flag",
    "src_bytes",
    "dst_bytes",
    "land",
    "wrong_fragment",
    "urgent",
    "hot",
    "num_failed_logins",
    "logged_in",
    "num_compromised",
    "root_shell",
    "su_attempted",
    "num_root",
    "num_file_creations",
    "num_shells",
    "num_access_files",
    "num_outbound_cmds",
    "is_host_login",
    "is_guest_login",
    "count",
    "srv_count",
    "serror_rate",
    "srv_serror_rate",
    "rerror_rate",
    "srv_rerror_rate",
    "same_srv_rate",
    "diff_srv_rate",
    "srv_diff_host_rate",
    "dst_host_count",
    "dst_host_srv_count",
    "dst_host_same_srv_rate",
    "dst_host_diff_srv_rate",
    "dst_host_same_src_port_rate",
    "dst_host_srv_diff_host_rate",
    "dst_host_serror_rate",
    "dst_host_srv_serror_rate",
    "dst_host_rerror_rate",
    "dst_host_srv_rerror_rate",
)

#: The three categorical (string) columns of NSL-KDD.
NSL_KDD_CATEGORICAL: tuple[str, ...] = ("protocol_type", "service", "flag")

_NSL_KDD_FILES = {"train": "KDDTrain+_20Percent.txt", "test": "KDDTest+.txt"}


# --------------------------------------------------------------------------- location


def _candidate_dir() -> Path:
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    return _DEFAULT_DIR


def data_dir() -> Path | None:
    """Return the shared data folder, or ``None`` when it is missing.

    Returns
    -------
    pathlib.Path or None
        ``$AEKIT_SHARED_DATA`` if that variable is set, otherwise
        ``<repo root>/../shared/data``; ``None`` if the folder does not exist.
    """
    path = _candidate_dir()
    return path if path.is_dir() else None


def require_data_dir() -> Path:
    """Return the shared data folder or raise a clear error.

    Returns
    -------
    pathlib.Path
        The shared data folder.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist; the message names the path that was tried.
    """
    path = _candidate_dir()
    if not path.is_dir():
        raise FileNotFoundError(
            f"shared data folder not found: {path} (set {ENV_VAR} to its location; "
            "it holds the real data sets described in shared/data/README.md)"
        )
    return path


def _require(*parts: str) -> Path:
    """Return ``data_dir() / parts`` or raise FileNotFoundError naming the path."""
    path = require_data_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"shared data file not found: {path}")
    return path


# --------------------------------------------------------------------------- MNIST


def _read_idx(path: Path, magic: int, ndim: int) -> np.ndarray:
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    header_len = 4 + 4 * ndim
    header = np.frombuffer(raw, dtype=">i4", count=1 + ndim)
    if int(header[0]) != magic:
        raise ValueError(f"{path}: bad IDX magic number {int(header[0])}, expected {magic}")
    shape = tuple(int(s) for s in header[1:])
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_len)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: expected {np.prod(shape)} values, found {data.size}")
    return data.reshape(shape).copy()


def load_mnist() -> tuple[np.ndarray, np.ndarray]:
    """Load the MNIST test set (10000 images) from the gzipped IDX files.

    Returns
    -------
    images : numpy.ndarray of uint8, shape (10000, 28, 28)
        Pixel values 0-255.
    labels : numpy.ndarray of uint8, shape (10000,)
        Digits 0-9.

    Raises
    ------
    FileNotFoundError
        If the shared data folder or one of the files is missing.
    """
    images = _read_idx(_require("mnist", "t10k-images-idx3-ubyte.gz"), magic=2051, ndim=3)
    labels = _read_idx(_require("mnist", "t10k-labels-idx1-ubyte.gz"), magic=2049, ndim=1)
    if len(images) != len(labels):
        raise ValueError(f"MNIST: {len(images)} images but {len(labels)} labels")
    return images, labels


def mnist_split(
    seed: int = 0, n_train: int = 8000
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the 10000 MNIST images into a train and a test part by a fixed seed.

    Parameters
    ----------
    seed : int, default 0
        Seed of the permutation (``numpy.random.default_rng(seed)``).
    n_train : int, default 8000
        Number of training images; the remaining ``10000 - n_train`` are the test set.

    Returns
    -------
    X_train : numpy.ndarray of float32, shape (n_train, 784)
    X_test : numpy.ndarray of float32, shape (10000 - n_train, 784)
        Flattened images scaled to ``[0, 1]``.
    y_train, y_test : numpy.ndarray of int64
        Digit labels.
    """
    images, labels = load_mnist()
    n = len(images)
    if not 0 < n_train < n:
        raise ValueError(f"n_train must be in (0, {n}), got {n_train}")
    perm = np.random.default_rng(seed).permutation(n)
    X = images.reshape(n, -1).astype(np.float32) / np.float32(255.0)
    y = labels.astype(np.int64)
    tr, te = perm[:n_train], perm[n_train:]
    return X[tr], X[te], y[tr], y[te]


# --------------------------------------------------------------------------- ADBench


def _adbench_files() -> dict[str, Path]:
    folder = _require("adbench")
    return {p.stem: p for p in sorted(folder.glob("*.npz"))}


def _adbench_key(stem: str) -> int:
    num = stem.split("_", 1)[0]
    return int(num) if num.isdigit() else 10**6


def adbench_names() -> list[str]:
    """List the ADBench data sets present, by the file stem (e.g. ``'6_cardio'``).

    Returns
    -------
    list of str
        Sorted by ADBench's numeric prefix.
    """
    return sorted(_adbench_files(), key=_adbench_key)


def load_adbench(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Load one ADBench data set.

    Parameters
    ----------
    name : str
        File stem as listed by :func:`adbench_names` (``'6_cardio'``), or the name
        without the numeric prefix (``'cardio'``), case-insensitive; a trailing
        ``.npz`` is accepted.

    Returns
    -------
    X : numpy.ndarray of float64, shape (n, d)
    y : numpy.ndarray of int64, shape (n,)
        ``1`` is an anomaly, ``0`` normal.

    Raises
    ------
    FileNotFoundError
        If the folder is missing.
    KeyError
        If no data set matches ``name``.
    """
    files = _adbench_files()
    key = name.removesuffix(".npz").lower()
    match = [
        p
        for stem, p in files.items()
        if stem.lower() == key or stem.split("_", 1)[-1].lower() == key
    ]
    if len(match) != 1:
        raise KeyError(f"unknown ADBench data set {name!r}; available: {adbench_names()}")
    with np.load(match[0], allow_pickle=False) as d:
        X = np.asarray(d["X"], dtype=np.float64)
        y = np.asarray(d["y"]).astype(np.int64).ravel()
    return X, y


# --------------------------------------------------------------------------- credit card


def load_creditcard(drop_time: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Load the credit-card fraud sample (all 492 frauds + 4920 legitimate rows).

    Parameters
    ----------
    drop_time : bool, default False
        Drop the ``Time`` column (seconds since the first transaction), which many
        studies leave out.

    Returns
    -------
    X : numpy.ndarray of float64, shape (5412, 30) or (5412, 29)
        Columns ``Time, V1..V28, Amount`` (``Time`` left out if ``drop_time``).
    y : numpy.ndarray of int64, shape (5412,)
        ``Class``: 1 is fraud.
    """
    df = pd.read_csv(_require("creditcard", "creditcard_sample.csv"))
    y = df.pop("Class").to_numpy(dtype=np.int64)
    if drop_time:
        df = df.drop(columns="Time")
    return df.to_numpy(dtype=np.float64), y


# --------------------------------------------------------------------------- NSL-KDD


def load_nsl_kdd_raw(split: Literal["train", "test"]) -> pd.DataFrame:
    """Load an NSL-KDD file with all 43 columns.

    Parameters
    ----------
    split : {'train', 'test'}
        ``'train'`` reads ``KDDTrain+_20Percent.txt`` (25192 rows), ``'test'`` reads
        ``KDDTest+.txt`` (22544 rows).

    Returns
    -------
    pandas.DataFrame
        The 41 features named as in :data:`NSL_KDD_COLUMNS`, then ``attack`` (``'normal'``
        or the attack name) and ``difficulty`` (int).
    """
    if split not in _NSL_KDD_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    names = [*NSL_KDD_COLUMNS, "attack", "difficulty"]
    return pd.read_csv(_require("nsl_kdd", _NSL_KDD_FILES[split]), header=None, names=names)


def load_nsl_kdd(split: Literal["train", "test"]) -> tuple[pd.DataFrame, np.ndarray]:
    """Load NSL-KDD features and binary labels.

    Parameters
    ----------
    split : {'train', 'test'}
        See :func:`load_nsl_kdd_raw`.

    Returns
    -------
    X : pandas.DataFrame, shape (n, 41)
        Feature columns :data:`NSL_KDD_COLUMNS`; ``protocol_type``, ``service`` and
        ``flag`` are strings, the others numeric.
    y : numpy.ndarray of int64, shape (n,)
        ``1`` for an attack, ``0`` for ``normal``.
    """
    df = load_nsl_kdd_raw(split)
    y = (df["attack"] != "normal").to_numpy(dtype=np.int64)
    return df.loc[:, list(NSL_KDD_COLUMNS)], y


# --------------------------------------------------------------------------- NAB


def nab_files() -> dict[str, list[str]]:
    """List the NAB series present, by category.

    Returns
    -------
    dict of str to list of str
        Category folder (e.g. ``'realKnownCause'``) to the sorted series names without
        ``.csv`` (e.g. ``'nyc_taxi'``).
    """
    folder = _require("nab")
    return {
        d.name: sorted(p.stem for p in d.glob("*.csv"))
        for d in sorted(folder.iterdir())
        if d.is_dir() and any(d.glob("*.csv"))
    }


def _nab_key(name: str) -> str:
    """Resolve a series name to its ``'category/file.csv'`` key in windows.json."""
    stem = name.removesuffix(".csv")
    files = nab_files()
    if "/" in stem:
        cat, series = stem.split("/", 1)
        if series in files.get(cat, []):
            return f"{cat}/{series}.csv"
    else:
        hits = [cat for cat, names in files.items() if stem in names]
        if len(hits) == 1:
            return f"{hits[0]}/{stem}.csv"
        if len(hits) > 1:
            raise KeyError(f"NAB series {name!r} is ambiguous; prefix a category: {hits}")
    raise KeyError(f"unknown NAB series {name!r}; available: {files}")


def nab_windows(name: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Return the labelled anomaly windows of one NAB series.

    Parameters
    ----------
    name : str
        ``'nyc_taxi'``, ``'nyc_taxi.csv'`` or ``'realKnownCause/nyc_taxi.csv'``.

    Returns
    -------
    list of (pandas.Timestamp, pandas.Timestamp)
        Start and end (both inclusive) of each window from ``windows.json``; empty for
        the ``artificialNoAnomaly`` series.
    """
    key = _nab_key(name)
    with open(_require("nab", "windows.json"), encoding="utf-8") as fh:
        windows = json.load(fh)
    return [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in windows[key]]


def load_nab(name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Load one NAB series and per-point labels from its anomaly windows.

    Parameters
    ----------
    name : str
        ``'nyc_taxi'``, ``'nyc_taxi.csv'`` or ``'realKnownCause/nyc_taxi.csv'``.

    Returns
    -------
    df : pandas.DataFrame
        Columns ``timestamp`` (datetime64) and ``value`` (float64), in file order.
    labels : numpy.ndarray of int64, shape (len(df),)
        ``1`` where the timestamp lies inside a window of ``windows.json``
        (bounds inclusive), else ``0``.
    """
    key = _nab_key(name)
    df = pd.read_csv(_require("nab", *key.split("/")))
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    df["value"] = df["value"].astype(np.float64)
    labels = np.zeros(len(df), dtype=np.int64)
    ts = df["timestamp"]
    for start, end in nab_windows(key):
        labels[((ts >= start) & (ts <= end)).to_numpy()] = 1
    return df, labels


# --------------------------------------------------------------------------- SMAP


def smap_channels() -> list[str]:
    """List the SMAP channels present (e.g. ``['A-1', 'A-2', 'A-3']``)."""
    folder = _require("smap")
    return sorted(p.name.removesuffix("_train.npy") for p in folder.glob("*_train.npy"))


def load_smap(channel: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Load one SMAP telemetry channel.

    Parameters
    ----------
    channel : str
        ``'A-1'``, ``'A-2'`` or ``'A-3'``.

    Returns
    -------
    train : numpy.ndarray of float64, shape (n_train, 25)
    test : numpy.ndarray of float64, shape (n_test, 25)
        Column 0 is the telemetry value scaled to [-1, 1], the others command flags.
    labels : numpy.ndarray of int64, shape (n_test,)
        ``1`` for an anomalous test step. The file stores the labels with the test's
        shape and all columns equal; this returns one column.
    """
    train = np.load(_require("smap", f"{channel}_train.npy"))
    test = np.load(_require("smap", f"{channel}_test.npy"))
    raw = np.load(_require("smap", f"{channel}_labels.npy"))
    labels = raw[:, 0] if raw.ndim == 2 else raw
    if raw.ndim == 2 and not np.array_equal(raw, np.broadcast_to(labels[:, None], raw.shape)):
        raise ValueError(f"SMAP {channel}: label columns differ")
    if len(labels) != len(test):
        raise ValueError(f"SMAP {channel}: {len(labels)} labels for {len(test)} test steps")
    return train, test, labels.astype(np.int64)


# --------------------------------------------------------------------------- protocols


def semi_supervised_split(
    X: np.ndarray | pd.DataFrame,
    y: np.ndarray,
    seed: int,
    train_fraction: float = 0.6,
) -> tuple[
    np.ndarray | pd.DataFrame,
    np.ndarray | pd.DataFrame,
    np.ndarray,
    np.ndarray,
]:
    """Semi-supervised anomaly-detection split (the ADBench / credit-card protocol).

    A random ``train_fraction`` of the normal rows (``y == 0``) is the training set;
    the test set is the remaining normal rows plus *all* anomalies, in their original
    order.

    Parameters
    ----------
    X : numpy.ndarray or pandas.DataFrame, shape (n, d)
        Features.
    y : numpy.ndarray, shape (n,)
        Labels, ``1`` (or any non-zero) is an anomaly.
    seed : int
        Seed of ``numpy.random.default_rng``; the protocol repeats over seeds 0..4.
    train_fraction : float, default 0.6
        Fraction of the normal rows used for training (rounded down).

    Returns
    -------
    X_train : same type as X
        Normal rows only.
    X_test : same type as X
    y_train : numpy.ndarray of int64
        All zeros, returned for symmetry with scikit-learn's ``train_test_split``.
    y_test : numpy.ndarray of int64
        Binary labels of the test rows.
    """
    y = (np.asarray(y).ravel() != 0).astype(np.int64)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}")
    rng = np.random.default_rng(seed)
    normal = np.flatnonzero(y == 0)
    shuffled = rng.permutation(normal)
    n_train = int(train_fraction * len(normal))
    train_idx = np.sort(shuffled[:n_train])
    test_mask = np.ones(len(y), dtype=bool)
    test_mask[train_idx] = False
    test_idx = np.flatnonzero(test_mask)
    if isinstance(X, pd.DataFrame):
        X_train, X_test = X.iloc[train_idx], X.iloc[test_idx]
    else:
        X = np.asarray(X)
        X_train, X_test = X[train_idx], X[test_idx]
    return X_train, X_test, y[train_idx], y[test_idx]


if __name__ == "__main__":  # pragma: no cover - manual smoke check
    root = data_dir()
    if root is None:
        raise SystemExit(f"shared data folder missing: {_candidate_dir()}")
    print("data dir:", root)
    imgs, labs = load_mnist()
    print("mnist", imgs.shape, imgs.dtype, labs.shape)
    print("mnist_split", [a.shape for a in mnist_split(0)])
    for n in adbench_names():
        Xa, ya = load_adbench(n)
        print(f"adbench {n:16s} X{Xa.shape} anomalies={ya.mean():.3f}")
    Xc, yc = load_creditcard()
    print("creditcard", Xc.shape, yc.mean().round(3))
    for s in ("train", "test"):
        Xk, yk = load_nsl_kdd(s)
        print("nsl_kdd", s, Xk.shape, yk.mean().round(3))
    for cat, names in nab_files().items():
        for n in names:
            d, lab = load_nab(f"{cat}/{n}")
            print(f"nab {cat}/{n}: {len(d)} points, {lab.mean():.3f} in windows")
    for ch in smap_channels():
        tr, te, lab = load_smap(ch)
        print("smap", ch, tr.shape, te.shape, lab.mean().round(4))
