"""aekit.tune: Optuna search with pruning, custom spaces, reproducibility, refit."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

import aekit
from aekit import VAE, AutoEncoder
from aekit.training import Objective, TrainConfig, train

optuna = pytest.importorskip("optuna")
optuna.logging.set_verbosity(optuna.logging.WARNING)

FAST = dict(epochs=3, random_state=0)


@pytest.fixture(scope="module")
def X(digits):
    return digits[0][:300]


def test_default_search_returns_the_best_estimator_refit_on_all_rows(X):
    best, study = aekit.tune(AutoEncoder(latent_dim=4, **FAST), X, n_trials=4, random_state=0)
    assert len(study.trials) == 4
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert study.best_value == min(t.value for t in done)
    params = study.best_trial.user_attrs["params"]
    assert {"hidden", "lr", "batch_size", "dropout", "noise"} <= set(params)
    assert "latent_dim" not in params  # a fixed code size is kept
    assert best.latent_dim_ == 4 and best.n_features_in_ == 64
    assert all(best.get_params()[k] == v for k, v in params.items())
    assert not hasattr(best, "_epoch_callback")
    # the objective is the held-out reconstruction error (mean per feature)
    assert 0 < study.best_value < np.var(X, axis=0).sum() / X.shape[1] * 2


def test_parameters_the_user_set_are_kept(X):
    template = AutoEncoder(latent_dim=4, hidden=(8,), lr=0.05, noise=0.5, **FAST)
    best, study = aekit.tune(template, X, n_trials=2, random_state=0)
    for t in study.trials:
        assert not {"hidden", "lr", "noise"} & set(t.user_attrs["params"])
        assert {"batch_size", "dropout"} <= set(t.user_attrs["params"])
    assert best.hidden == (8,) and best.lr == 0.05 and best.noise == 0.5


def test_hidden_given_as_an_array_is_kept(X):
    from aekit.tuning import _same

    template = AutoEncoder(latent_dim=2, hidden=np.array([8, 4]), **FAST)
    best, study = aekit.tune(template, X, n_trials=1, random_state=0)
    assert "hidden" not in study.trials[0].user_attrs["params"]
    assert best.module_.config.hidden == (8, 4)
    assert _same(np.array([8, 4]), (8, 4)) and not _same(np.array([8, 4]), (8,))
    assert not _same(np.array([8, 4]), "auto") and not _same((8, 4), np.array([[8, 4]]))


def test_fixed_parameters_are_kept_at_the_class_default_too(X):
    # lr=1e-3 and noise=0 are AutoEncoder's defaults: without `fixed` they are searched.
    template = AutoEncoder(latent_dim=4, lr=1e-3, noise=0.0, **FAST)
    _, study = aekit.tune(template, X, n_trials=2, random_state=0, fixed=["lr", "noise"])
    for t in study.trials:
        assert not {"lr", "noise"} & set(t.user_attrs["params"])
        assert {"batch_size", "dropout"} <= set(t.user_attrs["params"])
    with pytest.raises(ValueError, match=r"does not have: \['speed'\]"):
        aekit.tune(template, X, n_trials=1, fixed=["speed"])
    with pytest.raises(ValueError, match="fixed applies to the default space"):
        aekit.tune(template, X, n_trials=1, fixed=["lr"], space={"lr": [0.01]})


def test_open_latent_dim_is_searched(X):
    _, study = aekit.tune(VAE(**FAST), X, n_trials=2, random_state=0)
    assert all("latent_dim" in t.user_attrs["params"] for t in study.trials)


def test_same_seed_same_search(X):
    runs = [
        aekit.tune(AutoEncoder(latent_dim=4, epochs=2), X, n_trials=3, random_state=7)[1]
        for _ in range(2)
    ]
    assert [t.params for t in runs[0].trials] == [t.params for t in runs[1].trials]
    assert [t.value for t in runs[0].trials] == [t.value for t in runs[1].trials]


def test_user_space_as_dict_or_callable(X):
    dist = optuna.distributions
    space = {"lr": dist.FloatDistribution(1e-3, 1e-2, log=True), "latent_dim": [2, 3]}
    best, study = aekit.tune(AutoEncoder(**FAST), X, space=space, n_trials=3, random_state=0)
    assert all(set(t.params) == {"lr", "latent_dim"} for t in study.trials)
    assert best.latent_dim_ == study.best_params["latent_dim"]

    def space_fn(trial):
        width = trial.suggest_int("width", 8, 32, log=True)
        return {"hidden": (width, width // 2), "latent_dim": 3}

    best, study = aekit.tune(AutoEncoder(**FAST), X, space=space_fn, n_trials=2, random_state=0)
    w = study.best_params["width"]
    assert best.module_.config.hidden == (w, w // 2)

    with pytest.raises(ValueError, match="must be an optuna distribution"):
        aekit.tune(AutoEncoder(**FAST), X, space={"lr": 0.1}, n_trials=1)
    with pytest.raises(ValueError, match="n_trials must be an integer >= 1"):
        aekit.tune(AutoEncoder(**FAST), X, n_trials=0)
    with pytest.raises(ValueError, match="which leaves 3 to train on; it needs at least 4"):
        aekit.tune(AutoEncoder(**FAST), X[:4], n_trials=1)  # not a trial's own split error


def test_bad_trials_are_pruned_after_their_epoch_is_reported(X):
    # every reported value is above the threshold, so once the two warm-up
    # steps are over each trial is stopped: two epochs of its ten run
    pruner = optuna.pruners.ThresholdPruner(upper=0.0, n_warmup_steps=2)
    est = AutoEncoder(latent_dim=2, epochs=10, patience=None, random_state=0)
    with pytest.raises(RuntimeError, match="no trial completed"):
        aekit.tune(est, X, n_trials=2, pruner=pruner, random_state=0)
    study = optuna.create_study(pruner=pruner)
    with pytest.raises(RuntimeError):
        aekit.tune(est, X, n_trials=2, study=study, random_state=0)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.PRUNED] * 2
    assert [t.last_step for t in study.trials] == [2, 2]


def test_train_calls_the_callback_after_every_epoch(digits):
    import torch

    from aekit.nn import AutoEncoderModule, ModelConfig

    seen = []
    model = AutoEncoderModule(ModelConfig(input_shape=(64,), hidden=(16,), latent_dim=4))
    config = TrainConfig(epochs=3, patience=None, seed=0, device="cpu")
    result = train(
        model,
        Objective(),
        torch.from_numpy(digits[0][:200]),
        config=config,
        callback=lambda epoch, row: seen.append((epoch, row["val_loss"])),
    )
    assert seen == list(enumerate(result.history["val_loss"], start=1))

    class Stop(Exception):
        pass

    def stop(epoch, row):
        if epoch == 2:
            raise Stop

    with pytest.raises(Stop):
        train(model, Objective(), torch.from_numpy(digits[0][:200]), config=config, callback=stop)


def test_bad_arguments(X):
    with pytest.raises(ValueError, match="aekit AutoEncoder or VAE"):
        aekit.tune(object(), X)
    with pytest.raises(ValueError, match="validation_fraction"):
        aekit.tune(AutoEncoder(), X, validation_fraction=1.0)
    with pytest.raises(ValueError, match="study must minimise"):
        aekit.tune(AutoEncoder(), X, study=optuna.create_study(direction="maximize"))
    with pytest.raises(ValueError, match="n_trials or timeout"):
        aekit.tune(AutoEncoder(), X, n_trials=None)
    with pytest.raises(ValueError, match="timeout must be a positive"):
        aekit.tune(AutoEncoder(), X, timeout=0)
    with pytest.raises(ValueError, match="timeout must be a positive"):
        aekit.tune(AutoEncoder(), X, timeout="60")
    with pytest.raises(ValueError, match="validation_fraction must be in"):
        aekit.tune(AutoEncoder(), X, validation_fraction="0.2")
    with pytest.raises(ValueError, match="refit must be True or False"):
        aekit.tune(AutoEncoder(), X, refit="no")
    with pytest.raises(TypeError, match="must return a dict of estimator parameters"):
        aekit.tune(AutoEncoder(**FAST), X, n_trials=1, space=lambda trial: [("lr", 0.01)])
    with pytest.raises(TypeError, match=r"pruner must be None or an Optuna BasePruner, "
                       r"such as optuna.pruners.MedianPruner\(\); got 'median'"):
        aekit.tune(AutoEncoder(**FAST), X, n_trials=1, pruner="median")
    with pytest.raises(TypeError, match="sampler must be None or an Optuna BaseSampler.*'tpe'"):
        aekit.tune(AutoEncoder(**FAST), X, n_trials=1, sampler="tpe")
    with pytest.raises(TypeError, match="study must be None or an Optuna Study.*'my-study'"):
        aekit.tune(AutoEncoder(**FAST), X, n_trials=1, study="my-study")
    with pytest.raises(ValueError, match="pruner would be ignored: a given study keeps its own"):
        aekit.tune(AutoEncoder(**FAST), X, n_trials=1, study=optuna.create_study(),
                   pruner=optuna.pruners.NopPruner())  # fmt: skip
    with pytest.raises(ValueError, match="study must minimise"):
        aekit.tune(AutoEncoder(), X, study=optuna.create_study(directions=["minimize"] * 2))
    for fixed in (5, ["lr", 5]):
        with pytest.raises(TypeError, match=re.escape(
                "fixed must be a parameter name or a collection of them (strings), "
                f"got {fixed!r}")):  # fmt: skip
            aekit.tune(AutoEncoder(**FAST), X, n_trials=1, fixed=fixed)
    with pytest.raises(ValueError, match="gap must be None or an integer >= 0, got -1"):
        aekit.tune(AutoEncoder(), X, gap=-1)
    with pytest.raises(ValueError, match=r"holds out 2 of the 10 rows to compare trials \(and "
                       r"leaves 5 out as a gap\), which leaves 3 to train on"):
        aekit.tune(AutoEncoder(), X[:10], gap=5)


def test_only_labels_the_estimator_trains_on_stratify_the_split():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    rare = np.array([0] * 39 + [1])
    tiny = dict(latent_dim=2, hidden=(4,), epochs=1, random_state=0)
    # fit ignores y here, so a continuous target or a one-row class is no reason to fail
    for est in (AutoEncoder(**tiny), VAE(conditional=False, **tiny)):
        for y in (rng.normal(size=40), rare):
            best, _ = aekit.tune(est, X, y, n_trials=1, random_state=0)
            assert best.n_epochs_ == 1
    with pytest.raises(ValueError, match=r"^tune holds out rows stratified on y.*each class "
                       r"needs 2 rows or more, but class 1 has only 1 row"):
        aekit.tune(VAE(conditional=True, **tiny), X, rare, n_trials=1)
    with pytest.raises(ValueError, match=r"^tune holds out rows stratified on y.*40 of its 40 "
                       r"classes have only 1 row.*set conditional=False"):
        aekit.tune(VAE(**tiny), X, rng.normal(size=40), n_trials=1)
    with pytest.raises(ValueError, match=r"each part needs a row of each of y's 10 classes, but "
                       r"validation_fraction=0.2 holds out 8 of the 40 rows"):
        aekit.tune(VAE(conditional=True, **tiny), X, np.arange(40) % 10, n_trials=1)
    best, _ = aekit.tune(VAE(conditional=True, **tiny), X, np.arange(40) % 4, n_trials=1,
                         random_state=0)  # fmt: skip
    assert best.classes_.tolist() == [0, 1, 2, 3]


def test_ordered_rows_hold_out_the_last_ones_with_a_gap_before_them():
    from aekit.tuning import _ordered_split

    X, y = np.arange(20)[:, None], np.arange(20) % 2
    X_tr, X_va, y_tr, y_va = _ordered_split(X, y, 0.2, gap=3)
    assert X_tr.ravel().tolist() == list(range(13)) and X_va.ravel().tolist() == [16, 17, 18, 19]
    assert y_tr.tolist() == (np.arange(13) % 2).tolist() and len(y_va) == 4


def test_missing_optuna_says_how_to_install_it(X, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match=r"pip install aekit\[tune\]"):
        aekit.tune(AutoEncoder(**FAST), X, n_trials=1)
