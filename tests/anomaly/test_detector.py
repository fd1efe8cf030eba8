"""AnomalyDetector on synthetic tables and images: quality floors, thresholds, errors, files."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

import aekit
from aekit import AnomalyDetector


def manifold(n: int, seed: int, d: int = 12) -> np.ndarray:
    """Points near a curved 2-D surface in ``d`` dimensions, columns on very different scales."""
    rng = np.random.default_rng(seed)
    A = np.random.default_rng(99).normal(size=(2, d))
    z = rng.normal(size=(n, 2))
    X = np.tanh(z @ A) + 0.05 * rng.normal(size=(n, d))
    return X * np.logspace(0, 3, d)  # the last column is 1000x the first


def off_manifold(n: int, seed: int, d: int = 12) -> np.ndarray:
    """Rows with the right marginal ranges but broken dependencies between columns."""
    rng = np.random.default_rng(seed)
    X = manifold(n, seed + 1, d)
    return np.stack([rng.permutation(col) for col in X.T], axis=1)


@pytest.fixture(scope="module")
def fitted():
    X = manifold(800, 0)
    return AnomalyDetector(contamination=0.05, random_state=0).fit(X), X


def test_manifold_anomalies_found(fitted):
    det, _ = fitted
    normal, odd = manifold(500, 1), off_manifold(100, 2)
    s = det.decision_function(np.vstack([normal, odd]))
    assert s.shape == (600,)
    assert roc_auc_score(np.r_[np.zeros(500), np.ones(100)], s) >= 0.97
    np.testing.assert_allclose(det.score_samples(normal), -det.decision_function(normal))


def test_scores_do_not_depend_on_a_columns_scale(fitted):
    det, X = fitted
    # One anomalous value in the smallest-scale column must still stand out.
    row = manifold(50, 3)
    bumped = row.copy()
    bumped[:, 0] += 1.0  # 1 unit on a column of range ~2; the last column spans ~2000
    assert (det.decision_function(bumped) > det.decision_function(row)).mean() >= 0.95
    per_col = det.explain(bumped)
    assert per_col.shape == (50, 12)
    assert (per_col.argmax(axis=1) == 0).mean() >= 0.9


def test_contamination_share_flagged_on_new_normals(fitted):
    det, X = fitted
    assert det.threshold_ == pytest.approx(np.quantile(det.calibration_scores_, 0.95))
    new = manifold(4000, 4)
    assert abs(det.predict(new).mean() - 0.05) < 0.03
    # On its own training rows the share is about the same or lower (fitted rows).
    assert det.predict(X).mean() <= 0.08
    assert set(np.unique(det.predict(off_manifold(50, 5)))) <= {0, 1}


def test_conformal_p_values_and_threshold(fitted):
    det, _ = fitted
    new = manifold(3000, 6)
    p = det.p_values(new)
    assert 0 < p.min() and p.max() <= 1
    # Roughly uniform on new normal rows: each quarter holds about a quarter.
    counts = np.histogram(p, bins=4, range=(0, 1))[0] / len(p)
    np.testing.assert_allclose(counts, 0.25, atol=0.06)
    proba = det.predict_proba(new[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    conformal = clone(det).set_params(threshold="conformal", contamination=0.1)
    conformal.fit(manifold(800, 0))
    both = np.vstack([new, off_manifold(100, 7)])
    np.testing.assert_array_equal(conformal.predict(both), conformal.p_values(both) <= 0.1)
    fixed = clone(det).set_params(threshold=5.0, epochs=2).fit(manifold(200, 0))
    assert fixed.threshold_ == 5.0


def test_mixed_type_dataframe():
    rng = np.random.default_rng(0)

    kinds = np.array(["small", "medium", "large"])

    def rows(n, broken=False):
        k = rng.integers(0, 3, n)
        level = 10.0**k
        if broken:  # the kind says one size, the numbers another
            k = (k + rng.integers(1, 3, n)) % 3
        kind = kinds[k]
        return pd.DataFrame({
            "kind": kind,
            "size": level * (1 + 0.05 * rng.normal(size=n)),
            "weight": 2 * level * (1 + 0.05 * rng.normal(size=n)),
            "ok": rng.random(n) > 0.3,
        })  # fmt: skip

    det = AnomalyDetector(random_state=0).fit(rows(1000))
    test = pd.concat([rows(300), rows(60, broken=True)], ignore_index=True)
    auc = roc_auc_score(np.r_[np.zeros(300), np.ones(60)], det.decision_function(test))
    assert auc >= 0.95
    unseen = rows(5)
    unseen["kind"] = "gigantic"
    with pytest.warns(UserWarning, match=r"'kind' in 5 of 5 rows \('gigantic'\)") as seen:
        s = det.decision_function(unseen)  # a level never seen in fit: no crash, high scores
    assert seen[0].filename == __file__
    assert np.isfinite(s).all() and (s > det.threshold_).all()
    ex = det.explain(test.head(4))
    assert list(ex.columns) == ["kind", "size", "weight", "ok"]
    assert list(det.feature_names_in_) == ["kind", "size", "weight", "ok"]


def blobs(n: int, seed: int, corrupt: bool = False) -> np.ndarray:
    """12x12 images of one soft blob; corrupted ones get a bright 3x3 square in a corner."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:12, :12]
    cy, cx = rng.uniform(4, 8, size=(2, n, 1, 1))
    imgs = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 6.0) + 0.02 * rng.normal(size=(n, 12, 12))
    if corrupt:
        imgs[:, 1:4, 8:11] = 1.0
    return imgs.astype(np.float32)


def test_images_corrupted_region_found_and_explained():
    det = AnomalyDetector(random_state=0, epochs=30).fit(blobs(600, 0))
    assert det.input_kind_ == "image" and not det.standardize_
    good, bad = blobs(100, 1), blobs(20, 2, corrupt=True)
    s = det.decision_function(np.concatenate([good, bad]))
    assert roc_auc_score(np.r_[np.zeros(100), np.ones(20)], s) >= 0.95
    maps = det.explain(bad)
    assert maps.shape == (20, 12, 12)
    inside = maps[:, 1:4, 8:11].mean(axis=(1, 2))
    outside = maps.sum(axis=(1, 2)) - maps[:, 1:4, 8:11].sum(axis=(1, 2))
    assert (inside > 5 * outside / (144 - 9)).all()


def test_uint8_images_and_unit_floats_mean_the_same(tmp_path):
    as_u8 = np.clip(np.round(blobs(60, 3) * 255), 0, 255).astype(np.uint8)
    det = AnomalyDetector(epochs=2, random_state=0).fit(as_u8)
    assert det.unit_pixels_ and 0.0 <= det.pixel_range_[0] < det.pixel_range_[1] <= 1.0
    np.testing.assert_allclose(
        det.decision_function(as_u8[:5] / np.float32(255)), det.decision_function(as_u8[:5]),
        rtol=1e-5,
    )  # the [0, 1] floats of aekit's image-folder reader score like the uint8 arrays
    with pytest.raises(ValueError, match=r"one image .* pass X\[None\]"):
        det.decision_function(as_u8[0])
    wide = AnomalyDetector(epochs=2, random_state=0).fit(as_u8.astype(np.float32))
    with pytest.warns(UserWarning, match="up to 255, but these images lie in") as seen:
        wide.predict(as_u8[:5] / np.float32(255))
    assert seen[0].filename == __file__  # the warning points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fitted on 0-255 floats: uint8 means the same values
        np.testing.assert_allclose(
            wide.decision_function(as_u8[:5]),
            wide.decision_function(as_u8[:5].astype(np.float32)), rtol=1e-5,
        )
    det.save(tmp_path / "img.aekit")
    again = aekit.load(tmp_path / "img.aekit")
    assert again.unit_pixels_ and again.pixel_range_ == det.pixel_range_
    state, arrays = det._state_to_save()
    old = {k: v for k, v in state.items() if k not in ("unit_pixels_", "pixel_range_")}
    before = AnomalyDetector()
    before._state_from_saved(old, arrays)  # a file from before: uint8 went in unscaled
    assert not before.unit_pixels_ and before.pixel_range_ is None


def test_uint8_masks_of_0_and_1_are_warned_about_at_fit_and_at_scoring():
    # uint8 is divided by 255 whatever it holds: 0/1 masks become 0 and 1/255,
    # the same masks as bool or floats stay 0 and 1.
    masks = np.random.default_rng(0).random((30, 8, 8)) > 0.5
    with pytest.warns(UserWarning, match="hold only 0 and 1.*pass them as bool or float") as seen:
        on_u8 = AnomalyDetector(epochs=1, random_state=0).fit(masks.astype(np.uint8))
    assert seen[0].filename == __file__
    assert on_u8.pixel_range_[1] == pytest.approx(1 / 255)  # the documented rule still holds
    on_bool = AnomalyDetector(epochs=1, random_state=0).fit(masks)
    with pytest.warns(UserWarning, match="up to 0.003922, but these images go up to 1, about 255"):
        on_u8.decision_function(masks[:3])
    with pytest.warns(UserWarning, match=r"up to 1, but these images only go up to 0.003922, "
                                         r"about 255 times less. If they are 0/1 masks"):
        on_bool.decision_function(masks[:3].astype(np.uint8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # each on the scale it was fitted on
        on_u8.decision_function(masks[:3].astype(np.uint8))
        on_bool.decision_function(masks[:3].astype(np.float32))
        on_bool.decision_function(np.zeros((2, 8, 8), dtype=np.uint8))  # nothing to compare


def test_channels_last_images_warn_once_with_the_callers_shape():
    X = np.random.default_rng(0).random((20, 8, 8, 3)).astype(np.float32)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        AnomalyDetector(epochs=1, random_state=0).fit(X)
    said = [w for w in seen if "channels-last" in str(w.message)]
    assert len(said) == 1 and "(20, 8, 8, 3)" in str(said[0].message)
    assert said[0].filename == __file__


def test_vae_base_scores_anomalies():
    det = AnomalyDetector(base="vae", random_state=0).fit(manifold(800, 0))
    s = det.decision_function(np.vstack([manifold(300, 1), off_manifold(60, 2)]))
    assert np.isfinite(s).all()
    assert roc_auc_score(np.r_[np.zeros(300), np.ones(60)], s) >= 0.9


def test_template_base_and_ensemble_size():
    base = aekit.AutoEncoder(hidden=(16,), latent_dim=2, epochs=5)
    det = AnomalyDetector(base=base, n_estimators=2, random_state=0).fit(manifold(200, 0))
    assert len(det.estimators_) == 2 and det.estimator_ is det.estimators_[0]
    assert det.estimators_[0].random_state != det.estimators_[1].random_state
    assert base.random_state is None and not hasattr(base, "module_")  # template untouched


def test_same_seed_same_scores():
    X = manifold(300, 0)
    a = AnomalyDetector(random_state=3, epochs=5).fit(X).decision_function(X)
    b = AnomalyDetector(random_state=3, epochs=5).fit(X).decision_function(X)
    np.testing.assert_array_equal(a, b)


def test_category_bool_and_nullable_columns_together():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({
        "x": rng.normal(size=120),
        "on": rng.random(120) > 0.5,
        "kind": pd.Categorical(rng.choice(["p", "q"], 120)),
        "n": pd.array(rng.integers(0, 3, 120), dtype="Int64"),
    })  # fmt: skip
    det = AnomalyDetector(epochs=3, n_estimators=1, random_state=0).fit(df)
    s = det.decision_function(df)
    assert s.shape == (120,) and np.isfinite(s).all()
    assert list(det.explain(df.head(2)).columns) == ["x", "on", "kind", "n"]


def test_array_fit_scores_a_frame_by_position(fitted):
    det, X = fitted
    frame = pd.DataFrame(X[:20], columns=[f"c{i}" for i in range(X.shape[1])])
    with pytest.warns(UserWarning, match="fitted without feature names"):
        s = det.decision_function(frame)
    np.testing.assert_allclose(s, det.decision_function(X[:20]), rtol=1e-6)


def test_conformal_rule_with_too_few_held_out_rows_warns():
    X = manifold(40, 5)
    with pytest.warns(UserWarning, match="needs at least 9 held-out scores") as seen:
        det = AnomalyDetector(threshold="conformal", epochs=2, n_estimators=1,
                              random_state=0).fit(X)  # fmt: skip
    assert seen[0].filename == __file__
    assert det.threshold_ == np.inf and not det.predict(X * 100).any()


def test_save_load_identical(tmp_path, fitted):
    det, X = fitted
    det.save(tmp_path / "det.aekit")
    again = aekit.load(tmp_path / "det.aekit")
    np.testing.assert_array_equal(again.decision_function(X), det.decision_function(X))
    np.testing.assert_array_equal(again.predict(X), det.predict(X))
    assert again.get_params() == det.get_params()


def test_bad_input_errors(fitted):
    det, X = fitted
    with pytest.raises(ValueError, match="10 columns|12"):
        det.decision_function(X[:, :10])
    bad = X[:5].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        det.decision_function(bad)
    with pytest.raises(ValueError, match="Expected 2D array"):
        AnomalyDetector().fit(np.zeros(50))
    with pytest.raises(ValueError, match="table .* or images"):
        AnomalyDetector().fit(np.zeros((20, 2, 2, 2, 2)))
    with pytest.raises(ValueError, match="minimum of 10"):
        AnomalyDetector().fit(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="images have shape"):
        AnomalyDetector(epochs=1, random_state=0).fit(blobs(40, 0)).decision_function(
            np.zeros((2, 12, 10))
        )
    for params, word in [
        (dict(contamination=0.9), "contamination"),
        (dict(threshold="best"), "threshold"),
        (dict(base="pca"), "base"),
        (dict(calibration_fraction=0.0), "calibration_fraction"),
        (dict(n_estimators=0), "n_estimators"),
        (dict(scaler="minmax"), "scaler"),
        (dict(n_estimators=True), "n_estimators"),
        (dict(hidden=8), "hidden must be None or a tuple"),
    ]:
        with pytest.raises(ValueError, match=word):
            AnomalyDetector(**params).fit(X)
    with pytest.raises(Exception, match="not fitted"):
        AnomalyDetector().predict(X)


def test_overflowing_rows_are_flagged_not_scored_nan(fitted):
    # Scaled values the float32 network can hold but whose squared error it
    # cannot: the score is +inf (flagged, smallest p-value), never NaN.
    det, X = fitted
    far = X[:3].copy()
    far[:, 0] = 1e30
    s = det.decision_function(far)
    assert np.isinf(s).all() and det.predict(far).tolist() == [1, 1, 1]
    assert (det.p_values(far) == det.p_values(far).min()).all()
    far[:, 0] = 1e39
    with pytest.raises(ValueError, match=r"numeric columns \['x0'\] hold values too large"):
        det.decision_function(far)


def test_date_columns_are_refused_with_their_names():
    df = pd.DataFrame({"amount": np.random.default_rng(0).normal(size=50),
                       "when": pd.date_range("2024", periods=50)})  # fmt: skip
    with pytest.raises(ValueError, match=r"columns \['when'\] hold dates or times"):
        AnomalyDetector(epochs=1).fit(df)


def test_explain_keeps_the_frames_own_column_labels():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({0: rng.normal(size=60), 1: rng.normal(size=60),
                       2: rng.choice(["tcp", "udp"], 60)})  # fmt: skip
    det = AnomalyDetector(epochs=2, n_estimators=1, random_state=0).fit(df)
    ex = det.explain(df.head(3))
    assert list(ex.columns) == [0, 1, 2] and ex[0].shape == (3,)
    # Fitted on an array, a frame is read by position and keeps its labels.
    arr = AnomalyDetector(epochs=2, n_estimators=1, random_state=0).fit(df.to_numpy())
    named = df.set_axis(["a", "b", "c"], axis=1).head(2)
    with pytest.warns(UserWarning, match="fitted without feature names"):
        assert list(arr.explain(named).columns) == ["a", "b", "c"]


def test_scoring_refuses_dates_where_numbers_or_text_were_fitted():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"x": rng.normal(size=60), "kind": rng.choice(["p", "q"], 60)})
    det = AnomalyDetector(epochs=2, n_estimators=1, random_state=0).fit(df)
    when = pd.date_range("2024", periods=60)
    for col in ("x", "kind"):  # as nanoseconds, or numpy's DTypePromotionError, before
        with pytest.raises(ValueError, match=rf"columns \['{col}'\] hold dates or times"):
            det.decision_function(df.assign(**{col: when}))



def test_a_text_columns_one_hot_block_shares_one_error_scale():
    from aekit.anomaly.scoring import error_scale

    rng = np.random.default_rng(6)
    df = pd.DataFrame({"x": rng.normal(size=300),
                       "kind": rng.choice(["p", "q", "r"], 300, p=[0.6, 0.3, 0.1])})  # fmt: skip
    det = AnomalyDetector(epochs=3, n_estimators=1, random_state=0).fit(df)
    scale = det.error_scales_[0]
    assert scale.shape == (4,) and len(set(scale[1:])) == 1  # x; then p, q, r together
    # A group's scale is the root mean of its summed errors; single columns are as before.
    err = rng.random((50, 4)) ** 4
    np.testing.assert_allclose(error_scale(err, np.array([0, 1, 1, 1]))[1:],
                               np.sqrt(err[:, 1:].sum(axis=1).mean()))  # fmt: skip
    np.testing.assert_array_equal(error_scale(err, np.arange(4)), error_scale(err))


def test_member_settings_beside_a_base_instance_are_refused():
    from aekit import AutoEncoder

    det = AnomalyDetector(base=AutoEncoder(epochs=2), latent_dim=5, hidden=(7,))
    with pytest.raises(ValueError, match=r"set hidden=\(7,\), latent_dim=5 on it instead"):
        det.fit(np.random.default_rng(0).normal(size=(40, 3)))


def test_a_refit_on_a_table_after_images_forgets_the_images():
    rng = np.random.default_rng(7)
    det = AnomalyDetector(epochs=1, n_estimators=1, random_state=0)
    det.fit(rng.random((60, 8, 8)))
    with pytest.raises(ValueError, match=r"images have shape \(9, 8\), but the detector was "
                       r"fitted on \(8, 8\)"):  # scikit-learn said "X has 9 features" before
        det.decision_function(rng.random((3, 9, 8)))
    det.fit(rng.random((60, 8)))
    assert not hasattr(det, "image_shape_")
    assert det.decision_function(rng.random((8, 8))).shape == (8,)  # "one image" before
