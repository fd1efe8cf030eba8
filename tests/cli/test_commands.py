"""Every ``aekit`` command on small files: outputs, shapes, and quality floors."""

from __future__ import annotations

import io
import json
import os
import stat

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import aekit
import aekit as aekit_api  # the tests' `aekit` argument is the CLI runner
from aekit.cli import main


@pytest.fixture(scope="module")
def models(files, tmp_path_factory):
    """Models fitted once through ``aekit fit`` and shared by the tests of this module."""
    d = tmp_path_factory.mktemp("models")

    def fit(name, *args):
        path = d / f"{name}.aekit"
        assert main(["--quiet", "fit", *map(str, args), "-o", str(path)]) == 0
        return path

    table = (files["csv"], "--drop-columns", "id", "--label-column", "label")
    return {
        "ae": fit("ae", *table, "--latent-dim", "2", "--epochs", "60", "--batch-size", "16"),
        "detector": fit("det", *table, "--anomaly", "--epochs", "30", "--contamination", "0.05"),
        "series": fit("ts", files["series_train"], "--anomaly", "--timestamp-column",
                      "timestamp", "--window", "24", "--epochs", "30"),
        "images": fit("img", files["images"], "--epochs", "2", "--latent-dim", "4"),
        "cvae": fit("cvae", files["images"], "--model", "vae", "--conditional", "--epochs", "2"),
    }


def test_fit_saves_the_schema_and_info_shows_it(aekit, models):
    r = aekit("info", models["ae"], "--json")
    assert r.code == 0
    info = json.loads(r.out)
    assert info["model"] == "AutoEncoder"
    assert info["input"]["columns"] == [f"f{i}" for i in range(6)]
    assert info["networks"][0]["latent dim"] == 2
    assert info["saved"]["format_version"] >= 1
    text = aekit("info", models["detector"]).out
    assert "AnomalyDetector" in text and "threshold" in text and "f5" in text


def test_encode_matches_the_python_api(aekit, models, files, tmp_path):
    r = aekit("encode", models["ae"], files["csv"], "--label-column", "label")
    assert r.code == 0 and "left out: id" in r.err
    codes = read_csv_text(r.out)
    assert list(codes.columns) == ["label", "autoencoder0", "autoencoder1"]
    df = pd.read_csv(files["csv"])
    expected = aekit_load(models["ae"]).transform(df[[f"f{i}" for i in range(6)]])
    np.testing.assert_allclose(codes[["autoencoder0", "autoencoder1"]], expected, rtol=1e-5)
    assert aekit("-q", "encode", models["ae"], files["csv"], "-o", tmp_path / "z.npy").code == 0
    assert np.load(tmp_path / "z.npy").shape == (240, 2)


def aekit_load(path):
    return aekit.load(path)


def read_csv_text(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


def test_reconstruct_keeps_columns_and_reconstructs_well(aekit, models, files, tmp_path):
    out = tmp_path / "rec.csv"
    assert aekit("reconstruct", models["ae"], files["csv"], "-o", out).code == 0
    rec, df = pd.read_csv(out), pd.read_csv(files["csv"])
    cols = [f"f{i}" for i in range(6)]
    assert list(rec.columns) == cols
    # Two factors drive the six columns: a 2-D code must explain nearly all of it.
    err = ((rec[cols].to_numpy() - df[cols].to_numpy()) ** 2).mean()
    assert err < 0.1 * df[cols].to_numpy().var()


def test_score_detector_finds_the_anomalies_and_chunks_agree(aekit, models, files, tmp_path):
    whole, chunked = tmp_path / "whole.csv", tmp_path / "chunked.csv"
    args = ("score", models["detector"], files["test_csv"], "--label-column", "label",
            "--p-values")  # fmt: skip
    r = aekit(*args, "-o", whole)
    assert r.code == 0 and "flagged" in r.err
    assert aekit("-q", *args, "-o", chunked, "--chunksize", "7").code == 0
    a, b = pd.read_csv(whole), pd.read_csv(chunked)
    assert list(a.columns) == ["row", "label", "score", "p_value", "anomaly"]
    pd.testing.assert_frame_equal(a, b)
    assert roc_auc_score(a["label"], a["score"]) >= 0.95
    threshold = json.loads(aekit("info", models["detector"], "--json").out)["threshold"]
    np.testing.assert_array_equal(a["anomaly"], (a["score"] > threshold).astype(int))
    assert a.loc[:9, "anomaly"].mean() >= 0.8  # the ten shifted rows are flagged


def test_text_columns_read_alike_in_every_chunk_and_report_needs_no_train_labels(
    aekit, tmp_path
):
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"a": rng.normal(size=120), "c": rng.choice(["x", "y", "z"], 120),
                          "on": rng.random(120) > 0.5})  # fmt: skip
    test = train.copy()
    test.loc[10:19, "c"] = np.nan  # one chunk of 7 or 10 rows holds no text there
    test["is_anom"] = 0
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    m = tmp_path / "det.aekit"
    assert aekit("-q", "fit", tmp_path / "train.csv", "--anomaly", "--epochs", "3",
                 "-o", m).code == 0  # fmt: skip
    args = ("score", m, tmp_path / "test.csv", "--label-column", "is_anom")
    whole = read_csv_text(aekit("-q", *args).out)
    for size in (7, 10):
        r = aekit("-q", *args, "--chunksize", size)
        assert r.code == 0, r.err
        chunked = read_csv_text(r.out)
        np.testing.assert_allclose(chunked["score"], whole["score"], rtol=1e-5)
    r = aekit("-q", "report", m, tmp_path / "test.csv", "--label-column", "is_anom",
              "--train", tmp_path / "train.csv", "-o", tmp_path / "r.html")  # fmt: skip
    assert r.code == 0, r.err


def test_npy_output_is_a_plain_number_array(aekit, models, files, tmp_path):
    codes = tmp_path / "codes.npy"
    assert aekit("-q", "encode", models["images"], files["images"], "-o", codes).code == 0
    Z = np.load(codes)  # no pickle: file names are left out
    assert Z.shape == (16, 4) and Z.dtype == np.float64
    args = ("score", models["series"], files["series"], "--timestamp-column", "timestamp",
            "--label-column", "is_anomaly")  # fmt: skip
    assert aekit("-q", *args, "-o", tmp_path / "s.npy").code == 0
    assert aekit("-q", *args, "-o", tmp_path / "s.csv").code == 0
    numbers = pd.read_csv(tmp_path / "s.csv").drop(columns="timestamp")
    np.testing.assert_allclose(np.load(tmp_path / "s.npy"), numbers.to_numpy(dtype=float))


def test_score_autoencoder_needs_a_threshold_for_flags(aekit, models, files):
    plain = read_csv_text(aekit("score", models["ae"], files["csv"]).out)
    assert list(plain.columns) == ["row", "score"]
    r = aekit("score", models["ae"], files["csv"], "--contamination", "0.1")
    flagged = read_csv_text(r.out)
    assert r.code == 0 and flagged["anomaly"].sum() == 24  # 10% of 240 rows
    np.testing.assert_allclose(flagged["score"], plain["score"])


def test_series_detector_scores_every_step(aekit, models, files, tmp_path):
    out = tmp_path / "ts.csv"
    r = aekit("score", models["series"], files["series"], "--timestamp-column", "timestamp",
              "--label-column", "is_anomaly", "-o", out)
    assert r.code == 0, r.err
    s = pd.read_csv(out)
    assert list(s.columns) == ["timestamp", "label", "score", "anomaly"] and len(s) == 720
    assert 595 <= int(s["score"].idxmax()) <= 610  # the injected spike is at steps 600-604
    assert s.loc[600:604, "anomaly"].any()
    # The flags are the detector's own (adaptive, per-step) decisions.
    det = aekit_api.load(models["series"])
    assert det.threshold == "adaptive"
    values = pd.read_csv(files["series"]).drop(columns=["timestamp", "is_anomaly"])
    np.testing.assert_array_equal(s["anomaly"], det.predict(values))
    flagged = int(s["anomaly"].sum())
    assert (f"{flagged} flagged ({flagged / 720:.2%}) by the model's alarms (the adaptive "
            "threshold, from ") in r.err
    assert "; repeats dropped; close alarms merged)" in r.err
    # A threshold given on the command line is the rule alone: every step above it.
    r = aekit("score", models["series"], files["series"], "--timestamp-column", "timestamp",
              "--label-column", "is_anomaly", "--threshold", "2.5", "-o", out)
    assert r.code == 0, r.err
    s = pd.read_csv(out)
    np.testing.assert_array_equal(s["anomaly"], (s["score"] > 2.5).astype(int))
    assert f"flagged ({int(s['anomaly'].sum()) / 720:.2%}) above threshold 2.5;" in r.err


def test_fit_threshold_rules_for_series_and_tables(aekit, files, tmp_path):
    m = tmp_path / "max.aekit"
    r = aekit("-q", "fit", files["series_train"], "-o", m, "--anomaly", "--timestamp-column",
              "timestamp", "--window", "24", "--epochs", "2", "--threshold", "max")
    assert r.code == 0, r.err
    assert aekit_api.load(m).threshold == "max"
    r = aekit("-q", "fit", files["series_train"], "-o", m, "--anomaly", "--timestamp-column",
              "timestamp", "--window", "24", "--epochs", "2", "--contamination", "0.02")
    det = aekit_api.load(m)
    assert r.code == 0 and det.threshold == "contamination" and det.contamination == 0.02
    r = aekit("fit", files["csv"], "-o", tmp_path / "t.aekit", "--anomaly", "--threshold", "max")
    assert r.code == 1 and "--threshold must be one of" in r.err


def test_series_timestamps_are_written_back_as_the_file_wrote_them(aekit, models, files,
                                                                   tmp_path):
    df = pd.read_csv(files["series"])
    # ISO 8601 with a 'Z' is read as UTC; the output wrote it back as '... 00:00:00+00:00'.
    df["timestamp"] = pd.to_datetime(df["timestamp"]).dt.strftime("%Y-%m-%dT%H:%MZ")
    df.to_csv(tmp_path / "z.csv", index=False)
    out = tmp_path / "s.csv"
    assert aekit("-q", "score", models["series"], tmp_path / "z.csv", "--timestamp-column",
                 "timestamp", "--drop-columns", "is_anomaly", "-o", out).code == 0  # fmt: skip
    assert pd.read_csv(out)["timestamp"].tolist() == df["timestamp"].tolist()
    # Parquet keeps times as times
    assert aekit("-q", "score", models["series"], tmp_path / "z.csv", "--timestamp-column",
                 "timestamp", "--drop-columns", "is_anomaly", "-o", tmp_path / "s.parquet"
                 ).code == 0  # fmt: skip
    stamps = pd.read_parquet(tmp_path / "s.parquet")["timestamp"]
    assert isinstance(stamps.dtype, pd.DatetimeTZDtype) and stamps.iloc[5].hour == 5
    m = tmp_path / "win.aekit"  # a window model labels each window with its last step's
    opts = ("--timestamp-column", "timestamp", "--drop-columns", "is_anomaly")
    assert aekit("-q", "fit", tmp_path / "z.csv", "-o", m, "--window", "24", "--epochs", "1",
                 *opts).code == 0  # fmt: skip
    codes = read_csv_text(aekit("encode", m, tmp_path / "z.csv", *opts).out)
    assert codes["timestamp"].tolist() == df["timestamp"].tolist()[23:]


def test_series_windows_with_a_conv1d_autoencoder(aekit, files, tmp_path):
    m = tmp_path / "win.aekit"
    opts = ("--timestamp-column", "timestamp", "--drop-columns", "is_anomaly")
    assert aekit("-q", "fit", files["series"], "-o", m, "--window", "24", "--epochs", "2",
                 *opts).code == 0  # fmt: skip
    assert aekit_load(m).module_.config.architecture == "conv1d"
    codes = read_csv_text(aekit("encode", m, files["series"], *opts, "--stride", "2").out)
    assert codes.columns[0] == "timestamp" and len(codes) == (720 - 24) // 2 + 1
    assert codes["timestamp"].iloc[0] == "2024-01-01 23:00:00"  # the first window's last step
    r = aekit("fit", files["series"], "-o", m, *opts)
    assert r.code == 2 and "--window" in r.err
    # The training series given to the report is cut into windows as well.
    report = tmp_path / "win.html"
    r = aekit("-q", "report", m, files["series_train"], "--train", files["series_train"],
              "--timestamp-column", "timestamp", "-o", report)  # fmt: skip
    assert r.code == 0, r.err
    assert report.stat().st_size > 0
    r = aekit("report", m, files["series"], "--label-column", "is_anomaly",
              "--timestamp-column", "timestamp", "-o", report)  # fmt: skip
    assert r.code == 0 and "--label-column is_anomaly is left out of the features" in r.err
    # The model keeps its series' columns: a renamed one is an error, not scored.
    assert aekit_load(m).window_columns_ == ["value"]
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(files["series"]).rename(columns={"value": "pressure"}).to_csv(renamed,
                                                                              index=False)
    r = aekit("encode", m, renamed, *opts)
    assert r.code != 0 and "missing 1 column(s) the model was trained on: 'value'" in r.err
    noted = tmp_path / "noted.csv"
    pd.read_csv(files["series"]).assign(note="ok").to_csv(noted, index=False)
    r = aekit("encode", m, noted, *opts)  # a text column the model does not use
    assert r.code == 0 and "left out: note" in r.err, r.err


def test_image_folder_encode_reconstruct_score(aekit, models, files, tmp_path):
    r = aekit("encode", models["images"], files["images"], "-o", tmp_path / "codes.csv")
    assert r.code == 0
    codes = pd.read_csv(tmp_path / "codes.csv")
    assert list(codes.columns[:2]) == ["file", "label"] and codes.shape == (16, 6)
    assert set(codes["label"]) == {"dark", "light"}
    assert aekit("reconstruct", models["images"], files["images"], "-o", tmp_path / "rec").code == 0
    rec = tmp_path / "rec"
    pngs = sorted(p.relative_to(rec).as_posix() for p in rec.rglob("*.png"))
    assert pngs == sorted(codes["file"])
    s = read_csv_text(aekit("score", models["images"], files["images"], "--contamination",
                            "0.25").out)
    assert s["anomaly"].sum() == 4 and list(s.columns) == ["file", "label", "score", "anomaly"]


def test_sample_from_a_conditional_vae(aekit, models, files, tmp_path):
    assert aekit("sample", models["cvae"], "-n", "4", "--label", "light",
                 "-o", tmp_path / "s.npy").code == 0  # fmt: skip
    assert np.load(tmp_path / "s.npy").shape == (4, 10, 12)
    assert aekit("sample", models["cvae"], "-n", "6", "-o", tmp_path / "grid.png").code == 0
    assert (tmp_path / "grid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = aekit("sample", models["cvae"], "--label", "purple")
    assert r.code == 1 and "dark, light" in r.err
    # Classes stay with the images; an upper-case .NPY is written where asked.
    assert aekit("-q", "sample", models["cvae"], "-n", "2", "-o", tmp_path / "each").code == 0
    assert sorted(p.name for p in (tmp_path / "each").iterdir()) == [
        "sample_00000_dark.png", "sample_00001_light.png"]  # fmt: skip
    # Into a folder that holds files, the new images would mix with the old.
    for command in (("sample", models["cvae"], "-n", "1"),
                    ("reconstruct", models["images"], files["images"])):  # fmt: skip
        r = aekit(*command, "-o", tmp_path / "each")
        assert r.code == 2 and "already holds files" in r.err, command
    (tmp_path / "empty").mkdir()
    assert aekit("-q", "sample", models["cvae"], "-n", "1", "-o", tmp_path / "empty").code == 0
    (tmp_path / "plain").write_text("x")
    r = aekit("sample", models["cvae"], "-n", "1", "-o", tmp_path / "plain")
    assert r.code == 2 and "exists and is not a folder" in r.err
    assert (tmp_path / "plain").read_text() == "x"
    assert aekit("-q", "sample", models["cvae"], "-n", "2", "-o", tmp_path / "S.NPY").code == 0
    assert np.load(tmp_path / "S.NPY").shape == (2, 10, 12)
    r = aekit("sample", models["cvae"], "-n", "3", "-o", tmp_path / "s3.npy")
    assert "their classes are, row by row, dark, light, ..." in r.err
    # tune, like fit, needs the classes for --conditional
    r = aekit("tune", tmp_path / "S.NPY", "--model", "vae", "--conditional", "-o",
              tmp_path / "t.aekit")  # fmt: skip
    assert r.code == 2 and "save them as 'y' in a .npz file" in r.err


def test_table_vae_from_npz_and_tsv(aekit, files, tmp_path):
    m = tmp_path / "vae.aekit"
    assert aekit("-q", "fit", files["npz"], "-o", m, "--model", "vae", "--epochs", "2").code == 0
    out = read_csv_text(aekit("sample", m, "-n", "3").out)
    assert out.shape == (3, 6)
    t = tmp_path / "tsv.aekit"
    assert aekit("-q", "fit", files["tsv"], "-o", t, "--model", "dae", "--epochs", "2",
                 "--drop-columns", "id,label").code == 0  # fmt: skip
    assert aekit_load(t).noise == 0.2


def test_a_detector_on_a_variant_template_and_options_only_a_detector_uses(
    aekit, files, tmp_path
):
    m = tmp_path / "det.aekit"
    # Not quiet: progress bars are set on the template, not beside it.
    r = aekit("fit", files["csv"], "-o", m, "--anomaly", "--model", "dae", "--epochs", "2",
              "--drop-columns", "id,label")  # fmt: skip
    assert r.code == 0, r.err
    assert aekit_load(m).base.noise == 0.2
    r = aekit("fit", files["csv"], "-o", m, "--contamination", "0.05", "--epochs", "2",
              "--drop-columns", "id,label")  # fmt: skip
    assert r.code == 2 and "--contamination set how a detector flags anomalies" in r.err


def test_conv1d_models_of_table_rows_or_of_cut_windows_are_not_windowed_again(
    aekit, files, tmp_path
):
    m = tmp_path / "c.aekit"
    table = (files["csv"], "--drop-columns", "id,label")
    assert aekit("-q", "fit", *table, "-o", m, "--architecture", "conv1d",
                 "--epochs", "1").code == 0  # fmt: skip
    r = aekit("score", m, *table)
    assert r.code == 0 and len(read_csv_text(r.out)) == 240, r.err
    np.save(tmp_path / "w.npy", np.random.default_rng(0).random((30, 2, 12)))
    assert aekit("-q", "fit", tmp_path / "w.npy", "-o", m, "--architecture", "conv1d",
                 "--epochs", "1").code == 0  # fmt: skip
    r = aekit("score", m, tmp_path / "w.npy")
    assert r.code == 0 and len(read_csv_text(r.out)) == 30, r.err


def test_window_scores_carry_the_label_of_each_windows_last_step(aekit, files, tmp_path):
    m = tmp_path / "w.aekit"
    series = (files["series"], "--timestamp-column", "timestamp")
    assert aekit("-q", "fit", *series, "-o", m, "--window", "24", "--epochs", "1",
                 "--drop-columns", "is_anomaly").code == 0  # fmt: skip
    r = aekit("score", m, *series, "--label-column", "is_anomaly")
    out = read_csv_text(r.out)
    labels = pd.read_csv(files["series"])["is_anomaly"].to_numpy()
    assert list(out.columns) == ["timestamp", "label", "score"], r.err
    np.testing.assert_array_equal(out["label"], labels[23:])
    assert "series columns: value" in aekit("info", m).out  # the channels score reads


def test_report_command_writes_a_self_contained_file(aekit, models, files, tmp_path):
    out = tmp_path / "r.html"
    r = aekit("report", models["ae"], files["test_csv"], "-o", out, "--label-column", "label",
              "--train", files["csv"])
    assert r.code == 0, r.err
    for f in (files["test_csv"], files["csv"]):  # each note says which file it is about
        assert f"{f}: columns not used by the model are left out: id" in r.err
    html = out.read_text()
    assert html.count("data:image/png;base64,") >= 4  # loss, rows, latent map, PCA
    for title in ("Training", "Reconstructions", "Latent map", "Comparison with PCA"):
        assert f">{title}</h2>" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html


@pytest.mark.parametrize("option", [("--max-rows", "10"), ("--image-shape", "2x2")])
def test_series_report_refuses_row_and_image_options(aekit, models, files, tmp_path, option):
    r = aekit("report", models["series"], files["series"], "--timestamp-column", "timestamp",
              "-o", tmp_path / "r.html", *option)  # fmt: skip
    assert r.code == 2 and f"{option[0]} do not apply to a series detector" in r.err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("name", ["r.csv", "out/", "sub"])
def test_report_output_must_be_an_html_file(aekit, models, files, tmp_path, name):
    (tmp_path / "sub.html").mkdir()
    r = aekit("report", models["ae"], files["test_csv"], "-o", str(tmp_path / name))
    assert r.code == 2 and "use one of .html, .htm" in r.err
    r = aekit("report", models["ae"], files["test_csv"], "-o", tmp_path / "sub.html")
    assert r.code != 0 and "is a folder" in r.err


def test_tune_saves_the_best_model(aekit, files, tmp_path):
    m = tmp_path / "tuned.aekit"
    r = aekit("tune", files["csv"], "-o", m, "--n-trials", "2", "--epochs", "2",
              "--drop-columns", "id,label", "--latent-dim", "2", "--hidden", "8", "--lr", "0.02")
    assert r.code == 0, r.err
    tuned = aekit_load(m)
    assert "2 trials" in r.err and tuned.latent_dim_ == 2
    assert tuned.hidden == (8,) and tuned.lr == 0.02  # given options are not searched


def _tune_arguments(aekit, monkeypatch, *args) -> dict:
    """What `aekit tune ARGS` passes to aekit.tune (which stops it there)."""
    import aekit.tuning as tuning  # "as": a bare import would shadow the fixture

    seen = {}

    def fake_tune(template, X, y, **kw):
        seen.update(kw, rows=len(X))
        raise RuntimeError("no trial completed (stopped here by the test)")

    monkeypatch.setattr(tuning, "tune", fake_tune)
    r = aekit("tune", *args)
    assert r.code == 1 and "stopped here by the test" in r.err
    return seen


@pytest.mark.parametrize("options, n_trials", [
    ((), 20), (("--timeout", "5"), None), (("--timeout", "5", "--n-trials", "3"), 3),
])  # fmt: skip
def test_tune_timeout_alone_is_not_capped_by_the_default_trial_count(
    aekit, files, tmp_path, monkeypatch, options, n_trials
):
    seen = _tune_arguments(aekit, monkeypatch, files["csv"], "-o", tmp_path / "m.aekit",
                           "--drop-columns", "id,label", *options)  # fmt: skip
    assert seen["n_trials"] == n_trials and seen["gap"] is None  # table rows: a random split


@pytest.mark.parametrize("options, fixed", [
    ((), []), (("--lr", "0.001", "--noise", "0"), ["lr", "noise"]),
    (("--model", "dae", "--batch-size", "64"), ["batch_size", "noise"]),
])  # fmt: skip
def test_tune_keeps_the_options_given_even_at_their_defaults(
    aekit, files, tmp_path, monkeypatch, options, fixed
):
    seen = _tune_arguments(aekit, monkeypatch, files["csv"], "-o", tmp_path / "m.aekit",
                           "--drop-columns", "id,label", *options)  # fmt: skip
    assert seen["fixed"] == fixed


def test_tune_on_series_windows_holds_out_the_last_ones_past_a_gap(
    aekit, files, tmp_path, monkeypatch
):
    seen = _tune_arguments(aekit, monkeypatch, files["series_train"], "-o", tmp_path / "m.aekit",
                           "--timestamp-column", "timestamp", "--window", "10",
                           "--stride", "4")  # fmt: skip
    assert seen["gap"] == 3  # ceil(9 / 4) windows share steps with the first held-out one


def test_demo_command_passes_options_to_run_demo(aekit, monkeypatch, tmp_path):
    seen = {}

    class Fake:
        def summary(self):
            return "SUMMARY"

    def fake_run_demo(out_dir, **kw):
        seen.update(kw, out_dir=out_dir)
        return Fake()

    monkeypatch.setattr("aekit.demo.run_demo", fake_run_demo)
    r = aekit("demo", "-o", tmp_path, "--seed", "3", "--epochs", "7", "--device", "cpu")
    assert r.code == 0 and r.out.strip() == "SUMMARY"
    assert seen["random_state"] == 3 and seen["epochs"] == 7 and seen["device"] == "cpu"
    assert str(seen["out_dir"]) == str(tmp_path)


def test_images_of_another_range_are_written_scaled_not_white(aekit, tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    np.save(tmp_path / "wide.npy", rng.uniform(0, 255, size=(20, 6, 6)).astype(np.float32))
    m = tmp_path / "wide.aekit"
    assert aekit("-q", "fit", tmp_path / "wide.npy", "-o", m, "--epochs", "2").code == 0
    out = tmp_path / "rec"
    assert aekit("-q", "reconstruct", m, tmp_path / "wide.npy", "-o", out).code == 0
    pixels = np.stack([np.asarray(Image.open(p)) for p in sorted(out.glob("*.png"))])
    assert len(pixels) == 20 and pixels.min() == 0 and pixels.max() == 255
    assert 0.1 < (pixels > 127).mean() < 0.9  # not all white


def test_an_input_is_never_overwritten(aekit, models, files, tmp_path):
    data = tmp_path / "data.csv"
    data.write_bytes(files["test_csv"].read_bytes())
    before = data.read_bytes()
    for args in (("score", models["detector"], data), ("encode", models["ae"], data),
                 ("fit", data, "--epochs", "1"), ("report", models["ae"], data)):  # fmt: skip
        r = aekit(*args, "-o", data)
        assert r.code == 2 and "would destroy that input" in r.err, args
    assert data.read_bytes() == before
    r = aekit("reconstruct", models["images"], files["images"], "-o", files["images"])
    assert r.code == 2 and "(DATA)" in r.err


def test_a_failed_score_leaves_the_earlier_scores(aekit, models, files, tmp_path):
    out = tmp_path / "scores.csv"
    assert aekit("-q", "score", models["detector"], files["test_csv"], "-o", out).code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask  # not the temp file's 0o600
    before = out.read_bytes()
    bad = pd.read_csv(files["test_csv"])
    bad.loc[80, "f2"] = np.nan  # in the second chunk: the first is written by then
    bad.to_csv(tmp_path / "bad.csv", index=False)
    r = aekit("-q", "score", models["detector"], tmp_path / "bad.csv", "-o", out,
              "--chunksize", "50")  # fmt: skip
    assert r.code != 0 and "missing value" in r.err
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "scores.csv"]
    np.save(tmp_path / "empty.npy", np.zeros((0, 6)))
    r = aekit("-q", "score", models["detector"], tmp_path / "empty.npy", "-o", out)
    assert r.code != 0 and out.read_bytes() == before


def test_fit_checks_the_model_folder_before_reading_and_training(aekit, files, tmp_path,
                                                                 monkeypatch):  # fmt: skip
    def never(*args, **kwargs):
        raise AssertionError("the data was read before the output folder was checked")

    monkeypatch.setattr("aekit.readers.read_data", never)
    for command in ("fit", "tune"):
        r = aekit(command, files["csv"], "-o", tmp_path / "missing" / "m.aekit")
        assert r.code != 0 and "folder to save the model in does not exist" in r.err, r


def test_reconstructed_images_with_one_name_keep_apart(aekit, models, tmp_path):
    from PIL import Image

    src = tmp_path / "src"
    src.mkdir()
    rng = np.random.default_rng(0)
    for suffix in (".png", ".jpg"):
        a = rng.integers(0, 255, size=(10, 12), dtype=np.uint8)
        Image.fromarray(a).save(src / f"a{suffix}")
    out = tmp_path / "rec"
    assert aekit("-q", "reconstruct", models["images"], src, "-o", out).code == 0
    assert sorted(p.name for p in out.iterdir()) == ["a_jpg.png", "a_png.png"]


def test_arrays_of_another_shape_name_both_shapes(aekit, models, tmp_path):
    np.save(tmp_path / "cube.npy", np.zeros((4, 2, 3)))
    for command, model in (("score", "detector"), ("encode", "ae")):
        r = aekit(command, models[model], tmp_path / "cube.npy")
        assert r.code != 0 and "samples have shape (2, 3)" in r.err and "6 features" in r.err, r


def test_columns_the_model_does_not_use_cannot_block_it(aekit, models, files, tmp_path):
    data = pd.read_csv(files["test_csv"]).assign(city="Oslo")
    data.loc[3, "city"] = None  # text with a gap: refused if the column were read
    data.to_csv(tmp_path / "more.csv", index=False)
    r = aekit("encode", models["ae"], tmp_path / "more.csv")
    assert r.code == 0, r.err
    assert "left out: id, label, city" in r.err
    r = aekit("score", models["detector"], tmp_path / "more.csv", "--chunksize", "30")
    assert r.code == 0 and "city" in r.err, r.err


def test_device_option_applies_to_a_loaded_model(aekit, models, files):
    r = aekit("encode", models["ae"], files["test_csv"], "--device", "cuda:7")
    assert r.code != 0 and "cuda:7" in r.err  # asked for, not ignored
    from aekit.cli._options import load_model

    det = load_model(str(models["detector"]), "cpu")
    assert det.device == "cpu" and all(m.device == "cpu" for m in det.estimators_)


def test_options_for_another_kind_of_data_are_refused(aekit, files, tmp_path):
    out = tmp_path / "m.aekit"
    r = aekit("fit", files["csv"], "-o", out, "--window", "5")
    assert r.code == 2 and "--window and --stride are for a time series" in r.err
    r = aekit("fit", files["series_train"], "--timestamp-column", "timestamp", "--anomaly",
              "--stride", "2", "-o", out)  # fmt: skip
    assert r.code == 2 and "the series detector learns from every window" in r.err
    r = aekit("fit", files["npy"], "--model", "vae", "--conditional", "-o", out)
    assert r.code == 2 and "save them as 'y' in a .npz file" in r.err
    assert not out.exists()


@pytest.mark.parametrize("options, named", [
    (("--model", "dae", "--noise", "0.5", "--lr", "0.1"), "--lr, --noise, --model dae"),
    (("--patience", "3", "--batch-size", "7"), "--batch-size, --patience"),
    (("--architecture", "dense",), "--architecture dense"),
])  # fmt: skip
def test_series_detector_refuses_options_it_would_ignore(aekit, files, tmp_path, options, named):
    out = tmp_path / "m.aekit"
    r = aekit("fit", files["series_train"], "--timestamp-column", "timestamp", "--anomaly",
              "-o", out, *options)  # fmt: skip
    assert r.code == 2 and f"the series detector, which does not use {named}" in r.err, r.err
    assert not out.exists()


def test_table_detector_refuses_conditional_and_another_architecture(aekit, files, tmp_path):
    out = tmp_path / "m.aekit"
    r = aekit("fit", files["csv"], "--anomaly", "--model", "vae", "--conditional",
              "--label-column", "label", "-o", out)  # fmt: skip
    assert r.code == 2 and "the detector, which does not use --conditional" in r.err, r.err
    r = aekit("fit", files["csv"], "--anomaly", "--architecture", "conv2d", "-o", out)
    assert r.code == 2 and "--architecture conv2d (it uses dense here)" in r.err, r.err
    # The architecture it picks anyway may be named: the default members are kept.
    r = aekit("-q", "fit", files["csv"], "--anomaly", "--architecture", "dense", "--epochs", "1",
              "--drop-columns", "id,label", "-o", out)  # fmt: skip
    assert r.code == 0, r.err
    assert aekit_load(out).base == "autoencoder"


def test_score_with_a_detector_fitted_on_unnamed_text_columns(aekit, tmp_path):
    # Fitted in Python on int column names: the CLI reads the file by position
    # and hands the text through, instead of failing to make 'DE' a float.
    rng = np.random.default_rng(0)
    df = pd.DataFrame({0: rng.normal(size=80), 1: rng.normal(size=80),
                       2: rng.choice(["DE", "FR"], 80)})  # fmt: skip
    det = aekit_api.AnomalyDetector(epochs=2, n_estimators=1, random_state=0).fit(df)
    det.save(tmp_path / "det.aekit")
    df.to_csv(tmp_path / "rows.csv", index=False)
    r = aekit("score", tmp_path / "det.aekit", tmp_path / "rows.csv")
    assert r.code == 0, r.err
    np.testing.assert_allclose(read_csv_text(r.out)["score"], det.decision_function(df),
                               rtol=1e-5)  # fmt: skip
