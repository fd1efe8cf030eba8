"""Data reach the model and the output files as given: nothing reordered, retyped or dropped."""

from __future__ import annotations

import numpy as np
import pytest

from aekit.cli import main
from aekit.readers import read_images


@pytest.fixture(scope="module")
def models(files, tmp_path_factory):
    """Small models fitted through ``aekit fit``, shared by the tests of this module."""
    d = tmp_path_factory.mktemp("integrity")

    def fit(name, *args):
        path = d / f"{name}.aekit"
        assert main(["-q", "fit", *map(str, args), "-o", str(path), "--epochs", "2"]) == 0
        return path

    return {
        "gray": fit("gray", files["images"], "--latent-dim", "2"),
        "rgb": fit("rgb", files["images"], "--color", "rgb", "--latent-dim", "2"),
    }


def test_images_in_another_layout_are_refused_not_reshaped(aekit, models, files, tmp_path):
    rgb = read_images(files["images"], color="rgb").X  # (16, 3, 10, 12)
    np.save(tmp_path / "hwc.npy", rgb.transpose(0, 2, 3, 1))  # channels last
    r = aekit("score", models["rgb"], tmp_path / "hwc.npy")
    assert r.code == 1 and "samples have shape (10, 12, 3)" in r.err, r
    # Flat rows and the array as read are the model's layout.
    np.save(tmp_path / "flat.npy", rgb.reshape(len(rgb), -1))
    np.save(tmp_path / "chw.npy", rgb)
    flat = aekit("score", models["rgb"], tmp_path / "flat.npy")
    assert flat.code == 0 and flat.out == aekit("score", models["rgb"], tmp_path / "chw.npy").out
    # Height and width swapped: as many pixels, in another order.
    for command in ("score", "encode", "reconstruct"):
        r = aekit(command, models["gray"], files["images"], "--image-size", "12x10")
        assert r.code == 1 and "samples have shape (12, 10)" in r.err, (command, r)
        assert "leave it out to read the images at 10x12" in r.err
    # The size is right and the channels are not: the hint is about --color, not the size.
    r = aekit("score", models["gray"], files["images"], "--color", "rgb")
    assert r.code == 1 and "leave --color out" in r.err and "--image-size" not in r.err, r
    gray = read_images(files["images"]).X
    np.save(tmp_path / "g.npy", gray[:, None])  # (n, 1, H, W): one channel, in order
    assert aekit("-q", "encode", models["gray"], tmp_path / "g.npy").code == 0


def _labelled_table(path, labels) -> None:
    """Three numeric columns and a label column ``y`` written exactly as given."""
    rng = np.random.default_rng(0)
    lines = ["a,b,c,y"] + [f"{x[0]:.4f},{x[1]:.4f},{x[2]:.4f},{lab}"
                           for x, lab in zip(rng.normal(size=(len(labels), 3)), labels)]
    path.write_text("\n".join(lines) + "\n")


def test_labels_are_written_back_as_the_file_wrote_them(aekit, tmp_path):
    labels = ["007", "010"] * 10 + ["9007199254740993", ""] + ["1", "0"] * 9
    data, m = tmp_path / "t.csv", tmp_path / "ae.aekit"
    _labelled_table(data, labels)
    assert aekit("-q", "fit", data, "--label-column", "y", "-o", m, "--epochs", "2").code == 0
    for command in (("encode",), ("reconstruct",), ("score",), ("score", "--chunksize", "7")):
        r = aekit("-q", command[0], m, data, "--label-column", "y", *command[1:])
        assert r.code == 0, (command, r)
        rows = r.out.splitlines()[1:]
        column = r.out.splitlines()[0].split(",").index("label")
        assert [row.split(",")[column] for row in rows] == labels, command
    # An array of numbers cannot hold that id: the labels are left out, not rounded.
    assert aekit("-q", "score", m, data, "--label-column", "y", "-o", tmp_path / "s.npy").code == 0
    assert np.load(tmp_path / "s.npy").shape == (40, 2)  # row, score


def test_conditional_vae_classes_of_numbers_are_numbers_and_labels_are_written_as_read(
    aekit, tmp_path
):
    import aekit as api

    data, m = tmp_path / "t.csv", tmp_path / "cvae.aekit"
    _labelled_table(data, ["007", "010", "2"] * 10)
    assert aekit("-q", "fit", data, "--label-column", "y", "--model", "vae", "--conditional",
                 "--epochs", "2", "-o", m).code == 0  # fmt: skip
    # The classes a Parquet or .npz file of the same labels gives, in number order
    # (as text, "10" would sort before "2").
    classes = api.load(m).classes_
    assert classes.dtype.kind == "i" and list(classes) == [2, 7, 10]
    for label in ("007", "7"):
        r = aekit("-q", "sample", m, "-n", "1", "--label", label)
        assert r.code == 0 and r.out.splitlines()[1].startswith("7,"), r
    r = aekit("-q", "encode", m, data, "--label-column", "y")
    assert r.code == 0 and [line.split(",")[0] for line in r.out.splitlines()[1:4]] == [
        "007", "010", "2"], r  # fmt: skip
    # Python users pass the numbers themselves.
    assert api.load(m).sample(2, y=7, random_state=0).shape == (2, 3)


def test_report_reads_text_labels_of_numbers_as_anomaly_labels(aekit, tmp_path):
    data, m = tmp_path / "t.csv", tmp_path / "det.aekit"
    _labelled_table(data, ["0.0"] * 15 + ["1.0"] * 5)
    assert aekit("-q", "fit", data, "--drop-columns", "y", "--anomaly", "--epochs", "2",
                 "-o", m).code == 0  # fmt: skip
    r = aekit("-q", "report", m, data, "--label-column", "y", "-o", tmp_path / "r.html")
    assert r.code == 0, r
    assert "Labels given with the data: 1 = anomaly." in (tmp_path / "r.html").read_text()


def test_a_series_model_needs_the_timestamps_of_a_file_that_has_them(aekit, files, tmp_path):
    series = ("--timestamp-column", "timestamp", "--window", "24")
    tsd, wae = tmp_path / "tsd.aekit", tmp_path / "wae.aekit"
    assert aekit("-q", "fit", files["series_train"], "--anomaly", *series, "--epochs", "2",
                 "-o", tsd).code == 0  # fmt: skip
    assert aekit("-q", "fit", files["series_train"], *series, "--epochs", "2",
                 "-o", wae).code == 0  # fmt: skip
    for command, m in (("score", tsd), ("score", wae), ("encode", wae), ("reconstruct", wae)):
        r = aekit(command, m, files["series"], "--label-column", "is_anomaly")
        assert r.code == 1 and "read the file as one with --timestamp-column timestamp" in (
            r.err), (command, r)
        r = aekit("-q", command, m, files["series"], "--timestamp-column", "timestamp")
        assert r.code == 0 and r.out.startswith("timestamp,"), (command, r)
        # Leaving the column out says the file order is meant.
        assert aekit("-q", command, m, files["series"], "--drop-columns", "timestamp").code == 0
    r = aekit("report", tsd, files["series"], "-o", tmp_path / "r.html")
    assert r.code == 1 and "--timestamp-column timestamp" in r.err


def test_every_file_of_an_image_folder_is_read_or_named(aekit, tmp_path):
    from PIL import Image

    folder, m = tmp_path / "mix", tmp_path / "img.aekit"
    folder.mkdir()
    pixels = np.random.default_rng(0).integers(0, 255, size=(4, 6, 5), dtype=np.uint8)
    for i, a in enumerate(pixels):
        Image.fromarray(a).save(folder / f"{i}.png")
        Image.fromarray(a).save(folder / f"{i}.gif")  # read, as Pillow can
    (folder / "notes.txt").write_text("taken on a Tuesday")
    (folder / "9.heic").write_bytes(b"\0" * 8)  # an image type that is not read
    (folder / "Thumbs.db").write_bytes(b"\0")  # Windows' own, and hidden files: not data
    (folder / ".DS_Store").write_bytes(b"\0")
    r = aekit("fit", folder, "-o", m, "--epochs", "2", "--latent-dim", "2")
    assert r.code == 0 and "on 8 rows" in r.err, r
    assert "left out 2 files (1 .heic, 1 .txt) that aekit does not read as images" in r.err
    assert "Thumbs" not in r.err and "DS_Store" not in r.err
    with pytest.warns(UserWarning, match="left out 2 files"):
        X = read_images(folder).X  # a grey GIF keeps its pixels
    np.testing.assert_allclose(X[0::2], X[1::2], atol=1e-6)
    frames = [Image.fromarray(a) for a in pixels]
    frames[0].save(folder / "moving.gif", save_all=True, append_images=frames[1:])
    r = aekit("score", m, folder)
    assert r.code == 1 and "moving.gif: an animated GIF of 4 frames" in r.err, r


def test_a_first_row_of_whole_numbers_is_not_taken_for_names_without_a_word(aekit, tmp_path):
    data, m = tmp_path / "noheader.csv", tmp_path / "m.aekit"
    data.write_text("3,7,1\n4,5,6\n7,8,9\n2,2,2\n")
    fit = ("fit", data, "-o", m, "--epochs", "2", "--latent-dim", "1")
    r = aekit(*fit)
    assert r.code == 0 and "the first row (3, 7, 1) holds only numbers" in r.err, r
    assert "if the file has no header row, read it with --no-header" in r.err
    r = aekit(*fit, "--no-header")
    assert r.code == 0 and "on 4 rows" in r.err and "first row" not in r.err, r
    assert "x0, x1, x2" in aekit("info", m).out
    r = aekit("score", m, data, "--no-header", "--chunksize", "3")
    assert r.code == 0 and len(r.out.splitlines()) == 5, r  # a header line and 4 rows
    assert "first row" not in r.err
    # A repeated number cannot be two names: refused, with the same way out.
    (tmp_path / "repeats.csv").write_text("0,0,1\n1,2,3\n")
    r = aekit("fit", tmp_path / "repeats.csv", "-o", m)
    assert r.code == 1 and "more than one column is named '0'" in r.err
    assert "read it with --no-header" in r.err
    np.save(tmp_path / "a.npy", np.zeros((4, 3)))
    r = aekit("score", m, tmp_path / "a.npy", "--no-header")
    assert r.code == 2 and "--no-header does not apply" in r.err, r


def test_report_labels_and_options_for_a_csv_beside_a_parquet_train_file(aekit, tmp_path):
    import pandas as pd

    data, train, m = tmp_path / "t.tsv", tmp_path / "train.parquet", tmp_path / "ae.aekit"
    _labelled_table(tmp_path / "t.csv", ["0", "1"] * 10)
    data.write_text((tmp_path / "t.csv").read_text().replace(",", "\t"))
    pd.read_csv(tmp_path / "t.csv").drop(columns="y").to_parquet(train)
    assert aekit("-q", "fit", train, "--epochs", "2", "-o", m).code == 0
    # --sep is for the TSV: that the Parquet file does not use it is no reason to refuse it.
    r = aekit("-q", "report", m, data, "--train", train, "--sep", "\t", "--label-column", "y",
              "-o", tmp_path / "r.html")  # fmt: skip
    assert r.code == 0, r
    html = (tmp_path / "r.html").read_text()
    assert "0: 10, 1: 10" in html, html  # whole-number labels, as in the file
    r = aekit("-q", "report", m, train, "--sep", "\t", "-o", tmp_path / "r2.html")
    assert r.code == 2 and "--sep does not apply to" in r.err, r
