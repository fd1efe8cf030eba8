"""Bad input and bad parameters raise a ValueError that says what was wrong."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from aekit import VAE, AutoEncoder

TINY = dict(latent_dim=2, hidden=(8,), epochs=1, random_state=0)


@pytest.fixture(scope="module")
def table() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(40, 6))


@pytest.fixture(scope="module")
def fitted(table) -> AutoEncoder:
    return AutoEncoder(**TINY).fit(table)


def _with(table: np.ndarray, row: int, col: int, value) -> np.ndarray:
    out = table.copy()
    out[row, col] = value
    return out


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda t: _with(t, 3, 2, np.nan), "NaN"),
        (lambda t: _with(t, 5, 0, np.inf), "infinity"),
        (lambda t: _with(t, 5, 0, -np.inf), "infinity"),
        (lambda t: t[:0], "0 sample"),
        (lambda t: t[:1], "1 sample"),
        (lambda t: t.astype(str).astype(object) + "x", "string"),
        (lambda t: t[:, 0], "2D array"),
    ],
    ids=["nan", "inf", "-inf", "empty", "one-sample", "strings", "1d"],
)
@pytest.mark.parametrize("cls", [AutoEncoder, VAE])
def test_bad_training_data_is_refused_with_a_reason(cls, table, make, message):
    with pytest.raises(ValueError, match=message):
        cls(**TINY).fit(make(table))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda t: _with(t, 0, 0, np.nan), "NaN"),
        (lambda t: _with(t, 0, 0, np.inf), "infinity"),
        (lambda t: t[:0], "0 sample"),
        (lambda t: t[:, :4], "4 features, but AutoEncoder is expecting 6"),
        (lambda t: np.hstack([t, t]), "12 features, but AutoEncoder is expecting 6"),
        (lambda t: np.array([["a"] * 6] * 3), "could not convert string"),
    ],
    ids=["nan", "inf", "empty", "too-few-features", "too-many-features", "strings"],
)
@pytest.mark.parametrize("method", ["transform", "reconstruct", "score_samples"])
def test_bad_data_at_transform_time_is_refused(fitted, table, make, message, method):
    with pytest.raises(ValueError, match=message):
        getattr(fitted, method)(make(table))


def test_one_sample_is_fine_after_fit(fitted, table):
    assert fitted.transform(table[:1]).shape == (1, 2)


def test_wrong_image_shape_names_both_shapes(digits):
    images = digits[0][:60].reshape(-1, 8, 8)
    ae = AutoEncoder(**{**TINY, "hidden": (4,)}).fit(images)
    wider = np.zeros((3, 8, 9))
    with pytest.raises(ValueError, match=r"shape \(8, 9\).*fitted on samples of shape \(8, 8\)"):
        ae.transform(wider)
    with pytest.raises(ValueError, match=r"shape \(7, 7\), but AutoEncoder was fitted on"):
        ae.transform(np.zeros((3, 7, 7)))
    with pytest.raises(ValueError, match=r"samples of shape \(64,\), but"):
        ae.transform(digits[0][:3])  # a flat table for an image model


def test_codes_of_the_wrong_size_are_refused(fitted):
    with pytest.raises(ValueError, match=r"codes must have shape \(n_samples, 2\)"):
        fitted.inverse_transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="NaN or infinity"):
        fitted.inverse_transform(np.full((3, 2), np.nan))


@pytest.mark.parametrize("scaler", [None, "auto"])
def test_codes_beyond_float32_are_refused(table, scaler):
    # Finite in float64, infinite in the float32 network: inf and NaN came out
    # (no scaler), or scikit-learn's error about an array the user never saw.
    ae = AutoEncoder(scaler=scaler, output="linear", **TINY).fit(table)
    codes = np.array([[1e39, 0.0]])
    with pytest.raises(ValueError, match="codes holds values beyond float32's range"):
        ae.inverse_transform(codes)
    assert np.all(np.isfinite(ae.inverse_transform(np.array([[1e3, 0.0]]))))


def test_use_before_fit_raises_not_fitted(table):
    with pytest.raises(NotFittedError):
        AutoEncoder().transform(table)
    with pytest.raises(NotFittedError):
        VAE().sample(2)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(latent_dim=0), "latent_dim must be >= 1"),
        (dict(scaler="robust"), "scaler must be one of"),
        (dict(loss="l1"), "loss must be one of"),
        (dict(architecture="lstm"), "architecture must be"),
        (dict(architecture="conv2d"), "conv2d expects images"),
        (dict(output="tanh"), "output must be one of"),
        (dict(noise_type="pink"), "noise_type must be one of"),
        (dict(noise=0.1, noise_type=["gaussian"]), "noise_type must be one of .*, got \\['gau"),
        (dict(noise=-0.1), "noise must be a number >= 0"),
        (dict(noise="0.1"), "noise must be a number >= 0, got '0.1'"),
        (dict(noise=float("nan")), "noise must be a number >= 0, got nan"),
        (dict(sparsity=None), "sparsity must be a number >= 0, got None"),
        (dict(contractive=float("inf")), "contractive must be a number >= 0, got inf"),
        (dict(verbose="yes"), "verbose must be an integer >= 0 .*, got 'yes'"),
        (dict(batch_norm="no"), "batch_norm must be True or False, got 'no'"),
        (dict(loss="bce", output="linear", scaler="minmax"), "loss=.bce. trains the decoder"),
        (dict(lr=0.0), "lr must be a number > 0"),
        (dict(optimizer="sgd"), "optimizer must be one of"),
        (dict(validation_fraction=1.0), r"validation_fraction must be a number in \[0, 1\)"),
        (dict(loss="bce", scaler="standard"), "loss='bce' needs"),
        (dict(output="sigmoid", scaler="standard"), r"output='sigmoid' gives values in \[0, 1\]"),
        (dict(dropout=1.0), r"dropout must be a number in \[0, 1\)"),
        (dict(dropout=-0.1), r"dropout must be a number in \[0, 1\)"),
        (dict(dropout=None), r"dropout must be a number in \[0, 1\), got None"),
        (dict(lr=float("inf")), "lr must be a number > 0, got inf"),
        (dict(device="meta"), "device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'"),
        (dict(latent_dim=2.5), "latent_dim must be an integer"),
        (dict(hidden=16), "hidden must be 'auto' or a tuple"),
        (dict(batch_size=1, batch_norm=True), "batch_norm needs batches of at least 2"),
        (dict(noise=1.5, noise_type="masking"), "share of values corrupted .* at most 1"),
        (dict(noise=0.1, noise_type="salt_pepper"), "noise_type='salt_pepper' sets values to 0"),
        (dict(epochs=None), "epochs must be an integer >= 1, got None"),
        (dict(epochs=2.5), "epochs must be an integer >= 1, got 2.5"),
        (dict(batch_size=2.5), "batch_size must be an integer >= 1"),
        (dict(hidden=(0,)), "hidden must be a tuple of integers >= 1"),
        (dict(hidden=(8, -3)), "hidden must be a tuple of integers >= 1"),
        # torch took -1 as 2**64 - 1 without a word, and 2**64 with an overflow message.
        (dict(random_state=-1), r"random_state must be None, an integer from 0 to 2\*\*32 - 1"),
        (dict(random_state=2**32), "random_state must be None, .*, got 4294967296"),
        (dict(random_state=2**64), "random_state must be None, .*, got 18446744073709551616"),
        (dict(random_state=1.5), "random_state must be None, .*, got 1.5"),
        (dict(random_state="0"), "random_state must be None, .*, got '0'"),
        (dict(random_state=np.random.default_rng(0)), "random_state must be None, .*Generator"),
    ],
)
def test_bad_parameters_name_the_parameter(table, params, message):
    with pytest.raises(ValueError, match=message):
        AutoEncoder(**{**TINY, **params}).fit(table)


@pytest.mark.parametrize("seed", [0, 2**32 - 1, np.int64(7), np.uint32(2**32 - 1)])
def test_every_seed_scikit_learn_accepts_repeats_a_fit(table, seed):
    first = AutoEncoder(**{**TINY, "random_state": seed}).fit(table).transform(table)
    again = AutoEncoder(**{**TINY, "random_state": seed}).fit(table).transform(table)
    np.testing.assert_array_equal(first, again)


def test_a_random_state_object_still_seeds_a_fit(table):
    rs = np.random.RandomState(0)
    a = AutoEncoder(**{**TINY, "random_state": rs}).fit(table).transform(table)
    b = AutoEncoder(**{**TINY, "random_state": np.random.RandomState(0)}).fit(table)
    np.testing.assert_array_equal(a, b.transform(table))


@pytest.mark.parametrize("params, message", [
    (dict(beta="1"), "beta must be a number >= 0, got '1'"),
    (dict(kl_warmup=float("nan")), "kl_warmup must be a number >= 0, got nan"),
    (dict(loss="bce", output="linear"), "loss='bce' trains the decoder through a sigmoid"),
])  # fmt: skip
def test_bad_vae_parameters_name_the_parameter(params, message):
    X = np.random.default_rng(0).random((40, 6))
    with pytest.raises(ValueError, match=message):
        VAE(**{**TINY, **params}).fit(X)


def test_a_vae_asked_for_a_spatial_code_is_told_it_needs_a_size():
    images = np.random.default_rng(0).random((10, 8, 8))
    with pytest.raises(ValueError, match="a VAE needs a code size: latent_dim='spatial'"):
        VAE(**{**TINY, "latent_dim": "spatial", "hidden": (4,)}).fit(images)


@pytest.mark.parametrize("kernel_size", [-1, 0, 4, 3.0, True])
def test_conv_kernel_size_must_be_an_odd_positive_integer(kernel_size):
    images = np.random.default_rng(0).random((10, 8, 8))
    with pytest.raises(ValueError, match="kernel_size must be an odd integer >= 1"):
        AutoEncoder(**{**TINY, "hidden": (4,)}, kernel_size=kernel_size).fit(images)


@pytest.mark.parametrize("params, message", [
    (dict(latent_dim=4), r"latent_dim \(2 -> 4\)"),
    (dict(hidden=(7,)), r"hidden \(\(8,\) -> \(7,\)\)"),
    (dict(dropout=0.5), r"dropout \(0.0 -> 0.5\)"),
    (dict(scaler="minmax"), r"scaler \('standard' -> 'minmax'\)"),
    (dict(loss="bce"), "loss='bce' needs \\(scaled\\) data in \\[0, 1\\]"),
])  # fmt: skip
def test_warm_start_refuses_settings_that_would_build_another_network(table, params, message):
    ae = AutoEncoder(**TINY, warm_start=True).fit(table)
    with pytest.raises(ValueError, match=message):
        ae.set_params(**params).fit(table)
    assert ae.module_.config.latent_dim == 2 and ae.n_epochs_ == 1  # the fitted model is kept
    ae.set_params(**{k: TINY.get(k, AutoEncoder().get_params()[k]) for k in params})
    assert ae.set_params(epochs=2).fit(table).n_epochs_ == 2  # unchanged settings continue


def test_warm_start_fine_tunes_on_new_data_beyond_the_first_range():
    rng = np.random.default_rng(0)
    U = rng.random((40, 6))
    ae = AutoEncoder(**TINY, warm_start=True).fit(U)  # in [0, 1]: sigmoid output, no scaling
    with pytest.warns(UserWarning, match="beyond the \\[0, 1\\] the network's sigmoid"):
        ae.set_params(epochs=2).fit(1.2 * U)
    assert ae.n_epochs_ == 2 and ae.module_.config.output == "sigmoid"


def test_a_bce_vae_refuses_the_likelihood_of_data_beyond_its_range():
    U = np.random.default_rng(0).random((40, 6))
    vae = VAE(**TINY, loss="bce").fit(U)
    assert np.isfinite(vae.log_likelihood(U, n_samples=2)).all()
    with pytest.raises(ValueError, match="Bernoulli likelihood, defined for data in \\[0, 1\\]"):
        vae.log_likelihood(U + 0.5, n_samples=2)


def test_a_dense_network_has_no_kernel_to_check(table):
    assert AutoEncoder(**TINY, kernel_size=4).fit(table).latent_dim_ == 2


def test_warm_start_must_be_a_flag(table):
    with pytest.raises(ValueError, match="warm_start must be True or False, got 'no'"):
        AutoEncoder(**TINY, warm_start="no").fit(table).fit(table)


def test_bce_on_min_max_scaled_data_despite_rounding():
    # Min-max scaling can round the largest value to 1 + 2e-16 (some of these seeds do).
    for seed in range(20):
        X = np.random.default_rng(seed).normal(size=(40, 6))
        ae = AutoEncoder(loss="bce", scaler="minmax", epochs=1, random_state=0).fit(X)
        assert ae.module_.config.output == "sigmoid"


def test_saving_into_a_missing_folder_names_the_folder(table, tmp_path):
    ae = AutoEncoder(**TINY).fit(table)
    with pytest.raises(FileNotFoundError, match="folder to save the model in does not exist"):
        ae.save(tmp_path / "no" / "such" / "m.aekit")


def test_without_early_stopping_the_last_epoch_is_kept():
    X = np.random.default_rng(0).normal(size=(60, 5))
    # lr=0.3: the validation loss is lowest in epoch 4, but epoch 6's weights are kept.
    ae = AutoEncoder(latent_dim=2, hidden=(8,), epochs=6, patience=None, lr=0.3,
                     random_state=0).fit(X)  # fmt: skip
    assert ae.n_epochs_ == 6 and ae.best_epoch_ == 6
    assert min(ae.history_["val_loss"]) < ae.history_["val_loss"][-1]


def test_vae_labels_must_match_the_rows(table):
    y = np.arange(len(table)) % 2
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        VAE(**TINY, conditional=True).fit(table, y[:-3])
    vae = VAE(**TINY, conditional=True).fit(table, y)
    with pytest.raises(ValueError, match=r"labels not seen in fit: \[7\]"):
        vae.transform(table[:2], y=[7, 7])
    with pytest.raises(ValueError, match="pass the class labels"):
        vae.inverse_transform(np.zeros((2, 2)))


def test_conv1d_windows_scale_alike_with_or_without_the_channel_axis():
    X = np.random.default_rng(0).normal(size=(100, 16)) * 3 + 5
    flat = AutoEncoder(architecture="conv1d", latent_dim=2, epochs=2, random_state=0).fit(X)
    chan = AutoEncoder(architecture="conv1d", latent_dim=2, epochs=2, random_state=0)
    chan.fit(X[:, None, :])
    assert not flat.scaler_.per_feature  # one scale for all steps, as for (n, 1, L)
    np.testing.assert_allclose(flat.transform(X), chan.transform(X[:, None, :]), rtol=1e-6)


def test_channels_of_series_windows_are_scaled_each_in_its_own_units():
    rng = np.random.default_rng(0)
    # a channel of scale 1 beside one of scale 1000: one min-max for both squashed the first
    X = np.stack([rng.normal(size=(60, 16)), 1000 * rng.normal(size=(60, 16))], axis=1)
    ae = AutoEncoder(architecture="conv1d", latent_dim=2, epochs=1, random_state=0).fit(X)
    Xs = ae.scaler_.transform(X)
    assert Xs.shape == X.shape
    for c in range(2):
        assert Xs[:, c].min() == pytest.approx(0) and Xs[:, c].max() == pytest.approx(1)
    np.testing.assert_allclose(ae.scaler_.inverse_transform(Xs), X, rtol=1e-9, atol=1e-9)
    assert ae.reconstruct(X).shape == X.shape


def test_channels_last_images_get_a_warning():
    X = np.random.default_rng(0).random((20, 8, 8, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match=r"channels-last .* np\.moveaxis\(X, -1, 1\)"):
        AutoEncoder(epochs=1, latent_dim=2, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (n, C, H, W) as expected: no warning
        AutoEncoder(epochs=1, latent_dim=2, random_state=0).fit(np.moveaxis(X, -1, 1))


def test_values_beyond_float32_are_refused_not_turned_into_nan(fitted, table):
    # Finite in float64, infinite in the float32 network once scaled: NaN errors otherwise.
    with pytest.raises(ValueError, match=r"X \(once scaled\) holds values beyond float32's"):
        fitted.reconstruction_error(_with(table, 0, 0, 1e39))
    with pytest.raises(ValueError, match="beyond float32's range"):
        AutoEncoder(**TINY, scaler=None).fit(_with(table, 0, 0, -1e39))
    # What the network reads is the scaled data: huge raw values scaled down train fine.
    huge = AutoEncoder(**TINY).fit(table * 1e40)
    assert np.isfinite(huge.reconstruction_error(table * 1e40)).all()


def test_decoding_no_codes_is_a_clear_error(fitted):
    with pytest.raises(ValueError, match="n_samples >= 1"):
        fitted.inverse_transform(np.zeros((0, 2)))


def test_read_only_data_and_pandas_codes_raise_no_torch_warning():
    import pandas as pd

    X = np.random.default_rng(0).random((40, 6)).astype(np.float32)
    X.setflags(write=False)  # as a joblib memmap is
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch: "The given NumPy array is not writable"
        ae = AutoEncoder(**TINY).fit(X)
        codes = ae.set_output(transform="pandas").transform(pd.DataFrame(X))
        assert ae.inverse_transform(codes).shape == (40, 6)


def test_values_whose_spread_overflows_are_refused_in_words():
    X = np.random.default_rng(0).normal(size=(60, 3)) * 1e300
    # "does not accept missing values encoded as NaN" before: the scaler's variance overflowed
    with pytest.raises(ValueError, match="too large to scale"):
        AutoEncoder(epochs=1, scaler="standard").fit(X)
    assert AutoEncoder(epochs=1, scaler="minmax", random_state=0).fit(X).transform(X).shape[0] == 60
