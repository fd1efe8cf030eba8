"""Output files: written where named, never over a file of another kind, readable back."""

from __future__ import annotations

import pytest

import aekit as api


@pytest.mark.parametrize("command", ["fit", "tune"])
def test_a_model_never_replaces_a_data_file(aekit, files, tmp_path, command):
    test = tmp_path / "test.csv"
    test.write_bytes(files["test_csv"].read_bytes())
    before = test.read_bytes()
    args = (command, files["csv"], "--drop-columns", "id,label", "--epochs", "1")
    r = aekit(*args, "-o", test)
    assert r.code == 2 and "a .csv name is for data, not for the model file" in r.err, r
    assert test.read_bytes() == before
    r = aekit(*args, "-o", tmp_path / "new.npy")  # a data name, even for a new file
    assert r.code == 2 and not (tmp_path / "new.npy").exists()
    other = tmp_path / "notes.aekit"
    other.write_text("not a model")
    r = aekit(*args, "-o", other)
    assert r.code == 2 and "exists and is not an aekit model file" in r.err, r
    assert other.read_text() == "not a model"


def test_a_model_file_is_replaced_by_a_new_fit(aekit, files, tmp_path):
    m = tmp_path / "m.aekit"
    args = ("-q", "fit", files["csv"], "--drop-columns", "id,label", "--epochs", "1", "-o", m)
    assert aekit(*args).code == 0 and aekit(*args, "--latent-dim", "3").code == 0
    assert api.load(m).latent_dim_ == 3


def test_reconstruct_renames_an_id_column_a_feature_already_has(aekit, tmp_path):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.normal(size=(20, 2)), columns=["label", "file"])
    data["cls"] = ["x", "y"] * 10
    data.to_csv(tmp_path / "lab.csv", index=False)
    m = tmp_path / "m.aekit"
    assert aekit("-q", "fit", tmp_path / "lab.csv", "--label-column", "cls", "--epochs", "1",
                 "-o", m).code == 0  # fmt: skip
    for out in ("r.csv", "r.parquet"):
        r = aekit("reconstruct", m, tmp_path / "lab.csv", "--label-column", "cls",
                  "-o", tmp_path / out)  # fmt: skip
        assert r.code == 0 and "is written as 'input_label'" in r.err, r
    back = pd.read_csv(tmp_path / "r.csv")
    assert list(back.columns) == ["input_label", "label", "file"]
    assert list(back["input_label"]) == ["x", "y"] * 10
    pd.testing.assert_frame_equal(back, pd.read_parquet(tmp_path / "r.parquet"))


def test_reconstruct_writes_an_upper_case_npy_where_named(aekit, files, tmp_path):
    import numpy as np

    m = tmp_path / "m.aekit"
    assert aekit("-q", "fit", files["npy"], "--epochs", "1", "-o", m).code == 0
    assert aekit("-q", "reconstruct", m, files["npy"], "-o", tmp_path / "R.NPY").code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R.NPY", "m.aekit"]
    assert np.load(tmp_path / "R.NPY").shape == (240, 6)


@pytest.mark.parametrize("command, options", [("fit", ()), ("tune", ("--n-trials", "1"))])
def test_an_empty_file_is_replaced_by_a_model(aekit, files, tmp_path, command, options):
    empty = tmp_path / "tmp.XXXX.aekit"  # as `mktemp --suffix=.aekit` leaves it
    empty.touch()
    r = aekit("-q", command, files["csv"], "--drop-columns", "id,label", "--epochs", "1",
              *options, "-o", empty)  # fmt: skip
    assert r.code == 0, r
    assert api.load(empty).n_features_in_ == 6


def _as_if_not_root(monkeypatch, unreadable=()):
    """Refuse opens as the OS would for a user other than root, whom file modes do not stop.

    Files in ``unreadable`` cannot be opened at all; others without their
    owner's write bit cannot be opened for writing.
    """
    import io
    import os
    import stat

    real_open = open

    def checked(file, mode="r", *args, **kwargs):
        named = isinstance(file, (str, os.PathLike))
        if named and os.fspath(file) in map(os.fspath, unreadable):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        writes = named and set(mode) & set("wax+")
        if writes and os.path.exists(file) and not os.stat(file).st_mode & stat.S_IWUSR:
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", checked)
    monkeypatch.setattr(io, "open", checked)  # zipfile opens with io.open


@pytest.mark.parametrize("command", ["fit", "tune"])
def test_an_unreadable_file_is_called_unreadable(aekit, files, tmp_path, monkeypatch, command):
    m = tmp_path / "m.aekit"
    args = ("-q", command, files["csv"], "--drop-columns", "id,label", "--epochs", "1")
    assert aekit("-q", "fit", *args[2:], "-o", m).code == 0
    before = m.read_bytes()
    _as_if_not_root(monkeypatch, unreadable=[m])
    r = aekit(*args, "-o", m)
    assert r.code == 1 and "the file exists but cannot be read (Permission denied)" in r.err, r
    assert "not an aekit model file" not in r.err
    monkeypatch.undo()
    assert m.read_bytes() == before


def test_read_only_outputs_are_replaced_and_stay_read_only(aekit, files, tmp_path, monkeypatch):
    import stat

    m, scores = tmp_path / "m.aekit", tmp_path / "scores.csv"
    fit = ("-q", "fit", files["csv"], "--drop-columns", "id,label", "--epochs", "1", "-o", m)
    score = ("-q", "score", m, files["csv"], "--drop-columns", "id,label", "--threshold", "1",
             "-o", scores)  # fmt: skip
    assert aekit(*fit).code == 0 and aekit(*score).code == 0
    m.chmod(0o444)
    scores.write_text("old")
    scores.chmod(0o444)
    _as_if_not_root(monkeypatch)
    # The mode is given once the new content is written, not to the empty temporary
    # file, which then could not be written ("Permission denied" on a hidden file).
    r = aekit(*fit, "--latent-dim", "3")
    assert r.code == 0, r
    r = aekit(*score)
    assert r.code == 0, r
    assert api.load(m).latent_dim_ == 3 and "score" in scores.read_text().splitlines()[0].split(",")
    assert {stat.S_IMODE(p.stat().st_mode) for p in (m, scores)} == {0o444}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.aekit", "scores.csv"]
