"""Safe model files: identical outputs after a round trip, clear errors for bad files."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import stat
import zipfile

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator
from sklearn.base import clone as clone_unfitted
from sklearn.exceptions import NotFittedError

import aekit
import aekit.io
from aekit.io import ModelFileError, UnsupportedFormatError, register_estimator


def _same_outputs(a, b, X, y=None):
    """Every output of two estimators agrees exactly."""
    np.testing.assert_array_equal(a.transform(X, y), b.transform(X, y))
    Z = a.transform(X, y)
    np.testing.assert_array_equal(a.inverse_transform(Z, y), b.inverse_transform(Z, y))
    np.testing.assert_array_equal(a.reconstruct(X, y), b.reconstruct(X, y))
    np.testing.assert_array_equal(a.score_samples(X, y), b.score_samples(X, y))


def _round_trip(est, tmp_path):
    path = tmp_path / "model.aekit"
    est.save(path)
    return aekit.load(path)


def test_dense_dataframe_round_trip(dense_ae, frame, tmp_path):
    loaded = _round_trip(dense_ae, tmp_path)
    assert type(loaded) is aekit.AutoEncoder
    assert loaded.get_params() == dense_ae.get_params()
    _same_outputs(dense_ae, loaded, frame)
    np.testing.assert_array_equal(loaded.feature_names_in_, dense_ae.feature_names_in_)
    np.testing.assert_array_equal(loaded.get_feature_names_out(), dense_ae.get_feature_names_out())
    fitted = ("input_shape_", "n_features_in_", "latent_dim_", "history_", "best_epoch_")
    for attr in (*fitted, "n_epochs_"):
        assert getattr(loaded, attr) == getattr(dense_ae, attr), attr
    np.testing.assert_array_equal(loaded.scaler_.scaler.mean_, dense_ae.scaler_.scaler.mean_)
    # Feature names are checked at transform time, as before saving.
    with pytest.raises(ValueError, match="feature names"):
        loaded.transform(frame.rename(columns={"px0": "other"}))


def test_conv_round_trip(conv_ae, images, tmp_path):
    loaded = _round_trip(conv_ae, tmp_path)
    assert loaded.module_.config == conv_ae.module_.config
    assert loaded.scaler_.kind == "minmax" and not loaded.scaler_.per_feature
    _same_outputs(conv_ae, loaded, images)


def test_vae_round_trip(vae, digits, tmp_path):
    X = digits[0]
    loaded = _round_trip(vae, tmp_path)
    _same_outputs(vae, loaded, X)
    np.testing.assert_array_equal(vae.sample(5, random_state=3), loaded.sample(5, random_state=3))
    np.testing.assert_array_equal(
        vae.log_likelihood(X[:20], n_samples=10), loaded.log_likelihood(X[:20], n_samples=10)
    )


def test_conditional_vae_round_trip(cvae, digits, tmp_path):
    est, labels = cvae
    loaded = _round_trip(est, tmp_path)
    np.testing.assert_array_equal(loaded.classes_, est.classes_)
    assert loaded.classes_.dtype == est.classes_.dtype
    _same_outputs(est, loaded, digits[0], labels)
    np.testing.assert_array_equal(
        est.sample(4, y="d3", random_state=1), loaded.sample(4, y="d3", random_state=1)
    )


def test_latent_curve_keeps_integer_keys(dense_ae, tmp_path):
    import copy

    est = copy.deepcopy(dense_ae)
    est.latent_curve_ = {2: 0.5, 4: 0.25, 8: float("nan")}
    loaded = _round_trip(est, tmp_path)
    assert list(loaded.latent_curve_) == [2, 4, 8]
    assert loaded.latent_curve_[4] == 0.25 and np.isnan(loaded.latent_curve_[8])


def test_loading_never_unpickles(dense_ae, frame, tmp_path, monkeypatch):
    path = tmp_path / "m.aekit"
    aekit.io.save(dense_ae, path)

    def refuse(*args, **kwargs):
        raise AssertionError("loading a model file must not unpickle")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    monkeypatch.setattr(np, "load", refuse)
    loaded = aekit.load(path)
    np.testing.assert_array_equal(loaded.transform(frame), dense_ae.transform(frame))


def test_cuda_model_loads_on_cpu(dense_ae, frame, tmp_path, caplog):
    if torch.cuda.is_available():
        pytest.skip("tests the fallback on a machine without CUDA")
    import copy

    est = copy.deepcopy(dense_ae)
    est.device = "cuda"  # as if trained with device='cuda'
    with caplog.at_level(logging.WARNING, logger="aekit.io.state"):
        loaded = _round_trip(est, tmp_path)
    assert "CUDA is not available" in caplog.text and "CPU" in caplog.text
    assert next(loaded.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.transform(frame), dense_ae.transform(frame))


def test_unfitted_save_raises(tmp_path):
    with pytest.raises(NotFittedError, match="call fit before saving"):
        aekit.AutoEncoder().save(tmp_path / "x.aekit")
    assert not (tmp_path / "x.aekit").exists()


def test_overwrite_and_any_name(dense_ae, conv_ae, tmp_path):
    path = tmp_path / "model.bin"
    dense_ae.save(path)
    conv_ae.save(path)
    assert aekit.load(str(path)).module_.config.architecture == "conv2d"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin"]  # no temporary left


# ------------------------------------------------------------------ bad files
@pytest.fixture(scope="module")
def saved(tmp_path_factory, dense_ae):
    path = tmp_path_factory.mktemp("saved") / "good.aekit"
    dense_ae.save(path)
    return path


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _write(path, members, fix_checksums=False):
    if fix_checksums:
        meta = json.loads(members["metadata.json"])
        for name, entry in meta["members"].items():
            entry["sha256"] = hashlib.sha256(members[name]).hexdigest()
        members = {**members, "metadata.json": json.dumps(meta).encode()}
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.aekit"):
        aekit.load(tmp_path / "nope.aekit")


def test_folder_is_refused(tmp_path):
    with pytest.raises(ModelFileError, match="folder"):
        aekit.load(tmp_path)


def test_random_bytes(tmp_path):
    path = tmp_path / "random.aekit"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(ModelFileError, match="not a zip archive"):
        aekit.load(path)


def test_unreadable_file_is_not_called_damaged(saved, monkeypatch):
    # Tests run as root, whom chmod does not stop: refuse the open the way the OS would.
    real_open = open

    def denied(file, *args, **kwargs):
        if os.fspath(file) == os.fspath(saved):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(PermissionError, match="good.aekit"):
        aekit.load(saved)


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.999])
def test_truncated(saved, tmp_path, keep):
    data = saved.read_bytes()
    path = tmp_path / "cut.aekit"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ModelFileError, match="truncated|damaged"):
        aekit.load(path)


def test_flipped_weight_bytes(saved, tmp_path):
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as zf:
        info = zf.getinfo("weights.safetensors")
    # Weights are stored uncompressed: their bytes end just before the central directory.
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    pos = start + info.compress_size // 2
    data[pos : pos + 8] = bytes(b ^ 0xFF for b in data[pos : pos + 8])
    path = tmp_path / "flipped.aekit"
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="damaged"):
        aekit.load(path)


def test_replaced_weights_fail_checksum(saved, tmp_path):
    members = _members(saved)
    w = bytearray(members["weights.safetensors"])
    w[-4:] = b"\x00\x00\x80\x7f"  # the last float becomes +inf, a valid file otherwise
    path = _write(tmp_path / "x.aekit", {**members, "weights.safetensors": bytes(w)})
    with pytest.raises(ModelFileError, match="checksum of 'weights.safetensors'"):
        aekit.load(path)


@pytest.mark.parametrize("member", ["weights.safetensors", "config.json", "metadata.json"])
def test_missing_member(saved, tmp_path, member):
    members = _members(saved)
    del members[member]
    path = _write(tmp_path / "x.aekit", members)
    with pytest.raises(ModelFileError, match=member.replace(".", r"\.")):
        aekit.load(path)


def test_newer_format_version(saved, tmp_path):
    members = _members(saved)
    meta = json.loads(members["metadata.json"])
    meta["format_version"] = aekit.io.FORMAT_VERSION + 1
    path = _write(tmp_path / "x.aekit", {**members, "metadata.json": json.dumps(meta).encode()})
    with pytest.raises(UnsupportedFormatError, match="upgrade aekit"):
        aekit.load(path)


def test_unknown_class_is_refused(saved, tmp_path):
    members = _members(saved)
    config = json.loads(members["config.json"])
    config["class"] = "os.system"
    members["config.json"] = json.dumps(config).encode()
    path = _write(tmp_path / "x.aekit", members, fix_checksums=True)
    with pytest.raises(ModelFileError, match="'os.system', which is not a known aekit"):
        aekit.load(path)


def test_weights_that_do_not_fit_the_config(saved, tmp_path):
    members = _members(saved)
    config = json.loads(members["config.json"])
    config["model"]["latent_dim"] = 5
    members["config.json"] = json.dumps(config).encode()
    path = _write(tmp_path / "x.aekit", members, fix_checksums=True)
    with pytest.raises(ModelFileError, match="weights do not match"):
        aekit.load(path)


# -------------------------------------------------------------- the state hook
class _Detector(BaseEstimator):
    """A stand-in for an estimator that holds a fitted autoencoder and a threshold."""

    def __init__(self, estimator=None, quantile: float = 0.9) -> None:
        self.estimator = estimator
        self.quantile = quantile

    def fit(self, X):
        from sklearn.base import clone

        self.estimator_ = clone(self.estimator).fit(X)
        self.scores_ = -self.estimator_.score_samples(X)
        self.threshold_ = float(np.quantile(self.scores_, self.quantile))
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return (-self.estimator_.score_samples(X) > self.threshold_).astype(int)

    def _state_to_save(self):
        state = {"estimator_": self.estimator_, "threshold_": self.threshold_, "pair": (1, 2)}
        state["ensemble_"] = [self.estimator_, clone_unfitted(self.estimator_)]
        return state, {"scores_": self.scores_}

    def _state_from_saved(self, state, arrays):
        self.estimator_ = state["estimator_"]
        self.threshold_ = state["threshold_"]
        self.scores_ = arrays["scores_"]
        self.pair_ = state["pair"]
        self.ensemble_ = state["ensemble_"]


def test_hook_saves_nested_estimator_and_state(digits, tmp_path):
    X = digits[0]
    inner = aekit.AutoEncoder(hidden=(16,), latent_dim=3, epochs=2, random_state=0, device="cpu")
    det = _Detector(inner).fit(X)
    with pytest.raises(TypeError, match="register_estimator"):
        aekit.io.save(det, tmp_path / "d.aekit")
    register_estimator(_Detector)
    aekit.io.save(det, tmp_path / "d.aekit")
    loaded = aekit.load(tmp_path / "d.aekit")
    assert isinstance(loaded, _Detector) and isinstance(loaded.estimator, aekit.AutoEncoder)
    assert loaded.estimator.get_params() == inner.get_params()
    assert loaded.threshold_ == det.threshold_ and loaded.n_features_in_ == X.shape[1]
    assert loaded.pair_ == (1, 2)
    fitted, unfitted = loaded.ensemble_
    assert fitted is loaded.estimator_  # one object, saved once
    with zipfile.ZipFile(tmp_path / "d.aekit") as zf:
        names = json.loads(zf.read("config.json"))["extra"]["ensemble_"][0]
    assert names == {"__aekit__": "ref", "prefix": "state.estimator_."}
    np.testing.assert_array_equal(fitted.transform(X), det.estimator_.transform(X))
    assert not hasattr(unfitted, "module_") and unfitted.get_params() == inner.get_params()
    np.testing.assert_array_equal(loaded.scores_, det.scores_)
    np.testing.assert_array_equal(loaded.predict(X), det.predict(X))
    _same_outputs(det.estimator_, loaded.estimator_, X)


class _Thresholds(BaseEstimator):
    """A registered estimator whose state holds arrays under keys that print alike."""

    def fit(self, X=None):
        self.table_ = {1: np.array([1.0, 2.0]), "1": np.array([3.0, 4.0])}
        return self

    def _state_to_save(self):
        return {"table_": self.table_}, {}

    def _state_from_saved(self, state, arrays):
        self.table_ = state["table_"]


def test_state_arrays_of_the_same_name_are_refused_at_save(tmp_path):
    register_estimator(_Thresholds)
    path = tmp_path / "t.aekit"
    # Saved without a word before, and loaded with [3, 4] for both keys.
    with pytest.raises(ValueError, match="state.table_.1: two arrays .* get this name"):
        aekit.io.save(_Thresholds().fit(), path)
    assert not path.exists()


def test_random_state_object_is_saved_as_none(digits, tmp_path, caplog):
    X = digits[0]
    est = aekit.AutoEncoder(hidden=(8,), latent_dim=2, epochs=1, device="cpu")
    est.set_params(random_state=np.random.RandomState(0)).fit(X)
    with caplog.at_level(logging.WARNING, logger="aekit.io.state"):
        est.save(tmp_path / "m.aekit")
    assert "random_state is a RandomState, which a model file cannot hold" in caplog.text
    loaded = aekit.load(tmp_path / "m.aekit")
    assert loaded.random_state is None
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))


def test_unknown_parameter_is_refused(saved, tmp_path):
    members = _members(saved)
    config = json.loads(members["config.json"])
    config["params"]["colour"] = "blue"
    members["config.json"] = json.dumps(config).encode()
    path = _write(tmp_path / "x.aekit", members, fix_checksums=True)
    with pytest.raises(ModelFileError, match="parameters do not fit .*colour"):
        aekit.load(path)


def test_saving_onto_a_folder_names_the_folder(dense_ae, tmp_path):
    (tmp_path / "models").mkdir()
    with pytest.raises(IsADirectoryError, match="a folder has the model file's name"):
        dense_ae.save(tmp_path / "models")
    assert [p.name for p in tmp_path.iterdir()] == ["models"]  # no temporary file left
    dense_ae.save(tmp_path / "m.aekit")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "m.aekit").stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("name", ["models/", "models/.", "models/.."])
def test_a_path_ending_as_a_folder_is_refused(dense_ae, tmp_path, name):
    path = os.path.join(str(tmp_path), name)
    with pytest.raises(IsADirectoryError, match="names a folder, not a file; give a file name"):
        aekit.io.save(dense_ae, path)
    assert list(tmp_path.iterdir()) == []  # not a file named models, as before


def test_resaving_keeps_the_file_permissions(dense_ae, conv_ae, tmp_path):
    path = tmp_path / "private.aekit"
    dense_ae.save(path)
    path.chmod(0o600)
    conv_ae.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # was widened to 0o666 less the umask
    assert aekit.load(path).module_.config.architecture == "conv2d"


def _refuse_writing_read_only_files(monkeypatch):
    """Refuse opening a file without its owner's write bit for writing, as the OS would.

    Tests run as root, whom file modes do not stop.
    """
    real_open = open

    def checked(file, mode="r", *args, **kwargs):
        writes = isinstance(file, (str, os.PathLike)) and set(mode) & set("wax+")
        if writes and os.path.exists(file) and not os.stat(file).st_mode & stat.S_IWUSR:
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", checked)


@pytest.mark.parametrize("mode", [0o444, 0o400])
def test_a_read_only_file_is_replaced_and_stays_read_only(
    dense_ae, conv_ae, tmp_path, monkeypatch, mode
):
    path = tmp_path / "frozen.aekit"
    dense_ae.save(path)
    path.chmod(mode)
    _refuse_writing_read_only_files(monkeypatch)
    # The mode is applied once the content is written: given to the empty
    # temporary file, it stopped the write ("Permission denied" on that file).
    assert aekit.io.save(conv_ae, path) == path
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert aekit.load(path).module_.config.architecture == "conv2d"
    assert [p.name for p in tmp_path.iterdir()] == ["frozen.aekit"]


def test_a_read_only_file_is_replaced_without_root_rights(dense_ae, conv_ae, tmp_path):
    import shutil
    import subprocess
    import sys

    drop = ["setpriv", "--inh-caps=-dac_override", "--bounding-set=-dac_override"]
    if os.geteuid() != 0:
        drop = []  # file modes already apply
    elif not shutil.which("setpriv") or subprocess.run([*drop, "true"]).returncode:
        pytest.skip("setpriv cannot drop CAP_DAC_OVERRIDE here")
    new, path = tmp_path / "new.aekit", tmp_path / "frozen.aekit"
    conv_ae.save(new)
    dense_ae.save(path)
    path.chmod(0o444)
    code = "import sys, aekit; aekit.load(sys.argv[1]).save(sys.argv[2])"
    r = subprocess.run([*drop, sys.executable, "-c", code, new, path],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert aekit.load(path).module_.config.architecture == "conv2d"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frozen.aekit", "new.aekit"]


def test_saving_through_a_symlink_writes_its_target(dense_ae, conv_ae, tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    target = tmp_path / "models" / "v1.aekit"
    dense_ae.save(target)
    link = tmp_path / "current.aekit"
    link.symlink_to(target)
    assert aekit.io.save(conv_ae, link) == link
    assert link.is_symlink() and link.resolve() == target
    assert aekit.load(target).module_.config.architecture == "conv2d"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current.aekit", "models"]
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["v1.aekit"]
    # A save that fails half-way still leaves the target and the link as they were.
    before = target.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fail)
    with pytest.raises(OSError, match="No space left"):
        dense_ae.save(link)
    assert link.is_symlink() and target.read_bytes() == before
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["v1.aekit"]


def test_a_symlink_loop_is_refused(dense_ae, tmp_path):
    (tmp_path / "a.aekit").symlink_to(tmp_path / "b.aekit")
    (tmp_path / "b.aekit").symlink_to(tmp_path / "a.aekit")
    with pytest.raises(OSError, match="symbolic link that leads back to itself"):
        dense_ae.save(tmp_path / "a.aekit")
    assert all(p.is_symlink() for p in tmp_path.iterdir())


def _edited(saved_path, tmp_path, edit):
    members = _members(saved_path)
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    return _write(tmp_path / "edited.aekit", members, fix_checksums=True)


HUGE = {"__aekit__": "tuple", "items": [300000, 300000]}


@pytest.mark.parametrize("edit, message", [
    (lambda c: c.update({"class": "VAE"}), "a plain autoencoder network saved as VAE"),
    (lambda c: c["fitted"].update(latent_dim_=3), "latent_dim_ 3 for a code of 4"),
    (lambda c: c["fitted"].update(n_features_in_=5), "n_features_in_ 5 for samples of shape"),
    # Checked against the weights before anything is allocated (360 GB asked for here).
    (lambda c: c["model"].update(hidden=HUGE), "weights do not match the saved model config"),
])  # fmt: skip
def test_a_state_edited_to_contradict_its_network_is_refused(saved, tmp_path, edit, message):
    with pytest.raises(ModelFileError, match=message):
        aekit.load(_edited(saved, tmp_path, edit))


@pytest.mark.parametrize("items", [[-64], [0], [float("inf")], [8.5], [1, -8, 8], ["64"]])
def test_impossible_input_shape_is_a_model_file_error(saved, tmp_path, items):
    # Was torch's RuntimeError (negative dimension) or OverflowError (int of infinity).
    edit = lambda c: c["model"]["input_shape"].update(items=items)  # noqa: E731
    with pytest.raises(ModelFileError, match="input_shape must be a tuple of integers >= 1"):
        aekit.load(_edited(saved, tmp_path, edit))


def test_input_shape_too_large_for_torch_is_a_model_file_error(conv_ae, tmp_path):
    conv_ae.save(tmp_path / "conv.aekit")
    edit = lambda c: c["model"]["input_shape"].update(items=[2**62, 8, 8])  # noqa: E731
    with pytest.raises(ModelFileError, match="layers too large to build: Storage size") as info:
        aekit.load(_edited(tmp_path / "conv.aekit", tmp_path, edit))
    assert "\n" not in str(info.value)  # torch's C++ backtrace is left out


@pytest.mark.parametrize("fitted, message", [
    ({"n_epochs_": "x"}, "n_epochs_ 'x' is not an integer >= 1"),
    ({"n_epochs_": 0}, "n_epochs_ 0 is not"),
    ({"best_epoch_": 7}, "best_epoch_ 7 is not an integer from 1 to n_epochs_ \\(3\\)"),
    ({"best_epoch_": None}, "best_epoch_ None"),
    ({"history_": [1, 2]}, "history_ is not a dict of lists of numbers: \\[1, 2\\]"),
    ({"history_": {"loss": "abc"}}, "history_ is not a dict of lists"),
    ({"history_": {"loss": [1.0, "x"]}}, "history_ is not a dict of lists"),
    ({"input_shape_": {"__aekit__": "tuple", "items": [-8, -8]}}, "input_shape_ \\(-8, -8\\)"),
])  # fmt: skip
def test_an_edited_training_record_is_refused(saved, tmp_path, fitted, message):
    # Loaded without a word before, to fail later in whatever read them.
    with pytest.raises(ModelFileError, match=message):
        aekit.load(_edited(saved, tmp_path, lambda c: c["fitted"].update(fitted)))


def test_a_config_nested_too_deeply_is_a_model_file_error(saved, tmp_path):
    members = _members(saved)
    members["config.json"] = b"[" * 100000 + b"]" * 100000
    path = _write(tmp_path / "deep.aekit", members, fix_checksums=True)
    with pytest.raises(ModelFileError, match="config.json is nested too deeply"):
        aekit.load(path)


@pytest.fixture(scope="module")
def saved_detectors(tmp_path_factory):
    rng = np.random.default_rng(0)
    folder = tmp_path_factory.mktemp("detectors")
    det = aekit.AnomalyDetector(epochs=1, n_estimators=1, random_state=0)
    det.fit(rng.normal(size=(60, 4))).save(folder / "det.aekit")
    ts = aekit.TimeSeriesDetector(window=8, epochs=1, random_state=0)
    ts.fit(np.sin(np.arange(200) / 3)).save(folder / "ts.aekit")
    return folder / "det.aekit", folder / "ts.aekit"


@pytest.mark.parametrize("which, edit, message", [
    (0, lambda c: c["extra"].update(estimators_=[]), "the detector has no networks saved"),
    (1, lambda c: c["extra"].update(estimators_=c["extra"]["estimators_"][:1]),
     "3 windows for 1 networks; error scales of shape"),
    (1, lambda c: c["extra"].update(threshold_rule_="bogus"), "threshold_rule_ 'bogus'"),
    (1, lambda c: c["extra"].update(smoothing_=-4), "smoothing_ -4"),
    (1, lambda c: c["extra"].update(n_sigmas_off_=9.0), "n_sigmas_off_ 9.0 outside 0 to"),
    (1, lambda c: c["extra"].update(alarm_gap_=-1), r"alarm_gap_ -1 \(an integer >= 0\)"),
    (1, lambda c: c["extra"].update(alarm_gap_=2.7), r"alarm_gap_ 2.7 \(an integer >= 0\)"),
    (1, lambda c: c["extra"].update(alarm_gap_=True), r"alarm_gap_ True \(an integer >= 0\)"),
    (1, lambda c: c["extra"].update(alarm_gap_=None), r"alarm_gap_ None \(an integer >= 0\)"),
    (1, lambda c: c["extra"].update(alarm_gap_="auto"), r"alarm_gap_ 'auto' \(an integer"),
])  # fmt: skip
def test_an_edited_detector_state_is_refused(saved_detectors, tmp_path, which, edit, message):
    with pytest.raises(ModelFileError, match=message):
        aekit.load(_edited(saved_detectors[which], tmp_path, edit))


def test_float64_weights_are_cast_to_the_network_dtype(saved, tmp_path, frame):
    from safetensors.torch import load as load_tensors
    from safetensors.torch import save as save_tensors

    members = _members(saved)
    tensors = {k: v.double() for k, v in load_tensors(members["weights.safetensors"]).items()}
    members["weights.safetensors"] = save_tensors(tensors)
    path = _write(tmp_path / "f64.aekit", members, fix_checksums=True)
    loaded, original = aekit.load(path), aekit.load(saved)
    assert next(loaded.module_.parameters()).dtype == torch.float32
    np.testing.assert_array_equal(loaded.transform(frame), original.transform(frame))


def test_series_members_must_read_the_saved_windows(saved_detectors, tmp_path):
    path = _edited(saved_detectors[1], tmp_path,
                   lambda c: c["extra"].update(windows_=[w + 2 for w in c["extra"]["windows_"]]))
    with pytest.raises(ModelFileError, match="networks reading windows"):
        aekit.load(path)


def test_pandas_output_and_an_augmentation_instance_survive_the_file(digits, tmp_path):
    from aekit.nn.augment import Augmentation

    X = digits[0][:120]
    ae = aekit.AutoEncoder(hidden=(8,), latent_dim=2, augmentation=Augmentation(noise=0.1),
                           epochs=2, random_state=0).fit(X)  # fmt: skip
    ae.set_output(transform="pandas")
    back = _round_trip(ae, tmp_path)  # an Augmentation could not be stored before
    codes = back.transform(X[:3])
    assert hasattr(codes, "columns")  # came back as an array before
    np.testing.assert_array_equal(codes.to_numpy(), ae.transform(X[:3]).to_numpy())
    assert back.augmentation == {"noise": 0.1, "shift": 0.0, "flip": False, "rotation": 0.0}
