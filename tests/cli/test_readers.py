"""aekit.readers: tables, Parquet, arrays, image folders, series, chunks, schema checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aekit.readers import (
    DataError,
    ReadOptions,
    check_columns,
    file_kind,
    iter_table_chunks,
    read_data,
    read_images,
    sliding_windows,
)

FEATURES = [f"f{i}" for i in range(6)]


def test_table_with_label_and_dropped_columns(files):
    data = read_data(files["csv"], ReadOptions(label_column="label", drop_columns=("id",)))
    assert data.kind == "table" and data.feature_names == FEATURES
    assert data.y.shape == (240,) and set(data.y) == {0, 1}
    tsv = read_data(files["tsv"], ReadOptions(label_column="label", drop_columns=("id",)))
    pd.testing.assert_frame_equal(data.X, tsv.X)


def test_parquet_round_trip(files, tmp_path):
    pytest.importorskip("pyarrow")
    df = pd.read_csv(files["csv"])
    df.to_parquet(tmp_path / "t.parquet")
    data = read_data(tmp_path / "t.parquet", ReadOptions(label_column="label"))
    np.testing.assert_allclose(data.X[FEATURES].to_numpy(), df[FEATURES].to_numpy())
    chunks = list(iter_table_chunks(tmp_path / "t.parquet", ReadOptions(), chunksize=100))
    assert [len(c.X) for c in chunks] == [100, 100, 40]


def test_chunks_cover_the_table_once(files):
    opts = ReadOptions(label_column="label", drop_columns=("id",))
    chunks = list(iter_table_chunks(files["csv"], opts, chunksize=50))
    assert [c.extra["offset"] for c in chunks] == [0, 50, 100, 150, 200]
    whole = read_data(files["csv"], opts)
    pd.testing.assert_frame_equal(pd.concat([c.X for c in chunks]), whole.X)
    npy = list(iter_table_chunks(files["npy"], chunksize=100))
    assert sum(len(c.X) for c in npy) == 240 and npy[0].X.shape == (100, 6)


def test_error_rows_count_from_the_start_of_the_file_in_chunks(files):
    with pytest.raises(DataError, match="data row 8"):
        list(iter_table_chunks(files["text_in_numbers"], ReadOptions(), chunksize=5))


def test_npy_and_npz(files):
    a = read_data(files["npy"])
    assert a.kind == "array" and a.X.shape == (240, 6) and a.y is None
    z = read_data(files["npz"])
    assert z.X.shape == (240, 6) and z.y.shape == (240,)
    with pytest.raises(DataError, match="tables only"):
        read_data(files["npy"], ReadOptions(label_column="label"))


def test_images_grayscale_rgb_and_resize(files, tmp_path):
    g = read_images(files["images"])
    assert g.X.shape == (16, 10, 12) and g.X.dtype == np.float32
    assert 0 <= g.X.min() and g.X.max() <= 1
    assert list(g.y[:8]) == ["dark"] * 8 and g.index[0] == "dark/0.png"
    assert g.X[:8].mean() < 0.4 < 0.6 < g.X[8:].mean()  # the two classes' brightness
    rgb = read_images(files["images"], size=(6, 5), color="rgb")
    assert rgb.X.shape == (16, 3, 6, 5)


def test_images_of_different_sizes_need_a_size(tmp_path):
    from PIL import Image

    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(np.zeros((5, 4), np.uint8)).save(tmp_path / "b.jpg")
    with pytest.raises(DataError, match="image size"):
        read_images(tmp_path)
    assert read_images(tmp_path, size=(3, 3)).X.shape == (2, 3, 3)
    (tmp_path / "c.png").write_bytes(b"not an image")
    with pytest.raises(DataError, match="c.png"):
        read_images(tmp_path, size=(3, 3))


def test_empty_folder_and_unknown_suffix(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no PNG or JPEG"):
        read_data(tmp_path / "empty")
    (tmp_path / "x.xlsx").write_bytes(b"")
    with pytest.raises(DataError, match="unknown file type"):
        file_kind(tmp_path / "x.xlsx")


def test_empty_and_header_only_tables(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        read_data(tmp_path / "empty.csv")
    (tmp_path / "header.csv").write_text("a,b\n")
    with pytest.raises(DataError, match="no rows"):
        read_data(tmp_path / "header.csv")


def test_series_timestamps_labels_and_order(files, tmp_path):
    s = read_data(files["series"], ReadOptions(timestamp_column="timestamp",
                                               label_column="is_anomaly"))  # fmt: skip
    assert s.kind == "series" and s.feature_names == ["value"]
    assert s.index.dtype.kind == "M" and len(s.index) == 720 and s.y.sum() == 5
    df = pd.read_csv(files["series"])
    df.iloc[[10, 11]] = df.iloc[[11, 10]].to_numpy()
    df.to_csv(tmp_path / "shuffled.csv", index=False)
    with pytest.raises(DataError, match="timestamps must increase; data row 12"):
        read_data(tmp_path / "shuffled.csv", ReadOptions(timestamp_column="timestamp"))
    df = pd.read_csv(files["series"]).assign(timestamp=lambda d: d.timestamp.astype(str))
    df.loc[3, "timestamp"] = "yesterday"
    df.to_csv(tmp_path / "baddate.csv", index=False)
    with pytest.raises(DataError, match="'yesterday'.*date"):
        read_data(tmp_path / "baddate.csv", ReadOptions(timestamp_column="timestamp"))


def test_sliding_windows():
    v = np.arange(20.0).reshape(10, 2)  # (T, C)
    w = sliding_windows(v, 4, stride=3)
    assert w.shape == (3, 2, 4)
    np.testing.assert_array_equal(w[1, 0], [6, 8, 10, 12])
    assert sliding_windows(np.arange(5.0), 5).shape == (1, 1, 5)
    with pytest.raises(DataError, match="fewer than the window"):
        sliding_windows(np.arange(3.0), 4)


def test_check_columns_orders_and_reports():
    df = pd.DataFrame({"b": [1.0], "extra": [2.0], "a": [3.0]})
    X, extra = check_columns(df, ["a", "b"])
    assert list(X.columns) == ["a", "b"] and extra == ["extra"]
    with pytest.raises(DataError, match="missing 1 column.*'c'"):
        check_columns(df, ["a", "c"], "new.csv")


def test_text_columns_are_kept_for_models_that_encode_them(files, tmp_path):
    df = pd.read_csv(files["csv"]).assign(color=["red", "blue"] * 120)
    df.to_csv(tmp_path / "mixed.csv", index=False)
    data = read_data(tmp_path / "mixed.csv", ReadOptions(allow_text=True))
    assert not pd.api.types.is_numeric_dtype(data.X["color"])
    with pytest.raises(DataError, match="--drop-columns color"):
        read_data(tmp_path / "mixed.csv")
