"""aekit.readers: tables, Parquet, arrays, image folders, series, chunks, schema checks."""

from __future__ import annotations

import warnings

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
    assert data.y.shape == (240,) and set(data.y) == {"0", "1"}  # as written
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


def test_one_dimensional_npy_is_refused_with_the_reshape(tmp_path):
    np.save(tmp_path / "x.npy", np.arange(5.0))
    with pytest.raises(DataError, match=r"got \(5,\) \(for one feature or one series.*reshape"):
        read_data(tmp_path / "x.npy")


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
    with pytest.raises(DataError, match=r"no images \(PNG, JPEG"):
        read_data(tmp_path / "empty")
    (tmp_path / "empty" / "a.heic").write_bytes(b"")
    with pytest.raises(DataError, match=r"in this folder; it holds only 1 file \(1 .heic\)"):
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
    assert s.index.dtype.kind == "M" and len(s.index) == 720 and (s.y == "1").sum() == 5
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


def test_header_only_files_read_in_chunks_or_as_series(tmp_path):
    (tmp_path / "header.csv").write_text("t,name,v\n")
    with pytest.raises(DataError, match="no rows"):
        list(iter_table_chunks(tmp_path / "header.csv", chunksize=5))
    with pytest.raises(DataError, match="no rows"):
        read_data(tmp_path / "header.csv", ReadOptions(timestamp_column="t"))


def test_parquet_dates_and_numbers_stored_as_text(tmp_path):
    pytest.importorskip("pyarrow")
    base = pd.DataFrame({"a": [1.0, 2.0, 3.0], "n": ["1", "2.5", "3"]})
    base.to_parquet(tmp_path / "t.parquet")
    d = read_data(tmp_path / "t.parquet")
    np.testing.assert_array_equal(d.X["n"].to_numpy(), [1.0, 2.5, 3.0])
    base.assign(when=pd.date_range("2024-01-01", periods=3)).to_parquet(tmp_path / "d.parquet")
    with pytest.raises(DataError, match="'when' holds dates.*--timestamp-column when"):
        read_data(tmp_path / "d.parquet")


def test_infinity_is_refused_and_a_decimal_comma_is_not_a_date(tmp_path):
    (tmp_path / "inf.csv").write_text("a,b\n1,2\ninf,3\n")
    with pytest.raises(DataError, match="'a' has 1 missing value.* or infinities"):
        read_data(tmp_path / "inf.csv")
    (tmp_path / "comma.csv").write_text("a;b\n1,5;2\n2,5;3\n")
    with pytest.raises(DataError, match="'a' holds numbers written with separators .*'1,5'"):
        read_data(tmp_path / "comma.csv", ReadOptions(sep=";"))


def test_numbers_with_separators_and_another_column_mark_are_named(tmp_path):
    # Read as they come, both would be text: a one-hot level per value, where
    # a new row of 3,000,000 is just "another level" to an anomaly detector.
    (tmp_path / "thousands.csv").write_text('a,b\n"377",1\n"1,921",2\n"-3,470",3\n')
    for allow_text in (False, True):
        with pytest.raises(DataError, match="'a' holds numbers written with separators .*1,921"):
            read_data(tmp_path / "thousands.csv", ReadOptions(allow_text=allow_text))
    (tmp_path / "sizes.csv").write_text('size,v\n"1,2",1\n"2,3",2\n')  # a category, or 1.2?
    with pytest.warns(UserWarning, match="'size' is read as text, though its values look"):
        assert read_data(tmp_path / "sizes.csv", ReadOptions(allow_text=True)).X.shape == (2, 2)
    (tmp_path / "semi.csv").write_text("a;b;c\n0.1;2;3\n0.4;5;6\n")
    with pytest.raises(DataError, match="looks separated by ';': pass --sep ';'"):
        read_data(tmp_path / "semi.csv", ReadOptions(allow_text=True))
    assert read_data(tmp_path / "semi.csv", ReadOptions(sep=";")).X.shape == (2, 3)
    (tmp_path / "words.csv").write_text("city,v\nOslo,1\nRome,2\n")
    with pytest.raises(DataError, match="'city' holds text .e.g. 'Oslo'"):
        read_data(tmp_path / "words.csv")


def test_series_across_a_daylight_saving_change(tmp_path):
    stamps = ["2024-03-31T01:00:00+01:00", "2024-03-31T03:00:00+02:00",
              "2024-03-31T04:00:00+02:00"]  # fmt: skip
    pd.DataFrame({"t": stamps, "v": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "dst.csv", index=False)
    s = read_data(tmp_path / "dst.csv", ReadOptions(timestamp_column="t"))
    assert len(s.index) == 3 and str(s.index[0]) == "2024-03-31 00:00:00+00:00"


def test_sixteen_bit_images_and_hidden_files(tmp_path):
    from PIL import Image

    ramp = (np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "._deep.png").write_bytes(b"\x00\x05\x16\x07 resource fork")
    (tmp_path / ".hidden.png").write_bytes(b"not an image")
    g = read_images(tmp_path)
    assert g.X.shape == (1, 3, 4) and list(g.index) == ["deep.png"]
    np.testing.assert_allclose(g.X[0], ramp / 65535.0, atol=1e-6)
    assert read_images(tmp_path, color="rgb").X.shape == (1, 3, 3, 4)


def test_npz_labels_must_match_and_data_is_not_taken_from_y(tmp_path):
    X = np.zeros((6, 4))
    np.savez(tmp_path / "yfirst.npz", y=np.arange(6), images=X)
    d = read_data(tmp_path / "yfirst.npz")
    assert d.X.shape == (6, 4) and d.y.shape == (6,)
    np.savez(tmp_path / "column.npz", X=X, y=np.arange(6)[:, None])
    assert read_data(tmp_path / "column.npz").y.shape == (6,)  # a column of labels is fine
    np.savez(tmp_path / "short.npz", X=X, y=np.arange(5))
    with pytest.raises(DataError, match="'y' has shape \\(5,\\).*6 samples"):
        read_data(tmp_path / "short.npz")
    np.savez(tmp_path / "objects.npz", X=X, y=np.array(["a", None] * 3, dtype=object))
    with pytest.raises(DataError, match="objects.npz: cannot be read"):
        read_data(tmp_path / "objects.npz")


def test_other_image_formats_and_camera_orientation(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    a = rng.integers(0, 255, size=(6, 10), dtype=np.uint8)
    for suffix in (".bmp", ".tif", ".webp", ".png"):
        # WebP lossless, so that every format must give the same pixels.
        lossless = {"lossless": True} if suffix == ".webp" else {}
        Image.fromarray(a).save(tmp_path / f"a{suffix}", **lossless)
    data = read_images(tmp_path)
    assert data.X.shape == (4, 6, 10)  # none skipped
    np.testing.assert_allclose(data.X, np.repeat(a[None] / 255.0, 4, axis=0), atol=1e-6)
    # A camera stores the picture sideways plus an EXIF note to turn it.
    side = tmp_path / "side"
    side.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90 degrees clockwise to view
    Image.fromarray(np.rot90(a)).save(side / "photo.png", exif=exif)
    np.testing.assert_allclose(read_images(side).X[0], a / 255.0, atol=1e-6)


def test_headers_that_are_data_repeat_a_name_or_leave_one_out(tmp_path):
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.savetxt(tmp_path / "noheader.csv", X, delimiter=",")
    with pytest.warns(UserWarning, match="if the file has no header row"):
        read_data(tmp_path / "noheader.csv")  # the first row is lost as names: said
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for header in ("label,400.5", "a,1"):  # a name shows a header
            (tmp_path / "h.csv").write_text(f"{header}\n1.5,2.5\n")
            names = read_data(tmp_path / "h.csv").X.columns.tolist()
            assert names == header.split(","), names
    (tmp_path / "years.csv").write_text("2019,2020\n1.5,2.5\n")  # names, or data?
    with pytest.warns(UserWarning, match=r"first row \(2019, 2020\) holds only numbers"):
        assert read_data(tmp_path / "years.csv").X.columns.tolist() == ["2019", "2020"]
    data = read_data(tmp_path / "years.csv", ReadOptions(header=False))
    assert data.X.columns.tolist() == ["x0", "x1"] and len(data.X) == 2
    (tmp_path / "dup.csv").write_text("a,a,b\n1,2,3\n4,5,6\n")
    with pytest.raises(DataError, match="more than one column is named 'a'"):
        read_data(tmp_path / "dup.csv")  # pandas would call the second one 'a.1'
    (tmp_path / "gaps.csv").write_text("a,,,b\n1,2,3,4\n")
    with pytest.raises(DataError, match="without a name .'Unnamed: 1'"):
        read_data(tmp_path / "gaps.csv")  # two empty names are not one repeated name
    pd.DataFrame(X, columns=list("abc")).to_csv(tmp_path / "index.csv")  # index included
    with pytest.raises(DataError, match="without a name .'Unnamed: 0'"):
        read_data(tmp_path / "index.csv")
    kept = read_data(tmp_path / "index.csv", ReadOptions(drop_columns=("Unnamed: 0",)))
    assert kept.X.columns.tolist() == list("abc")


def test_npy_read_in_chunks_gets_the_same_checks(tmp_path):
    for name, arr, words in (("flat.npy", np.zeros(5), "shape .n_samples"),
                             ("empty.npy", np.zeros((0, 3)), "no rows"),
                             ("text.npy", np.array([["a"]]), "expected numbers")):  # fmt: skip
        np.save(tmp_path / name, arr)
        with pytest.raises(DataError, match=words):
            next(iter_table_chunks(tmp_path / name))


def test_images_beside_class_folders_drop_the_labels_with_a_warning(tmp_path):
    from PIL import Image

    a = np.zeros((4, 4), dtype=np.uint8)
    (tmp_path / "cat").mkdir()
    Image.fromarray(a).save(tmp_path / "cat" / "1.png")
    Image.fromarray(a).save(tmp_path / "loose.png")
    with pytest.warns(UserWarning, match="1 image lies outside the class subfolders"):
        assert read_images(tmp_path).y is None


def test_transparency_that_is_not_read_is_said(tmp_path):
    from PIL import Image

    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[..., 3] = 0  # fully see-through
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    with pytest.warns(UserWarning, match="1 of the images have transparency"):
        read_images(tmp_path, color="rgb")


def test_words_like_na_are_text_values_and_dates_are_not_levels(tmp_path):
    # "NA" is Namibia here: only an empty cell is missing.
    df = pd.DataFrame({"a": np.arange(6.0), "country": ["NA", "US", "None", "", "null", "FR"]})
    df.to_csv(tmp_path / "c.csv", index=False)
    got = read_data(tmp_path / "c.csv", ReadOptions(allow_text=True)).X["country"]
    assert got.iloc[[0, 1, 2, 4, 5]].tolist() == ["NA", "US", "None", "null", "FR"]
    assert pd.isna(got.iloc[3])
    # In a numeric column such a word is a missing value, and said so.
    pd.DataFrame({"a": ["1", "2", "NA", "4"]}).to_csv(tmp_path / "n.csv", index=False)
    with pytest.raises(DataError, match=r"'a' holds numbers but has a missing value \('NA'\)"):
        read_data(tmp_path / "n.csv", ReadOptions(allow_text=True))
    # Mostly "NA" is still a numeric column with missing values; age bands are text.
    pd.DataFrame({"a": ["NA", "NA", "3", "NA"], "band": ["1-4", "5-9", "10-14", "1-4"]}).to_csv(
        tmp_path / "r.csv", index=False)  # fmt: skip
    with pytest.raises(DataError, match=r"'a' holds numbers but has a missing value \('NA'\)"):
        read_data(tmp_path / "r.csv", ReadOptions(allow_text=True))
    band = read_data(tmp_path / "r.csv", ReadOptions(allow_text=True, drop_columns=["a"]))
    assert band.X["band"].tolist() == ["1-4", "5-9", "10-14", "1-4"]
    # Dates are refused for models that take text too, not encoded as levels.
    df.assign(day=pd.date_range("2024", periods=6).astype(str)).to_csv(
        tmp_path / "d.csv", index=False)  # fmt: skip
    with pytest.raises(DataError, match="'day' holds dates .* takes numbers and text"):
        read_data(tmp_path / "d.csv", ReadOptions(allow_text=True))


def test_series_timestamps_in_several_iso_forms_empty_or_half_with_offsets(tmp_path):
    opts = ReadOptions(timestamp_column="t")
    # isoformat() leaves out a zero fraction: the first row's format does not fit all.
    t = ["2021-01-01 00:00:00", "2021-01-01 00:00:00.500", "2021-01-01 00:00:01"]
    pd.DataFrame({"t": t, "a": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "iso.csv", index=False)
    got = read_data(tmp_path / "iso.csv", opts).index
    assert (np.diff(got) == np.timedelta64(500, "ms")).all()
    for times in ([1, None, 3], ["2021-01-01", "", "2021-01-03"]):  # numbers, text
        pd.DataFrame({"t": times, "a": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "e.csv", index=False)
        with pytest.raises(DataError, match="column 't' is empty in data row 2"):
            read_data(tmp_path / "e.csv", opts)  # internal error or "must increase" before
    pd.DataFrame({"t": ["2021-01-01 00:00", "2021-01-01 06:00+05:00"], "a": [1.0, 2.0]}).to_csv(
        tmp_path / "m.csv", index=False)  # fmt: skip
    with pytest.raises(DataError, match="mixes timestamps with a UTC offset"):
        read_data(tmp_path / "m.csv", opts)


def test_series_dates_with_day_and_month_as_numbers_are_read_in_one_order(tmp_path):
    opts = ReadOptions(timestamp_column="t")

    def read(times):
        pd.DataFrame({"t": times, "a": np.arange(len(times), dtype=float)}).to_csv(
            tmp_path / "d.csv", index=False)  # fmt: skip
        return read_data(tmp_path / "d.csv", opts).index

    # Day first, told by the 13th: the 11th and 12th were read as 2 November
    # and 2 December, the 13th and 14th as days of February.
    got = read(["11/02/2021 10:00", "12/02/2021 10:00", "13/02/2021 10:00", "14.02.2021 10:00"])
    assert list(pd.DatetimeIndex(got).day) == [11, 12, 13, 14]
    assert (pd.DatetimeIndex(got).month == 2).all()
    got = read(["02/11/2021", "02/12/2021", "02/13/2021"])  # month first, told by the 13
    assert list(pd.DatetimeIndex(got).day) == [11, 12, 13]
    with pytest.warns(UserWarning, match=r"no row tells which comes first; read month first "
                                         r"\('01/02/2021' as month 1, day 2\)"):
        got = read(["01/02/2021", "01/03/2021", "01/04/2021"])
    assert list(pd.DatetimeIndex(got).day) == [2, 3, 4]
    with pytest.raises(DataError, match=r"day first \(data row 1: '13/02/2021'\) and with the "
                                        r"month first \(row 2: '02/14/2021'\)"):
        read(["13/02/2021", "02/14/2021"])
    # Dashes: a date's last field is its year, not a UTC offset beside a time.
    got = read(["13-02-2021", "14-02-2021 10:00"])
    assert list(pd.DatetimeIndex(got).day) == [13, 14]
    # Other forms are untouched: ISO dates, and years first.
    got = read(["2021/02/11", "2021/02/12"])
    assert list(pd.DatetimeIndex(got).day) == [11, 12]


def test_series_gaps_are_warned_about(tmp_path):
    opts = ReadOptions(timestamp_column="t")
    times = pd.date_range("2024-01-01", periods=10, freq="5min").delete([4, 5, 6])
    pd.DataFrame({"t": times.astype(str), "a": np.arange(7.0)}).to_csv(
        tmp_path / "g.csv", index=False)  # fmt: skip
    with pytest.warns(UserWarning, match=r"1 gap\(s\) of more than twice its usual step "
                                         r"\(0 days 00:05:00\), the longest 0 days 00:20:00 "
                                         r"before data row 5"):
        got = read_data(tmp_path / "g.csv", opts)
    assert len(got.X) == 7  # the rows are kept as they are
    pd.DataFrame({"t": [0, 1, 2, 3, 10, 11], "a": np.arange(6.0)}).to_csv(
        tmp_path / "n.csv", index=False)  # fmt: skip
    with pytest.warns(UserWarning, match=r"usual step \(1\), the longest 7 before data row 5"):
        read_data(tmp_path / "n.csv", opts)
    # Offsets that change (daylight saving) are read as UTC: a 2-hour step there is 1 hour.
    t = ["2021-03-28 00:00+01:00", "2021-03-28 01:00+01:00", "2021-03-28 03:00+02:00",
         "2021-03-28 04:00+02:00", "2021-03-28 09:00+02:00"]
    pd.DataFrame({"t": t, "a": np.arange(5.0)}).to_csv(tmp_path / "o.csv", index=False)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        read_data(tmp_path / "o.csv", opts)
    assert [str(w.message).split(": ", 1)[1] for w in seen] == [
        "column 't' has 1 gap(s) of more than twice its usual step (0 days 01:00:00), the "
        "longest 0 days 05:00:00 before data row 5; rows are read as evenly spaced, so "
        "windows join the steps on either side of a gap"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # evenly spaced: nothing to say
        pd.DataFrame({"t": pd.date_range("2024", periods=5, freq="h").astype(str),
                      "a": np.arange(5.0)}).to_csv(tmp_path / "e.csv", index=False)  # fmt: skip
        read_data(tmp_path / "e.csv", opts)


def test_float_and_32_bit_images_are_scaled_by_the_rule_or_refused(tmp_path):
    from PIL import Image

    ramp = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    for name, pixels in (("unit", ramp), ("wide", ramp * 4000), ("int32", ramp * 200000),
                         ("deep16", ramp * 65535)):  # fmt: skip
        (tmp_path / name).mkdir()
        dtype = np.int32 if name in ("int32", "deep16") else np.float32
        Image.fromarray(pixels.astype(dtype)).save(tmp_path / name / "a.tif")
    np.testing.assert_allclose(read_images(tmp_path / "unit").X[0], ramp, atol=1e-6)
    # A 16-bit range in a 32-bit image ("I", as some 16-bit PNGs open) is divided by 65535.
    np.testing.assert_allclose(read_images(tmp_path / "deep16").X[0], ramp, atol=1e-4)
    with pytest.raises(DataError, match="floating-point image with values from 0 to 4000"):
        read_images(tmp_path / "wide")
    with pytest.raises(DataError, match="integer image with values from 0 to 200000"):
        read_images(tmp_path / "int32", color="rgb")


def test_a_header_one_name_short_is_refused_not_shifted(tmp_path):
    # R's write.table: no name over the row names, which pandas would take for an index.
    (tmp_path / "r.csv").write_text("a,b\n1,10,100\n2,20,200\n3,30,300\n")
    message = "the header has 2 names but data row 1 has 3 fields"
    with pytest.raises(DataError, match=message):
        read_data(tmp_path / "r.csv")
    with pytest.raises(DataError, match=message):
        next(iter_table_chunks(tmp_path / "r.csv", chunksize=2))
    (tmp_path / "ok.csv").write_text("a,b,c\n1,10,100\n")
    assert read_data(tmp_path / "ok.csv").X.columns.tolist() == ["a", "b", "c"]


def test_a_byte_that_is_not_utf8_past_the_first_chunk_names_the_file(tmp_path):
    rows = [f"{i},{i * 0.5},Oslo" for i in range(30)]
    rows[25] = "25,12.5,Z\xfcrich"  # Latin-1, not UTF-8
    (tmp_path / "latin1.csv").write_bytes(("a,b,city\n" + "\n".join(rows) + "\n").encode("latin-1"))
    opts = ReadOptions(allow_text=True)
    with pytest.raises(DataError, match=r"latin1.csv: cannot be read as a table \('utf-8' codec"):
        list(iter_table_chunks(tmp_path / "latin1.csv", opts, chunksize=5))
