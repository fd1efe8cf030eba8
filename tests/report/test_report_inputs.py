"""aekit.report: bad inputs are refused clearly, odd ones (inf scores, 1-D codes) still report."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import aekit
from aekit import plots
from aekit.report import Report, make_report


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(80, 3))
    return pd.DataFrame(np.c_[a, a[:, :2] @ [1.0, 2.0]], columns=list("abcd"))  # rank 3


@pytest.fixture(scope="module")
def ae(table):
    return aekit.AutoEncoder(latent_dim=2, epochs=2, random_state=0).fit(table)


def test_train_data_with_other_columns_is_refused_not_zero_filled(ae, table):
    # Renamed or missing columns were filled with 0: a PCA error 1000x too small.
    with pytest.raises(ValueError, match=r"missing from X_train: 'a', 'b'.*not in X: 'A', 'B'"):
        Report().add_estimator(ae, table, X_train=table.rename(columns={"a": "A", "b": "B"}))
    with pytest.raises(ValueError, match=r"missing from X_train: 'd'"):
        Report().add_estimator(ae, table, X_train=table[["a", "b", "c"]])
    with pytest.raises(ValueError, match=r"X_train has shape \(80, 3\) but X is a table of 4"):
        Report().add_estimator(ae, table, X_train=table.to_numpy()[:, :3])
    # The same rows as a reordered table or as an array (read in X's order) give the same PCA.
    pca = [
        Report().add_estimator(ae, table[:40], X_train=train).metrics["PCA (2)"]
        for train in (table[40:], table[40:][["d", "c", "b", "a"]], table[40:].to_numpy())
    ]
    assert pca[0] == pca[1] == pca[2] > 0.01


def test_conform_train_checks_widths_names_and_kinds(ae, table):
    from aekit.report.common import conform_train

    arr = table.to_numpy()
    with pytest.raises(ValueError, match=r"rows have shape \(3,\) but X's have \(4,\)"):
        conform_train(arr, arr[:, :3])
    with pytest.raises(ValueError, match=r"those the model was fitted on.*missing from X_train: "
                                         r"'d'.*not in the model: 'e'"):  # fmt: skip
        conform_train(arr, table.rename(columns={"d": "e"}), ae)
    assert conform_train(arr, table[["d", "c", "b", "a"]], ae).tolist() == arr.tolist()
    text = table.assign(d=np.where(table["d"] > 0, "up", "down"))
    with pytest.raises(ValueError, match=r"'d' hold text in one of X and X_train"):
        conform_train(text, table)
    with pytest.raises(ValueError, match="no rows"):
        conform_train(arr, arr[:0])
    with pytest.raises(ValueError, match="X_train has 2 channel"):
        conform_train(np.zeros(50), np.zeros((30, 2)), series=True)
    assert conform_train(np.zeros(50), np.zeros((30, 1)), series=True).shape == (30, 1)


def test_detector_report_with_an_infinite_score(table):
    det = aekit.AnomalyDetector(epochs=2, n_estimators=1, random_state=0).fit(table)
    test = table.iloc[:40]
    # What a cell of 1e30 gave: a score of +inf, and an explanation of NaN (inf - inf).
    scores = np.r_[np.inf, np.linspace(3.0, 0.0, 39)]
    det.decision_function = lambda X: scores
    det.explain = lambda X: pd.DataFrame(np.r_[np.full((1, 4), np.nan), np.ones((len(X) - 1, 4))],
                                         columns=X.columns)  # fmt: skip
    y = (np.arange(40) < 3).astype(int)
    html = Report().add_estimator(det, test, y).to_html()  # ROC with inf scores crashed
    top = html[html.rfind("Most anomalous rows") :]
    assert "error too large to compare" in top and "nan%" not in top
    with pytest.raises(ValueError, match="columns differ"):
        Report().add_estimator(det, test, X_train=table.rename(columns=str.upper))


def test_causes_of_an_error_that_overflowed():
    from aekit.report.detection import _causes

    names = ["a", "b", "c"]
    assert _causes(np.array([1.0, 3.0, 0.0]), names) == "b (75%), a (25%), c (0%)"
    assert _causes(np.full(3, np.nan), names) == "error too large to compare"
    assert _causes(np.array([1.0, np.inf, np.nan]), names) == "error too large to compare (in b)"


def test_a_1d_code_is_drawn_on_the_diagonal_with_any_method():
    X = np.random.default_rng(0).normal(size=(12, 5))
    ae = aekit.AutoEncoder(latent_dim=1, epochs=1, random_state=0).fit(X)
    assert "the 1-D code, drawn against itself" in Report().add_estimator(
        ae, X, latent_map="tsne").to_html()  # fmt: skip


@pytest.fixture
def profile_labels(monkeypatch) -> list[str]:
    """The row labels of every reconstruction profile the report draws, in order."""
    drawn = []
    profiles = plots.reconstruction_profiles

    def spy(*args, **kwargs):
        fig = profiles(*args, **kwargs)
        drawn.extend(ax.get_ylabel() for ax in fig.axes)
        return fig

    monkeypatch.setattr(plots, "reconstruction_profiles", spy)
    return drawn


def test_profiles_of_a_sample_are_labelled_with_the_data_row_numbers(ae, table, profile_labels):
    drawn = profile_labels
    Report().add_estimator(ae, table, max_rows=10, random_state=0)
    kept = np.sort(np.random.default_rng(0).choice(80, 10, replace=False))  # the report's draw
    assert kept[3] != 3 and drawn == [f"row {i}" for i in kept[:4]]


def test_rows_of_a_table_are_named_by_its_index_as_written(profile_labels):
    # A table after train_test_split: its profiles were labelled by position ("row 0"),
    # and the detector's table wrote customer 1003 as "1,003".
    rng = np.random.default_rng(0)
    ids = pd.Index(rng.permutation(np.arange(1000, 1040)), name="customer_id")
    df = pd.DataFrame(rng.normal(size=(40, 4)), columns=list("abcd"), index=ids)
    drawn = profile_labels
    ae = aekit.AutoEncoder(latent_dim=2, hidden=(8,), epochs=2, random_state=0).fit(df)
    Report().add_estimator(ae, df)
    assert drawn == [f"customer_id {i}" for i in ids[:4]]
    det = aekit.AnomalyDetector(epochs=2, n_estimators=1, random_state=0).fit(df)
    html = Report().add_estimator(det, df).to_html()
    section = html[html.rfind("Most anomalous rows"):]  # the section, not the contents list
    shown = re.findall(r"<tr><td[^>]*>([^<]*)</td>", section)
    assert "<th>customer_id</th>" in section and len(shown) == 10
    assert all(int(v) in set(ids) for v in shown)  # "1,003" is no label of the data


def test_labels_given_as_one_column_are_read_as_their_values(ae, table):
    # df[["label"]] or an (n, 1) array reached the figures and failed with an IndexError.
    classes = np.arange(80) % 3
    flat = Report().add_estimator(ae, table, classes).to_html()
    column = Report().add_estimator(ae, table, pd.DataFrame({"label": classes})).to_html()
    assert re.sub(r"made by .*? UTC", "", flat) == re.sub(r"made by .*? UTC", "", column)
    det = aekit.AnomalyDetector(epochs=2, n_estimators=1, random_state=0).fit(table)
    y = (np.arange(80) >= 75).astype(int)
    metrics = Report().add_estimator(det, table, y[:, None]).metrics
    assert metrics == Report().add_estimator(det, table, y).metrics and "roc_auc" in metrics
    with pytest.raises(ValueError, match=r"y must be 1-D .* or a single column, got shape "
                                         r"\(80, 2\)"):  # fmt: skip
        Report().add_estimator(ae, table, np.c_[classes, classes])


@pytest.mark.parametrize("bad", [4, (2.0, 2.0), (-2, -2), (4,), "2x2", (1, 1, 2, 2), (2, True)])
def test_bad_image_shape_is_named_before_the_model_runs(ae, table, bad, monkeypatch):
    def not_yet(*args, **kwargs):
        raise AssertionError("the model ran before image_shape was checked")

    monkeypatch.setattr(ae, "reconstruct", not_yet)
    with pytest.raises(ValueError, match=re.escape(f"image_shape must be 2 or 3 integers >= 1, "
                                                   f"(height, width) or (channels, height, "
                                                   f"width), got {bad!r}")):  # fmt: skip
        Report().add_estimator(ae, table, image_shape=bad)
    with pytest.raises(ValueError, match=r"image_shape \(2, 3\) has 6 pixels, but the rows of "
                                         r"X have 4 values"):  # fmt: skip
        Report().add_estimator(ae, table, image_shape=[2, 3])


def test_image_shape_is_refused_for_a_series():
    series = np.sin(np.arange(200) / 4)
    ts = aekit.TimeSeriesDetector(window=10, n_estimators=1, epochs=1, random_state=0)
    with pytest.raises(ValueError, match="image_shape does not apply to a TimeSeriesDetector"):
        Report().add_estimator(ts.fit(series), series, image_shape=(2, 2))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "10"])
def test_bad_max_rows_is_named(ae, table, bad):
    with pytest.raises(ValueError, match="max_rows must be a whole number >= 1"):
        Report().add_estimator(ae, table, max_rows=bad)


def test_a_call_that_fails_part_way_adds_nothing(ae, table, monkeypatch):
    # The Data, Model, Training and Reconstructions sections of a failed call stayed in
    # the report, and were saved with the next call's.
    rep = Report("kept").add_estimator(ae, table[:20], heading="first")
    before = [s.title for s in rep.document.sections]

    def fails(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(ae, "transform", fails)  # the latent map, after the reconstructions
    with pytest.raises(RuntimeError, match="out of memory"):
        rep.add_estimator(ae, table, heading="second")
    assert [s.title for s in rep.document.sections] == before and "second" not in rep.to_html()
    monkeypatch.undo()
    rep.add_estimator(ae, table, heading="second")
    assert [s.title for s in rep.document.sections] == before + ["second", *before[1:]]


def test_random_state_none_and_unfitted_models(ae, table):
    html = Report().add_estimator(ae, table, max_rows=30, random_state=None).to_html()
    assert "The report covers 30 of the 80 rows" in html
    with pytest.raises(ValueError, match="random_state must be a whole number >= 0 or None"):
        Report().add_estimator(ae, table, random_state="0")
    for model in (aekit.AutoEncoder(), aekit.AnomalyDetector()):
        with pytest.raises(NotFittedError, match="is not fitted yet"):
            make_report(model, table)


def test_a_replaced_report_keeps_its_permissions(ae, table, tmp_path):
    path = tmp_path / "r.html"
    path.write_text("old")
    path.chmod(0o444)  # a report shared read-only
    Report("new").add_estimator(ae, table[:20]).save(path)
    assert "new" in path.read_text() and (path.stat().st_mode & 0o777) == 0o444


def test_a_failed_save_leaves_the_earlier_report(ae, table, tmp_path, monkeypatch):
    path = tmp_path / "r.html"
    rep = Report("first").add_estimator(ae, table[:20])
    rep.save(path)
    before = path.read_text()
    write_text = Path.write_text

    def half_then_fail(self, data, *args, **kwargs):
        write_text(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError, match="No space"):
        Report("second").save(path)
    assert path.read_text() == before and [p.name for p in tmp_path.iterdir()] == ["r.html"]
    with pytest.raises(IsADirectoryError, match=re.escape("give the report's file name")):
        make_report(ae, table, path=tmp_path)


def test_image_shape_of_colour_images_may_be_their_height_and_width():
    rng = np.random.default_rng(0)
    images = rng.random((12, 3, 4, 4)).astype(np.float32)
    ae = aekit.AutoEncoder(latent_dim=2, epochs=1, random_state=0).fit(images)
    # (4, 4) of (3, 4, 4) images had worked before image_shape was checked.
    for shape in ((4, 4), (3, 4, 4)):
        assert "Reconstructions" in Report().add_estimator(ae, images, image_shape=shape).to_html()
    with pytest.raises(ValueError, match=re.escape("image_shape (2, 8) does not match the "
                                                   "images of X, (3, 4, 4)")):  # fmt: skip
        Report().add_estimator(ae, images, image_shape=(2, 8))
