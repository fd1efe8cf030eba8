"""Small data files for the command-line tests, and a helper that runs ``aekit`` in-process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aekit.cli import main


class Result:
    """Exit code and captured output of one ``aekit`` run."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Result(code={self.code}, err={self.err!r})"


@pytest.fixture
def aekit(capsys):
    """``aekit(*args)`` runs the command in this process and returns a :class:`Result`."""

    def run(*args) -> Result:
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:  # argparse: --help, usage errors
            code = e.code
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def low_rank_table(n: int, seed: int) -> pd.DataFrame:
    """Six numeric columns driven by two factors, plus an id and a 0/1 label column.

    The mixing of the factors is the same for every ``seed``; the rows differ.
    """
    mixing = np.random.default_rng(12345).normal(size=(2, 6))
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    X = z @ mixing + 0.05 * rng.normal(size=(n, 6))
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    df.insert(0, "id", np.arange(n))
    df["label"] = (z[:, 0] > 0).astype(int)
    return df


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, Path]:
    """CSV, TSV, bad CSVs, .npy, .npz, an image folder and a time-series CSV."""
    d = tmp_path_factory.mktemp("cli-data")
    df = low_rank_table(240, 0)
    paths = {"csv": d / "table.csv", "tsv": d / "table.tsv", "npy": d / "table.npy",
             "npz": d / "table.npz"}  # fmt: skip
    df.to_csv(paths["csv"], index=False)
    df.to_csv(paths["tsv"], index=False, sep="\t")
    feats = df[[f"f{i}" for i in range(6)]].to_numpy()
    np.save(paths["npy"], feats)
    np.savez(paths["npz"], X=feats, y=df["label"].to_numpy())
    bad = df.astype({"f2": object})
    bad.loc[7, "f2"] = "abc"
    paths["text_in_numbers"] = d / "text.csv"
    bad.to_csv(paths["text_in_numbers"], index=False)
    paths["missing_column"] = d / "missing.csv"
    df.drop(columns=["f3"]).to_csv(paths["missing_column"], index=False)
    paths["not_a_table"] = d / "garbage.csv"
    paths["not_a_table"].write_bytes(b"\x00\xff\xfe binary \x00" * 50)
    # Anomalies for scoring: the same structure with a few rows far off it.
    test = low_rank_table(100, 1)
    test.loc[:9, "f1"] += 8.0
    test["label"] = (np.arange(100) < 10).astype(int)
    paths["test_csv"] = d / "test.csv"
    test.to_csv(paths["test_csv"], index=False)

    from PIL import Image

    rng = np.random.default_rng(0)
    for cls, bright in (("dark", 60), ("light", 190)):
        folder = d / "images" / cls
        folder.mkdir(parents=True)
        for i in range(8):
            a = np.clip(rng.normal(bright, 20, size=(10, 12)), 0, 255).astype(np.uint8)
            Image.fromarray(a).save(folder / f"{i}.png")
    paths["images"] = d / "images"

    t = pd.date_range("2024-01-01", periods=720, freq="h")
    v = np.sin(np.arange(720) * 2 * np.pi / 24) + 0.05 * rng.normal(size=720)
    # The detectors train on the clean series and score the one with the spike.
    pd.DataFrame({"timestamp": t, "value": v}).to_csv(d / "series_train.csv", index=False)
    paths["series_train"] = d / "series_train.csv"
    v = v.copy()
    v[600:605] += 4.0
    series = pd.DataFrame({"timestamp": t, "value": v,
                           "is_anomaly": ((t >= t[600]) & (t < t[605])).astype(int)})
    paths["series"] = d / "series.csv"
    series.to_csv(paths["series"], index=False)
    return paths
