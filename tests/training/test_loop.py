"""The training loop: learning, early stopping, seeds, the NaN guard, history, settings."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
import torch

import aekit
from aekit.nn import AutoEncoderModule, ModelConfig
from aekit.training import NonFiniteLossError, Objective, TrainConfig, evaluate, train
from aekit.training.device import make_generator
from aekit.training.loop import split_validation

CPU = torch.device("cpu")


def _model(seed: int = 0, **kw) -> AutoEncoderModule:
    torch.manual_seed(seed)
    cfg = dict(input_shape=(64,), hidden=(32,), latent_dim=8)
    cfg.update(kw)
    return AutoEncoderModule(ModelConfig(**cfg))


def _config(**kw) -> TrainConfig:
    cfg = dict(epochs=5, batch_size=32, lr=1e-2, seed=0, device="cpu", patience=None)
    cfg.update(kw)
    return TrainConfig(**cfg)


def _same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def _validation_rows(x: torch.Tensor, cfg: TrainConfig) -> torch.Tensor:
    """The rows :func:`train` held out: its generator draws the split first."""
    gen = make_generator(cfg.seed, CPU)
    _, va = split_validation(len(x), cfg.validation_fraction, gen, CPU)
    return x[va]


class _BreaksAfter(Objective):
    """Training loss becomes infinite from epoch ``BREAK + 1`` on (1-based)."""

    BREAK = 2

    def __call__(self, model, x, c=None, progress=0.0, generator=None):
        terms = super().__call__(model, x, c, progress, generator)
        if self.BREAK <= progress < math.inf:  # evaluation runs with progress=inf
            terms["loss"] = terms["loss"] * math.inf
        return terms


def test_training_reduces_the_loss_on_digits(digits):
    x = torch.from_numpy(digits[0])
    model = _model(output="sigmoid")
    result = train(model, Objective(), x, config=_config(epochs=8, batch_size=64))
    hist = result.history
    assert result.n_epochs == 8 and len(hist["val_recon"]) == 8
    # a real floor: well under the error of predicting the mean image (~4.7 per sample)
    baseline = float(((x - x.mean(0)) ** 2).sum(1).mean())
    assert hist["val_recon"][-1] < 0.5 * baseline
    assert hist["loss"][-1] < 0.5 * hist["loss"][0]


def test_early_stopping_restores_the_best_weights(digits):
    x = torch.from_numpy(digits[0][:60])  # tiny, so validation soon stops improving
    cfg = _config(epochs=200, batch_size=30, patience=3, validation_fraction=0.5)
    model = _model()
    result = train(model, Objective(), x, config=cfg)
    val = result.history["val_loss"]
    # it stopped on patience, so the last weights were not the best ones
    assert result.n_epochs == result.best_epoch + cfg.patience < cfg.epochs
    assert val[result.best_epoch - 1] == min(val) < val[-1]
    # the weights now in the model are those of the best epoch...
    now = evaluate(model, Objective(), _validation_rows(x, cfg), None, 1024)["loss"]
    assert now == pytest.approx(min(val), rel=1e-6)
    # ...exactly: the same run stopped at the best epoch gives the same tensors
    again = _model()
    train(again, Objective(), x, config=_config(
        epochs=result.best_epoch, batch_size=30, validation_fraction=0.5))
    assert _same_weights(model, again)


def test_without_patience_the_last_weights_stay(digits):
    x = torch.from_numpy(digits[0][:60])
    cfg = _config(epochs=12, batch_size=30, validation_fraction=0.5)
    model = _model()
    result = train(model, Objective(), x, config=cfg)
    assert result.n_epochs == 12
    now = evaluate(model, Objective(), _validation_rows(x, cfg), None, 1024)["loss"]
    assert now == pytest.approx(result.history["val_loss"][-1], rel=1e-6)


def test_same_seed_same_weights_other_seed_other_weights(digits):
    x = torch.from_numpy(digits[0][:300])
    runs = []
    for seed in (0, 0, 1):
        model = _model(dropout=0.1)  # dropout draws from the global generator too
        train(model, Objective(noise=0.1), x, config=_config(epochs=2, seed=seed))
        runs.append(model)
    assert _same_weights(runs[0], runs[1])
    assert not _same_weights(runs[0], runs[2])


def test_estimator_random_state_repeats(digits):
    X = digits[0][:200]
    kw = dict(hidden=(16,), latent_dim=4, epochs=2, device="cpu")
    a = aekit.AutoEncoder(random_state=0, **kw).fit(X)
    b = aekit.AutoEncoder(random_state=0, **kw).fit(X)
    c = aekit.AutoEncoder(random_state=1, **kw).fit(X)
    assert _same_weights(a.module_, b.module_)
    assert not _same_weights(a.module_, c.module_)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))


def test_non_finite_loss_stops_and_keeps_the_best_weights(digits):
    x = torch.from_numpy(digits[0][:200])
    model = _model()
    with pytest.raises(NonFiniteLossError, match=r"in epoch 3\b"):
        train(model, _BreaksAfter(), x, config=_config(epochs=10))
    assert all(torch.isfinite(p).all() for p in model.parameters())
    reference = _model()
    train(reference, Objective(), x, config=_config(epochs=2))
    assert _same_weights(model, reference)


def test_huge_learning_rate_raises_non_finite_loss(digits):
    x = torch.from_numpy(digits[0][:200])
    with pytest.raises(NonFiniteLossError, match=r"epoch 1\b.*learning rate"):
        train(_model(), Objective(), x, config=_config(epochs=3, lr=1e38))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_estimator_refuses_non_finite_data(digits, bad):
    X = digits[0][:50].copy()
    X[7, 3] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        aekit.AutoEncoder(epochs=1, device="cpu").fit(X)


def test_validation_split_and_history_keys(digits):
    x = torch.from_numpy(digits[0][:100])
    cfg = _config(epochs=3, validation_fraction=0.2)
    result = train(_model(), Objective(), x, config=cfg)
    assert set(result.history) == {"loss", "recon", "val_loss", "val_recon"}
    assert all(len(v) == 3 for v in result.history.values())
    tr, va = split_validation(100, 0.2, make_generator(0, CPU), CPU)
    assert len(tr) == 80 and len(va) == 20
    assert sorted(torch.cat([tr, va]).tolist()) == list(range(100))


def test_no_validation_monitors_training_loss(digits):
    x = torch.from_numpy(digits[0][:100])
    cfg = _config(epochs=4, validation_fraction=0.0, patience=10)  # restores the best epoch
    result = train(_model(), Objective(), x, config=cfg)
    assert set(result.history) == {"loss", "recon"}
    loss = result.history["loss"]
    assert result.best_epoch == 1 + int(np.argmin(loss))


def test_variant_terms_in_history(digits):
    x = torch.from_numpy(digits[0][:64])
    vae = train(_model(variational=True), Objective(beta=2.0), x, config=_config(epochs=2))
    for key in ("loss", "recon", "kl", "elbo"):
        assert key in vae.history and f"val_{key}" in vae.history
    obj = Objective(sparsity=1e-3, contractive=1e-3)
    ae = train(_model(), obj, x, config=_config(epochs=2))
    assert {"l1", "contractive", "val_l1"} <= set(ae.history)
    # the Jacobian needs autograd, which validation runs without
    assert "val_contractive" not in ae.history


def test_conditional_training(digits):
    X, y = digits
    x, c = torch.from_numpy(X[:120]), torch.from_numpy(y[:120])
    model = _model(n_classes=10)
    result = train(model, Objective(), x, c, config=_config(epochs=2))
    assert result.n_epochs == 2 and math.isfinite(result.history["val_loss"][-1])


@pytest.mark.parametrize("kw", [dict(optimizer="adamw", weight_decay=0.1), dict(grad_clip=0.5)])
def test_optimizer_options_train_and_change_the_result(digits, kw):
    x = torch.from_numpy(digits[0][:200])
    plain, other = _model(), _model()
    train(plain, Objective(), x, config=_config(epochs=3))
    result = train(other, Objective(), x, config=_config(epochs=3, **kw))
    assert result.history["loss"][-1] < result.history["loss"][0]
    assert not _same_weights(plain, other)


def test_last_batch_of_one_is_skipped_with_batch_norm(digits):
    x = torch.from_numpy(digits[0][:129])  # 128 + 1: a batch of one breaks batch norm
    cfg = _config(epochs=2, batch_size=64, validation_fraction=0.0)
    result = train(_model(batch_norm=True), Objective(), x, config=cfg)
    assert result.n_epochs == 2


def test_a_last_batch_of_one_trains_without_batch_norm_and_the_loss_counts_trained_rows(digits):
    x = torch.from_numpy(digits[0][:129])
    # lr so small the weights do not move: the epoch's loss is then the loss of the
    # rows it trained on, which must be all 129 (no batch norm to protect).
    cfg = _config(epochs=1, batch_size=64, lr=1e-12, validation_fraction=0.0)
    model = _model()
    result = train(model, Objective(), x, config=cfg)
    want = evaluate(model, Objective(), x, None, 512)["loss"]
    assert result.history["loss"][0] == pytest.approx(want, rel=1e-4)


def test_a_validation_split_too_small_to_hold_a_row_says_so(digits):
    x = torch.from_numpy(digits[0][:4])
    cfg = _config(epochs=1, validation_fraction=0.1, patience=3)
    with pytest.warns(UserWarning, match="validation_fraction=0.1 of 4 rows leaves no row to "
                      "hold out: all 4 train, and early stopping watches the training loss"):
        result = train(_model(), Objective(), x, config=cfg)
    assert "val_loss" not in result.history
    with pytest.warns(UserWarning, match="no row to hold out: all 4 train$"):  # no early stopping
        train(_model(), Objective(), x, config=_config(epochs=1, validation_fraction=0.1))


def test_batch_norm_refuses_a_single_training_row(digits):
    x = torch.from_numpy(digits[0][:2])
    cfg = _config(epochs=1, batch_size=64, validation_fraction=0.5)
    with pytest.raises(ValueError, match="batch_norm needs at least 2 training rows; 1 is left"):
        train(_model(batch_norm=True), Objective(), x, config=cfg)


def test_cuda_refused_without_cuda(digits):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    x = torch.from_numpy(digits[0][:20])
    with pytest.raises(ValueError, match="CUDA is not available"):
        train(_model(), Objective(), x, config=_config(device="cuda"))
    with pytest.raises(ValueError, match="CUDA is not available"):
        aekit.AutoEncoder(device="cuda", epochs=1).fit(digits[0][:20])


@pytest.mark.parametrize(
    "kw",
    [
        dict(epochs=0), dict(batch_size=0), dict(lr=0.0), dict(weight_decay=-1.0),
        dict(validation_fraction=1.0), dict(validation_fraction=-0.1), dict(patience=0),
        dict(min_delta=-1e-3), dict(grad_clip=0.0), dict(optimizer="sgd"),
        dict(precision="float16"),
    ],
    ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()),
)
def test_train_config_validation(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        TrainConfig(**kw)


def test_quiet_by_default_and_logs_epochs_at_verbose_2(digits, capsys, caplog):
    x = torch.from_numpy(digits[0][:64])
    train(_model(), Objective(), x, config=_config(epochs=2))
    assert capsys.readouterr() == ("", "")
    with caplog.at_level(logging.INFO, logger="aekit.training.loop"):
        train(_model(), Objective(), x, config=_config(epochs=2, verbose=2))
    assert [r.getMessage()[:7] for r in caplog.records] == ["epoch 1", "epoch 2"]


def test_epoch_callback_sees_every_row_and_can_stop_training(digits):
    x = torch.from_numpy(digits[0][:64])
    seen = []
    result = train(_model(), Objective(), x, config=_config(epochs=3),
                   callback=lambda epoch, row: seen.append((epoch, row["val_loss"])))
    assert seen == list(zip([1, 2, 3], result.history["val_loss"]))

    class Stop(Exception):
        pass

    def stop_at_2(epoch, row):
        if epoch == 2:
            raise Stop

    with pytest.raises(Stop):
        train(_model(), Objective(), x, config=_config(epochs=5), callback=stop_at_2)


def test_conv_training_leaves_contiguous_weights():
    x = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    model = _model(input_shape=(1, 8, 8), architecture="conv2d", hidden=(4, 4), latent_dim=3)
    result = train(model, Objective(), x, config=_config(epochs=2, batch_size=8))
    assert math.isfinite(result.history["loss"][-1])
    assert all(t.is_contiguous() for t in model.state_dict().values())
    assert model(x).shape == x.shape
