"""bfloat16 mixed precision: trains like float32, keeps float32 weights and outputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import aekit
from aekit.nn import AutoEncoderModule, ModelConfig
from aekit.training import Objective, TrainConfig, train
from aekit.training.precision import autocast_for, check_precision, native_bf16

CPU = torch.device("cpu")


def _fit(x: torch.Tensor, precision: str, **objective) -> tuple[AutoEncoderModule, dict]:
    torch.manual_seed(0)
    model = AutoEncoderModule(
        ModelConfig(input_shape=(64,), hidden=(64,), latent_dim=8, output="sigmoid",
                    variational="beta" in objective)
    )
    cfg = TrainConfig(epochs=12, batch_size=64, lr=3e-3, seed=0, device="cpu",
                      patience=None, precision=precision)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # emulated bf16 is only slower
        result = train(model, Objective(**objective), x, config=cfg)
    return model, result.history


@pytest.mark.parametrize("objective", [{}, {"beta": 1.0}, {"contractive": 0.1}],
                         ids=["ae", "vae", "contractive"])
def test_bf16_mixed_trains_as_well_as_float32(digits, objective):
    x = torch.from_numpy(digits[0])
    m32, h32 = _fit(x, "float32", **objective)
    m16, h16 = _fit(x, "bf16-mixed", **objective)
    assert all(p.dtype == torch.float32 for p in m16.parameters())
    # the logged terms are float32 sums, comparable with float32 training's
    assert h16["loss"][-1] < h16["loss"][0]
    assert h16["val_loss"][-1] == pytest.approx(h32["val_loss"][-1], rel=0.1)
    # the two runs differ (bfloat16 rounding), so the switch really changed the arithmetic
    assert h16["loss"] != h32["loss"]


def test_estimator_precision_parameter(digits):
    X = digits[0][:600]
    kw = dict(hidden=(32,), latent_dim=8, epochs=6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        est = aekit.AutoEncoder(precision="bf16-mixed", **kw).fit(X)
    ref = aekit.AutoEncoder(**kw).fit(X)
    Z = est.transform(X)
    assert np.isfinite(Z).all()
    err16 = est.reconstruction_error(X).mean()
    err32 = ref.reconstruction_error(X).mean()
    assert err16 == pytest.approx(err32, rel=0.15)
    with pytest.raises(ValueError, match="precision must be one of"):
        aekit.AutoEncoder(precision="half", epochs=1).fit(X)


def test_precision_names_and_the_emulation_warning(monkeypatch):
    assert check_precision("bf16-mixed") == "bf16-mixed"
    with pytest.raises(ValueError, match="'float32', 'bf16-mixed'"):
        check_precision("fp16")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        autocast_for("float32", CPU)  # no autocast, no warning
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert not native_bf16(CPU)
    with pytest.warns(RuntimeWarning, match="emulated"):
        ctx = autocast_for("bf16-mixed", CPU)
    with ctx():
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.bfloat16
