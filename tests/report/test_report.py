"""aekit.report: the sections each kind of estimator gets, and a self-contained file."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import aekit
from aekit.anomaly.metrics import runs
from aekit.report import Report, describe, make_report
from aekit.report.common import binary_labels
from aekit.report.summary import summarize_data


def titles(html: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", html)


def assert_self_contained(html: str) -> None:
    assert "<script" not in html and "<link" not in html
    assert not re.search(r'src="(?!data:image/png;base64,)', html)
    assert "http://" not in html and "https://" not in html


def test_autoencoder_report_on_digits(digits, tmp_path):
    X, y = digits
    ae = aekit.AutoEncoder(latent_dim=4, epochs=3, random_state=0).fit(X[:1000])
    path = make_report(ae, X[1000:1400], y[1000:1400], tmp_path / "r.html", X_train=X[:1000],
                       image_shape=(8, 8))  # fmt: skip
    html = path.read_text()
    assert titles(html) == ["Data", "Model: AutoEncoder", "Training", "Reconstructions",
                            "Latent map", "Comparison with PCA"]  # fmt: skip
    assert html.count("data:image/png;base64,") == 5  # loss, 2 grids, latent, PCA bars
    assert "in-sample" not in html  # PCA was fitted on the training rows
    assert_self_contained(html)


@pytest.mark.parametrize("n, method", [(2, "pca"), (5, "tsne")])
def test_latent_map_of_very_few_rows(digits, n, method):
    X, y = digits
    ae = aekit.AutoEncoder(latent_dim=4, epochs=1, random_state=0).fit(X[:100])
    html = Report().add_estimator(ae, X[:n], y[:n], latent_map=method).to_html()
    assert "Latent map" in titles(html)
    assert ("too few for a map" in html) == (n < 3)


def test_series_windows_are_drawn_as_lines_not_images():
    from aekit.readers import sliding_windows

    W = sliding_windows(np.sin(np.arange(800) / 5)[:, None], 16, 4)  # (n, 1, 16)
    vae = aekit.VAE(architecture="conv1d", latent_dim=3, epochs=2, random_state=0).fit(W)
    html = Report().add_estimator(vae, W[:40]).to_html()
    assert 'alt="reconstructed rows"' in html and 'alt="reconstructed images"' not in html
    assert "Samples" in titles(html) and 'alt="samples"' not in html  # a table of values


def test_conditional_vae_report_has_samples_per_class(digits, tmp_path):
    X, y = digits
    images = X[:600].reshape(-1, 8, 8)
    vae = aekit.VAE(latent_dim=2, epochs=2, conditional=True, random_state=0).fit(
        images, y[:600])  # fmt: skip
    rep = Report("cvae").add_estimator(vae, images[:200], y[:200])
    html = rep.to_html()
    assert "Samples" in titles(html) and "one row per class" in html
    assert "Latent map" in titles(html) and "the 2-D code itself" in html
    no_labels = Report().add_estimator(vae, images[:200]).to_html()
    assert "--label-column on the command line" in no_labels
    assert "Latent map" not in titles(no_labels)


def test_samples_of_many_classes_say_which_classes_are_shown():
    # 12 classes: 10 image rows or 8 classes of table rows, captioned "per class".
    rng = np.random.default_rng(0)
    X, y = rng.random((120, 6)), np.repeat(np.arange(12), 10)
    vae = aekit.VAE(latent_dim=2, hidden=(8,), epochs=1, conditional=True, random_state=0)
    vae.fit(X, y)
    html = Report().add_estimator(vae, X, y).to_html()
    samples = html[html.index("<h2>Samples</h2>"):]
    assert "two rows for each of the first 8 of 12 classes" in samples
    assert sorted(set(re.findall(r"<tr><td>(\d+)</td>", samples)), key=int) == list(
        map(str, range(8)))  # fmt: skip
    assert "the first 10 of 12 classes" in Report().add_estimator(
        vae, X, y, image_shape=(2, 3)).to_html()  # fmt: skip


def test_detector_report_with_text_columns_and_text_labels(tmp_path):
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                       "kind": rng.choice(["x", "y"], n)})  # fmt: skip
    df["c"] = df["a"] + df["b"] + 0.05 * rng.normal(size=n)
    det = aekit.AnomalyDetector(contamination=0.05, epochs=20, random_state=0).fit(df)
    test = df.iloc[:100].copy()
    test.loc[:9, "c"] += 6.0
    labels = np.where(np.arange(100) < 10, "attack", "normal")
    rep = Report().add_estimator(det, test, labels, X_train=df)
    html = rep.to_html()
    assert titles(html)[-3:] == ["Anomaly scores", "Comparison with IsolationForest",
                                 "Most anomalous rows"]  # fmt: skip
    assert "ROC-AUC" in html and rep.metrics["roc_auc"] >= 0.9
    assert re.search(r"<td>c \(\d+%\)", html)  # the shifted column is named as the cause
    # image_shape cannot draw rows with a text column: they stay a table
    html = Report().add_estimator(det, test, image_shape=(2, 2)).to_html()
    assert "largest error shares" in html and "most anomalous images" not in html


def test_a_table_detector_draws_its_rows_as_images_when_given_their_shape(digits):
    X = pd.DataFrame(digits[0][:200], columns=[f"p{i}" for i in range(64)])
    det = aekit.AnomalyDetector(epochs=2, n_estimators=1, random_state=0).fit(X)
    assert "most anomalous images" in Report().add_estimator(det, X, image_shape=(8, 8)).to_html()


def test_time_series_report(tmp_path):
    t = np.arange(1200)
    train = np.sin(2 * np.pi * t / 40)
    test = train.copy()
    test[900:906] += 3.0
    ts = aekit.TimeSeriesDetector(window=40, epochs=10, n_estimators=1, random_state=0)
    ts.fit(train)
    y = ((t >= 900) & (t < 906)).astype(int)
    stamps = pd.date_range("2024-01-01", periods=1200, freq="min")
    rep = Report().add_estimator(ts, test, y, timestamps=stamps)
    html = rep.to_html()
    assert "Series and anomaly scores" in titles(html)
    # the report flags what predict flags (the adaptive rule moves along the series)
    flagged = re.search(r"<th>flagged steps</th><td[^>]*>([\d,]+)</td>", html).group(1)
    flagged = int(flagged.replace(",", ""))
    assert flagged == ts.predict(test).sum() > 0
    # The range is that of the threshold that raises alarms, not the lower one ending them.
    s = ts.decision_function(test)
    thr = ts.thresholds_for_scores(s)
    raise_at = thr[np.r_[True, s[:-1] <= thr[:-1]]]
    assert f"adaptive, from {raise_at.min():.4g} to {raise_at.max():.4g}" in html
    assert thr.min() < raise_at.min()  # an alarm lowered it
    assert "the threshold (lower while an alarm lasts" in html  # why the dashed line dips
    assert rep.metrics["roc_auc"] >= 0.9
    assert_self_contained(html)
    assert describe(ts)["threshold rule"] == (
        "adaptive, 6 sigmas above all earlier scores; an alarm lasts until the score falls "
        "to 2.5 sigmas")
    assert "sliding windows of 40 steps of this series" in html
    # Given the training series, the baseline is fitted on it, as for tables.
    with_train = Report().add_estimator(ts, test, y, X_train=train)
    assert "sliding windows of 40 steps of the training series" in with_train.to_html()
    assert with_train.metrics["IsolationForest roc_auc"] != rep.metrics["IsolationForest roc_auc"]


@pytest.mark.parametrize("rule", ["adaptive", "max"])
def test_model_section_of_a_series_detector_states_its_threshold_rule(rule):
    train = np.sin(2 * np.pi * np.arange(300) / 25)
    ts = aekit.TimeSeriesDetector(window=10, n_estimators=1, epochs=2, threshold=rule,
                                  random_state=0).fit(train)  # fmt: skip
    html = Report().add_estimator(ts, train[:100]).to_html()
    model = re.search(r"<h2>Model: TimeSeriesDetector</h2>(.*?)</table>", html).group(1)
    rows = dict(re.findall(r"<tr><th>(threshold[^<]*)</th><td[^>]*>([^<]*)</td>", model))
    if rule == "adaptive":  # threshold_ is only the first step's: no one number is true
        assert rows == {"threshold rule": "adaptive, 6 sigmas above all earlier scores; an "
                                          "alarm lasts until the score falls to 2.5 sigmas"}
    else:
        assert rows == {"threshold": f"{ts.threshold_:.4g}", "threshold rule": "max"}
    repeated = re.search(r"<tr><th>repeated alarms</th><td[^>]*>([^<]*)</td>", model).group(1)
    assert ts.windows_ == [10] and ts.smoothing_ == 10  # a reach of 2 x 10 + 10 steps
    assert repeated == (
        "dropped when an earlier window lies within 0.4 times the model&#x27;s error; an alarm "
        "longer than 30 steps only when one earlier stretch holds all of it")


def test_series_report_counts_the_alarms_dropped_as_repeats():
    rng = np.random.default_rng(0)
    t = np.arange(4000)
    train = np.sin(2 * np.pi * t[:1500] / 50) + 0.05 * rng.standard_normal(1500)
    test = np.sin(2 * np.pi * t / 50) + 0.05 * rng.standard_normal(4000)
    for at in (2000, 2800, 3600):
        test[at : at + 20] += 2.0 * np.hanning(20)
    ts = aekit.TimeSeriesDetector(n_estimators=1, random_state=0).fit(train)
    flags = ts.predict(test)
    assert flags[2000:2020].all() and not flags[2800:].any()
    html = Report().add_estimator(ts, test).to_html()
    rows = dict(re.findall(r"<tr><th>([^<]*)</th><td[^>]*>([^<]*)</td>", html))
    assert rows["alarms dropped as repeats of earlier ones"] == "2"
    assert rows["alarms merged into the one before"] == "0"
    assert int(rows["flagged steps"].replace(",", "")) == flags.sum()
    assert "that repeat an earlier part of the series are not flagged" in html


def test_series_report_counts_alarms_merged_and_alarms_dropped():
    rng = np.random.default_rng(0)
    t = np.arange(4000)
    train = np.sin(2 * np.pi * t[:1500] / 50) + 0.05 * rng.standard_normal(1500)
    test = np.sin(2 * np.pi * t / 50) + 0.05 * rng.standard_normal(4000)
    test[2000:2020] += 2.0 * np.hanning(20)
    test[2150:2160] -= 3.0  # another shape, 150 steps later: the same incident
    test[3400:3420] += 2.0 * np.hanning(20)  # the burst again, far later: a repeat
    ts = aekit.TimeSeriesDetector(n_estimators=1, random_state=0).fit(train)
    scores, flags = ts.score_and_predict(test)
    raised = runs(scores > ts.thresholds_for_scores(scores))
    assert len(raised) == 3 and runs(flags) == [(raised[0][0], raised[1][1])]
    html = Report().add_estimator(ts, test).to_html()
    rows = dict(re.findall(r"<tr><th>([^<]*)</th><td[^>]*>([^<]*)</td>", html))
    assert rows["alarms merged into the one before"] == "1"
    assert rows["alarms dropped as repeats of earlier ones"] == "1"
    assert rows["close alarms"] == (
        f"merged when fewer than {ts.alarm_gap_} unflagged steps lie between them")
    assert f"Alarms fewer than {ts.alarm_gap_} steps apart are one" in html


def test_describe_an_image_detector_gives_its_shape_not_a_feature_count():
    imgs = np.random.default_rng(0).random((30, 6, 8)).astype(np.float32)
    det = aekit.AnomalyDetector(epochs=1, random_state=0).fit(imgs)
    schema = describe(det)["input"]
    assert schema["sample shape"] == [6, 8] and "n_features" not in schema
    ae = aekit.AutoEncoder(architecture="conv2d", epochs=1, latent_dim=2, random_state=0)
    schema = describe(ae.fit(imgs))["input"]
    assert schema["sample shape"] == [6, 8] and "n_features" not in schema


def test_describe_and_bad_arguments(digits):
    X, _ = digits
    ae = aekit.AutoEncoder(latent_dim=3, epochs=1, random_state=0).fit(X[:200])
    d = describe(ae)
    assert d["model"] == "AutoEncoder" and d["parameters"] == {"epochs": 1, "latent_dim": 3,
                                                               "random_state": 0}  # fmt: skip
    assert d["networks"][0]["latent dim"] == 3 and d["input"]["n_features"] == 64
    with pytest.raises(ValueError, match="latent_map"):
        Report().add_estimator(ae, X[:50], latent_map="umap")
    with pytest.raises(ValueError, match="image_shape"):
        Report().add_estimator(ae, X[:50], image_shape=(7, 7))
    with pytest.raises(TypeError, match="needs a fitted aekit"):
        Report().add_estimator(object(), X[:50])
    with pytest.raises(ValueError, match="y has 49 values but X has 50 rows"):
        Report().add_estimator(ae, X[:50], np.zeros(49))
    with pytest.raises(ValueError, match="y must hold one value per row of X, got 1"):
        Report().add_estimator(ae, X[:50], 1)
    with pytest.raises(ValueError, match="timestamps has 51 values"):
        Report().add_estimator(ae, X[:50], timestamps=np.arange(51))


def test_binary_labels():
    assert binary_labels([0, 1, 1]).tolist() == [0, 1, 1]
    assert binary_labels(["normal", "Anomaly"]).tolist() == [0, 1]
    assert binary_labels(["cat", "dog"]) is None
    assert binary_labels([0, 1, 2]) is None and binary_labels(None) is None
    # Not guessed: scikit-learn's 1 / -1 (-1 = outlier) would come out inverted.
    assert binary_labels([1, -1, 1]) is None and binary_labels([1, 2]) is None
    assert binary_labels([0.0, 1.0, np.nan]) is None  # blanks
    assert binary_labels(np.array(["normal", None, "anomaly"], dtype=object)) is None
    assert binary_labels([1, 1]) is None  # one class: no ROC curve


def test_a_sampled_report_says_so_and_numbers_rows_as_in_the_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    det = aekit.AnomalyDetector(epochs=5, n_estimators=1, random_state=0).fit(X)
    test = rng.normal(size=(200, 4))
    kept = np.sort(np.random.default_rng(3).choice(200, 50, replace=False))  # the report's draw
    row = int(kept[40])  # 40th of the sample, a larger number in the data
    test[row] += 20.0
    rep = Report().add_estimator(det, test, max_rows=50, random_state=3)
    html = rep.to_html()
    assert "The report covers 50 of the 200 rows, drawn at random" in html
    section = html[html.rfind("Most anomalous rows"):]  # the section, not the contents list
    top = re.search(r"<td[^>]*>(\d+)</td>", section)
    assert row != 40 and top and int(top.group(1)) == row


def test_a_table_with_an_index_names_its_rows_by_it_and_counts_booleans_as_numbers():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60),
                      "ok": np.arange(60) % 2 == 0, "on": pd.array([True, None] * 30)},
                     index=pd.Index([f"cust{1000 + i}" for i in range(60)], name="customer"))
    det = aekit.AnomalyDetector(epochs=2, n_estimators=1, random_state=0)
    det.fit(X.drop(columns="on"))
    test = X.drop(columns="on")
    test.loc["cust1007", "a"] = 25.0
    html = Report().add_estimator(det, test).to_html()
    section = html[html.rfind("Most anomalous rows"):]  # the section, not the contents list
    assert "<th>customer</th>" in section
    # as explain names it, not by its position (7) in the table
    assert re.search(r"<tr><td>(\w+)</td>", section).group(1) == "cust1007"
    assert det.explain(test).sort_values("a").index[-1] == "cust1007"
    assert "<th>numeric columns</th><td class=\"num\">3</td>" in html
    assert "text columns" not in html
    info = summarize_data(X)  # nullable booleans too, their missing values left out
    assert info["numeric columns"] == 4 and "text columns" not in info
    ab = X[["a", "b"]].to_numpy()
    assert info["value range"] == f"{min(ab.min(), 0):.4g} to {max(ab.max(), 1):.4g}"


def test_dollar_signs_in_names_are_drawn_as_written():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(60, 3)), columns=["cost $ (usd) $", "x$^$", "$\\foo$"])
    ae = aekit.AutoEncoder(latent_dim=2, epochs=2, random_state=0).fit(df)
    labels = np.array(["$10-$20", "$20-$50"] * 30)
    assert "<img" in Report().add_estimator(ae, df, labels).to_html()  # matplotlib math failed


def test_captions_say_what_a_small_code_or_sample_gives():
    X = np.random.default_rng(0).normal(size=(10, 40))
    ae = aekit.AutoEncoder(latent_dim=1, epochs=1, random_state=0).fit(X)
    assert "the 1-D code, drawn against itself" in Report().add_estimator(ae, X).to_html()
    wide = aekit.AutoEncoder(latent_dim=16, epochs=1, random_state=0).fit(X)
    html = Report().add_estimator(wide, X).to_html()
    assert "code size (16) capped by the 10 rows PCA is fitted on" in html
