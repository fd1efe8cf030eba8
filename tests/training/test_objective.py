"""The objective: each variant's terms, and how they add up to the loss."""

from __future__ import annotations

import math

import pytest
import torch

from aekit.nn import Augmentation, AutoEncoderModule, ModelConfig, losses
from aekit.nn.corruption import corrupt
from aekit.training import Objective


def _model(**kw) -> AutoEncoderModule:
    torch.manual_seed(0)
    cfg = dict(input_shape=(10,), hidden=(8,), latent_dim=3)
    cfg.update(kw)
    return AutoEncoderModule(ModelConfig(**cfg))


def _x() -> torch.Tensor:
    return torch.rand(6, 10, generator=torch.Generator().manual_seed(1))


def test_plain_autoencoder_terms():
    model, x = _model().eval(), _x()
    terms = Objective()(model, x)
    assert set(terms) == {"recon", "loss"}
    torch.testing.assert_close(terms["recon"], losses.mse(model(x), x))
    torch.testing.assert_close(terms["loss"], terms["recon"])


def test_bce_reconstruction_uses_logits():
    model, x = _model(output="sigmoid").eval(), _x()
    terms = Objective(loss="bce")(model, x)
    torch.testing.assert_close(terms["recon"], losses.bce_logits(model.decode(model.encode(x)), x))


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_vae_terms_and_elbo(loss):
    model, x = _model(variational=True, output="sigmoid").eval(), _x()
    terms = Objective(loss=loss, beta=2.0)(model, x)
    assert set(terms) == {"recon", "kl", "elbo", "loss"}
    mu, logvar = model.encode(x)
    torch.testing.assert_close(terms["kl"], losses.kl_normal(mu, logvar))
    if loss == "mse":
        # a Gaussian likelihood with sigma = 1: half the squared error plus the normaliser
        expected = 0.5 * losses.mse(model(x), x) + 10 * 0.5 * math.log(2 * math.pi)
    else:
        expected = losses.bce_logits(model.decode(mu), x)
    torch.testing.assert_close(terms["recon"], expected)
    torch.testing.assert_close(terms["elbo"], -(terms["recon"] + terms["kl"]))
    torch.testing.assert_close(terms["loss"], terms["recon"] + 2.0 * terms["kl"])


def test_kl_warmup_scales_the_kl_in_the_loss():
    model, x = _model(variational=True).eval(), _x()
    terms = Objective(beta=2.0, kl_warmup=4.0)(model, x, progress=1.0)
    torch.testing.assert_close(terms["loss"], terms["recon"] + 0.5 * terms["kl"])
    # the ELBO itself does not depend on the warm-up
    torch.testing.assert_close(terms["elbo"], -(terms["recon"] + terms["kl"]))


def test_vae_samples_in_training_and_uses_the_mean_in_eval():
    model, x = _model(variational=True), _x()
    obj = Objective()
    a = obj(model.train(), x, generator=torch.Generator().manual_seed(0))["recon"]
    b = obj(model.train(), x, generator=torch.Generator().manual_seed(1))["recon"]
    assert a != b
    e1, e2 = obj(model.eval(), x)["recon"], obj(model.eval(), x)["recon"]
    assert e1 == e2


def test_learned_scale_moves_towards_the_rmse():
    model, x = _model(variational=True, learn_scale=True).train(), _x()
    assert model.log_scale.item() == 0.0
    logits = torch.zeros_like(x)  # a fixed reconstruction: x_hat = 0
    for _ in range(200):
        Objective().reconstruction(model, logits, x)
    # sigma* = RMSE, the maximum-likelihood scale
    rmse_log = 0.5 * math.log(float(x.square().mean()))
    assert model.log_scale.item() == pytest.approx(rmse_log, abs=1e-4)
    # training uses that scale: the NLL at sigma* is d/2 (1 + log(2 pi sigma*^2)) per sample
    nll = Objective().reconstruction(model, logits, x)
    assert nll.item() == pytest.approx(5 * (1 + math.log(2 * math.pi) + 2 * rmse_log), rel=1e-5)


def test_sparsity_term():
    model, x = _model().eval(), _x()
    terms = Objective(sparsity=0.5)(model, x)
    torch.testing.assert_close(terms["l1"], losses.l1_activity(model.encode(x)))
    torch.testing.assert_close(terms["loss"], terms["recon"] + 0.5 * terms["l1"])


def test_contractive_term_with_and_without_autograd():
    model, x = _model(hidden=(8,), activation="tanh").eval(), _x()
    obj = Objective(contractive=0.1)
    terms = obj(model, x)
    xi = x.clone().requires_grad_(True)
    expected = losses.contractive_penalty(model.encode(xi), xi)
    torch.testing.assert_close(terms["contractive"], expected)
    torch.testing.assert_close(terms["loss"], terms["recon"] + 0.1 * expected)
    terms["loss"].backward()  # trainable through the Jacobian
    with torch.no_grad():
        assert "contractive" not in obj(model, x)


def test_denoising_reconstructs_the_clean_input():
    model, x = _model().eval(), _x()
    terms = Objective(noise=0.3, noise_type="masking")(
        model, x, generator=torch.Generator().manual_seed(4)
    )
    noisy = corrupt(x, "masking", 0.3, torch.Generator().manual_seed(4))
    torch.testing.assert_close(terms["recon"], losses.mse(model(noisy), x))


def test_augmentation_only_in_training():
    model = _model(input_shape=(1, 6, 6), architecture="conv2d", hidden=(4,))
    x = torch.rand(4, 1, 6, 6, generator=torch.Generator().manual_seed(2))
    aug = Objective(augmentation=Augmentation(noise=1.0))
    plain = Objective()
    model.eval()
    assert aug(model, x)["loss"] == plain(model, x)["loss"]
    model.train()
    gen = torch.Generator().manual_seed(0)
    assert aug(model, x, generator=gen)["loss"] != plain(model, x)["loss"]


@pytest.mark.parametrize(
    "kw,match",
    [
        (dict(loss="l2"), "loss"),
        (dict(noise_type="speckle"), "noise_type"),
        # Unhashable: a bare "unhashable type" TypeError before.
        (dict(noise_type=["gaussian"]),
         r"noise_type must be one of \('gaussian', 'masking', 'salt_pepper'\), got \['gaussian'\]"),
        (dict(noise_type={"kind": "masking"}), "noise_type must be one of .*, got {'kind'"),
        (dict(noise=-0.1), "noise"),
        (dict(sparsity=-1.0), "sparsity"),
        (dict(contractive=-1.0), "contractive"),
        (dict(beta=-1.0), "beta"),
        (dict(kl_warmup=-1.0), "kl_warmup"),
    ],
)
def test_invalid_objective(kw, match):
    with pytest.raises(ValueError, match=match):
        Objective(**kw)
