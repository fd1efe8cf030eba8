"""Shape round-trips of every architecture: the decoder gives back the input's shape."""

from __future__ import annotations

import json
import math

import pytest
import torch

from aekit.nn import AutoEncoderModule, ConvDecoder, ConvEncoder, ModelConfig
from aekit.nn.conv import stage_sizes
from aekit.nn.heads import LOGVAR_RANGE, GaussianHead, join_condition, reparameterize

B = 3  # an odd batch size, so nothing depends on pairs

IMAGE_SHAPES = [(1, 28, 28), (1, 8, 8), (3, 5, 7), (3, 32, 32)]
SERIES_SHAPES = [(1, 31), (1, 8), (4, 17), (2, 9)]


def _module(**kw) -> AutoEncoderModule:
    torch.manual_seed(0)
    return AutoEncoderModule(ModelConfig(**kw)).eval()


def _roundtrip(model: AutoEncoderModule, x: torch.Tensor, c=None) -> torch.Tensor:
    """Check encode/decode/forward shapes; returns the code."""
    code = model.encode(x, c)
    z = code[0] if model.config.variational else code
    assert z.shape == (len(x), model.latent_dim)
    logits = model.decode(z, c)
    assert logits.shape == x.shape
    out = model(x, c)
    assert out.shape == x.shape
    assert torch.isfinite(out).all()
    return z


@pytest.mark.parametrize("hidden", [(16, 8), (12,), ()])
def test_dense_roundtrip(hidden):
    model = _module(input_shape=(20,), architecture="dense", hidden=hidden, latent_dim=4)
    _roundtrip(model, torch.randn(B, 20))


@pytest.mark.parametrize("shape", IMAGE_SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("downsample", ["stride", "pool"])
@pytest.mark.parametrize("latent_dim", [5, None])
def test_conv2d_roundtrip(shape, downsample, latent_dim):
    hidden = (4, 6, 8)
    model = _module(
        input_shape=shape, architecture="conv2d", hidden=hidden, latent_dim=latent_dim,
        downsample=downsample,
    )
    z = _roundtrip(model, torch.randn(B, *shape))
    if latent_dim is None:
        # a spatial code: the last feature map, each side halved (rounding up) per stage
        final = [math.ceil(s / 2 ** len(hidden)) for s in shape[1:]]
        assert z.shape[1] == hidden[-1] * math.prod(final)


@pytest.mark.parametrize("shape", SERIES_SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("downsample", ["stride", "pool"])
@pytest.mark.parametrize("latent_dim", [3, None])
def test_conv1d_roundtrip(shape, downsample, latent_dim):
    hidden = (4, 8)
    model = _module(
        input_shape=shape, architecture="conv1d", hidden=hidden, latent_dim=latent_dim,
        downsample=downsample,
    )
    z = _roundtrip(model, torch.randn(B, *shape))
    if latent_dim is None:
        assert z.shape[1] == hidden[-1] * math.ceil(shape[1] / 4)


def test_conv_kernel_size_5_and_batch_norm_dropout():
    model = _module(
        input_shape=(2, 11, 6), architecture="conv2d", hidden=(4, 4), latent_dim=3,
        kernel_size=5, batch_norm=True, dropout=0.1,
    )
    _roundtrip(model, torch.randn(B, 2, 11, 6))


def test_stage_sizes_round_up():
    assert stage_sizes((28, 28), 3) == [(28, 28), (14, 14), (7, 7), (4, 4)]
    assert stage_sizes((5, 7), 2) == [(5, 7), (3, 4), (2, 2)]
    assert stage_sizes((31,), 2) == [(31,), (16,), (8,)]


def test_encoder_feature_size_matches_its_output():
    enc = ConvEncoder((3, 5, 7), (4, 6), downsample="pool")
    out = enc(torch.randn(B, 3, 5, 7))
    assert out.shape == (B, enc.out_features)
    assert enc.feature_shape == (6, 2, 2)
    dec = ConvDecoder((3, 5, 7), (4, 6), in_features=None)
    assert dec(out).shape == (B, 3, 5, 7)


ARCH_SHAPES = [("dense", (12,)), ("conv2d", (2, 9, 6)), ("conv1d", (3, 13))]


@pytest.mark.parametrize("arch,shape", ARCH_SHAPES)
def test_vae_roundtrip_and_head(arch, shape):
    model = _module(
        input_shape=shape, architecture=arch, hidden=(8, 4), latent_dim=3, variational=True,
    )
    x = torch.randn(B, *shape)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (B, 3)
    _roundtrip(model, x)
    # forward decodes the posterior mean
    torch.testing.assert_close(model(x), model.activate(model.decode(mu)))


@pytest.mark.parametrize("arch,shape", ARCH_SHAPES)
@pytest.mark.parametrize("variational", [False, True])
def test_conditional_roundtrip(arch, shape, variational):
    k = 4
    model = _module(
        input_shape=shape, architecture=arch, hidden=(8, 4), latent_dim=3,
        variational=variational, n_classes=k,
    )
    x = torch.randn(B, *shape)
    c = torch.tensor([0, 3, 1])
    z = _roundtrip(model, x, c)
    # the label reaches both the encoder and the decoder
    other = torch.tensor([2, 0, 3])
    z_other = model.encode(x, other)
    z_other = z_other[0] if variational else z_other
    assert not torch.allclose(z, z_other)
    assert not torch.allclose(model.decode(z, c), model.decode(z, other))
    with pytest.raises(ValueError, match="conditional"):
        model.encode(x)


def test_join_condition_shapes():
    cond = torch.eye(3)[[0, 2]]  # (2, 3)
    assert join_condition(torch.zeros(2, 5), cond).shape == (2, 8)
    maps = join_condition(torch.zeros(2, 1, 4, 6), cond)
    assert maps.shape == (2, 4, 4, 6)
    # each extra channel is a constant map equal to the one-hot entry
    torch.testing.assert_close(maps[:, 1:].amax(dim=(2, 3)), cond)
    torch.testing.assert_close(maps[:, 1:].amin(dim=(2, 3)), cond)
    assert join_condition(torch.zeros(2, 2, 7), cond).shape == (2, 5, 7)
    x = torch.zeros(2, 5)
    assert join_condition(x, None) is x


def test_gaussian_head_clamps_logvar():
    head = GaussianHead(4, 2)
    with torch.no_grad():
        head.net.weight.zero_()
        head.net.bias.copy_(torch.tensor([0.0, 0.0, 1e4, -1e4]))
    mu, logvar = head(torch.zeros(1, 4))
    assert logvar.tolist() == [[LOGVAR_RANGE[1], LOGVAR_RANGE[0]]]
    assert torch.isfinite(logvar.exp()).all()


def test_reparameterize_moments_and_generator():
    mu = torch.tensor([[1.0, -2.0]]).expand(40000, 2)
    logvar = torch.tensor([[0.0, math.log(0.25)]]).expand(40000, 2)
    z = reparameterize(mu, logvar, torch.Generator().manual_seed(0))
    torch.testing.assert_close(z.mean(0), torch.tensor([1.0, -2.0]), atol=0.02, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([1.0, 0.5]), atol=0.02, rtol=0)
    again = reparameterize(mu, logvar, torch.Generator().manual_seed(0))
    assert torch.equal(z, again)


@pytest.mark.parametrize(
    "kw,match",
    [
        (dict(input_shape=(1, 8, 8), architecture="dense"), "dimension"),
        (dict(input_shape=(8,), architecture="conv2d"), "dimension"),
        (dict(input_shape=(8,), architecture="mlp"), "architecture"),
        (dict(input_shape=(8,), latent_dim=None), "latent_dim"),
        (dict(input_shape=(1, 8), architecture="conv1d", latent_dim=None, variational=True),
         "latent_dim"),
        (dict(input_shape=(8,), latent_dim=0), "latent_dim"),
        (dict(input_shape=(8,), output="tanh"), "output"),
        (dict(input_shape=(1, 8), architecture="conv1d", kernel_size=4), "kernel_size"),
        (dict(input_shape=(1, 8), architecture="conv1d", downsample="avg"), "downsample"),
        (dict(input_shape=(8,), activation="swish"), "activation"),
        (dict(input_shape=(8,), activation=["relu"]), "activation must be one of"),
        (dict(input_shape=(-6,)), "input_shape must be a tuple of integers >= 1"),
        (dict(input_shape=(0,)), "input_shape"),
        (dict(input_shape=(float("inf"),)), "input_shape"),
        (dict(input_shape=(6.5,)), "input_shape"),
        (dict(input_shape=(1, -8, 8), architecture="conv2d"), "input_shape"),
        (dict(input_shape=8), "input_shape"),
    ],
)
def test_invalid_model_config(kw, match):
    with pytest.raises(ValueError, match=match):
        AutoEncoderModule(ModelConfig(**kw))


def test_config_dict_roundtrip():
    cfg = ModelConfig(input_shape=(3, 5, 7), architecture="conv2d", hidden=(4, 8), latent_dim=2)
    again = ModelConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))  # lists come back
    assert again == cfg
