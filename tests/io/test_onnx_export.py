"""ONNX export: onnxruntime gives the estimator's outputs, from raw inputs to input units."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import aekit
from aekit.export import onnx_paths, to_onnx

ort = pytest.importorskip("onnxruntime", reason="ONNX parity needs onnxruntime (aekit[onnx])")
onnx = pytest.importorskip("onnx", reason="ONNX export needs the onnx package (aekit[onnx])")

HAS_ONNXSCRIPT = importlib.util.find_spec("onnxscript") is not None


def _run(path, feeds):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)[0]


def _check(est, X, tmp_path, y=None, dynamo=None):
    enc, dec = to_onnx(est, tmp_path / "model.onnx", dynamo=dynamo)
    assert (enc.name, dec.name) == ("model.encoder.onnx", "model.decoder.onnx")
    label = {} if y is None else {"label": np.searchsorted(est.classes_, y).astype(np.int64)}
    for rows in (slice(0, 1), slice(0, 37)):  # the batch dimension is dynamic
        x_in = X.iloc[rows] if hasattr(X, "iloc") else X[rows]
        x = np.asarray(x_in)
        lab = {k: v[rows] for k, v in label.items()}
        codes = _run(enc, {"x": x.astype(np.float32), **lab})
        want = est.transform(x_in, None if y is None else y[rows])
        np.testing.assert_allclose(codes, want, rtol=1e-5, atol=1e-5)
        out = _run(dec, {"code": want.astype(np.float32), **lab})
        want_out = est.inverse_transform(want, None if y is None else y[rows])
        assert out.shape == want_out.shape == x.shape
        np.testing.assert_allclose(out, want_out, rtol=1e-5, atol=1e-5)
    return enc, dec


def test_dense_parity_with_baked_in_scaler(dense_ae, frame, tmp_path):
    enc, _ = _check(dense_ae, frame, tmp_path)
    # Two files and nothing else: no ".onnx.data" weights beside them, no work folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.decoder.onnx",
                                                          "model.encoder.onnx"]  # fmt: skip
    props = {p.key: p.value for p in onnx.load(str(enc)).metadata_props}
    assert props["estimator"] == "AutoEncoder" and props["latent_dim"] == "4"
    assert json.loads(props["input_shape"]) == [64]


def test_conv_parity(conv_ae, images, tmp_path, caplog):
    _check(conv_ae, images, tmp_path)
    # The exporter's notes about torchvision operators (aekit uses none) are kept quiet.
    assert not [r for r in caplog.records if "torchvision" in r.getMessage()]


def test_conditional_vae_parity(cvae, digits, tmp_path):
    est, labels = cvae
    enc, _ = _check(est, digits[0], tmp_path, y=labels)
    props = {p.key: p.value for p in onnx.load(str(enc)).metadata_props}
    assert json.loads(props["classes"]) == est.classes_.tolist()


@pytest.mark.skipif(not HAS_ONNXSCRIPT, reason="the default exporter was already the legacy one")
def test_legacy_exporter_parity(vae, digits, tmp_path):
    _check(vae, digits[0], tmp_path, dynamo=False)


def test_paths_and_unfitted(tmp_path):
    assert onnx_paths("a/model.onnx") == onnx_paths("a/model")
    assert onnx_paths("m.v2")[0].name == "m.v2.encoder.onnx"
    with pytest.raises(NotFittedError):
        aekit.AutoEncoder().to_onnx(tmp_path / "m.onnx")


def test_a_missing_folder_is_named_before_exporting(dense_ae, tmp_path):
    with pytest.raises(FileNotFoundError, match="folder to write the ONNX files in"):
        dense_ae.to_onnx(tmp_path / "missing" / "m")


def test_a_detector_is_refused_by_name(tmp_path):
    det = aekit.AnomalyDetector(epochs=1, n_estimators=1, random_state=0)
    det.fit(np.random.default_rng(0).normal(size=(40, 3)))
    with pytest.raises(TypeError, match="exports an AutoEncoder or a VAE, got AnomalyDetector"):
        to_onnx(det, tmp_path / "det.onnx")


@pytest.mark.skipif(not HAS_ONNXSCRIPT, reason="only the torch.export exporter has the floor")
def test_an_opset_the_exporter_cannot_write_is_refused_and_writes_nothing(vae, tmp_path):
    with pytest.raises(ValueError, match="opset_version=17: the torch.export exporter writes"):
        to_onnx(vae, tmp_path / "v.onnx", opset_version=17)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(dynamo="no"), "dynamo must be True or False, got 'no'"),
        (dict(opset_version="18"), "opset_version must be None or an integer >= 1, got '18'"),
        (dict(opset_version=17.0, dynamo=False), "integer >= 1, got 17.0"),
        (dict(opset_version=0), "integer >= 1, got 0"),
    ],
)
def test_export_options_of_the_wrong_kind_are_refused(dense_ae, tmp_path, monkeypatch, kwargs,
                                                       message):  # fmt: skip
    import torch

    def fail(*args, **kw):
        raise AssertionError(f"torch.onnx.export was called with {kw.get('dynamo')=}")

    monkeypatch.setattr(torch.onnx, "export", fail)  # "no" would pick the torch.export one
    with pytest.raises(ValueError, match=message):
        to_onnx(dense_ae, tmp_path / "m.onnx", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_multichannel_series_windows_parity_and_round_trip(tmp_path):
    # Channels in different units are scaled each on its own, in Python, in the
    # model file and in the ONNX graphs alike.
    rng = np.random.default_rng(0)
    X = np.stack([rng.normal(size=(40, 12)), 500 + 100 * rng.normal(size=(40, 12))], axis=1)
    ae = aekit.AutoEncoder(architecture="conv1d", latent_dim=3, epochs=2, random_state=0).fit(X)
    assert ae.scaler_.per_channel
    ae.save(tmp_path / "w.aekit")
    loaded = aekit.load(tmp_path / "w.aekit")
    assert loaded.scaler_.per_channel
    np.testing.assert_array_equal(loaded.reconstruct(X), ae.reconstruct(X))
    _check(ae, X.astype(np.float32), tmp_path)


def test_an_export_that_fails_midway_leaves_nothing(dense_ae, tmp_path, monkeypatch):
    import aekit.export as export

    done = []

    def annotate_then_fail(path, meta):
        done.append(path)
        if len(done) == 2:  # the encoder is written and checked, the decoder fails
            raise RuntimeError("stopped by the test")

    monkeypatch.setattr(export, "_annotate", annotate_then_fail)
    with pytest.raises(RuntimeError, match="stopped by the test"):
        to_onnx(dense_ae, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []
