"""Augmentation: off by default, shapes kept, shifts move content, flips flip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import aekit
from aekit.nn import Augmentation


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _centre_of_mass(img: torch.Tensor) -> torch.Tensor:
    """``(B, 1, H, W)`` non-negative images -> ``(B, 2)`` (row, column) centres."""
    h, w = img.shape[-2:]
    rows = torch.arange(h, dtype=img.dtype).view(h, 1)
    cols = torch.arange(w, dtype=img.dtype).view(1, w)
    mass = img.sum(dim=(1, 2, 3))
    return torch.stack(
        [(img[:, 0] * rows).sum((1, 2)) / mass, (img[:, 0] * cols).sum((1, 2)) / mass], 1
    )


def test_off_by_default_is_identity():
    aug = Augmentation()
    assert not aug.active and not aug.geometric
    for shape in [(4, 10), (4, 2, 9), (4, 3, 8, 6)]:
        x = torch.randn(shape)
        assert torch.equal(aug(x, _gen()), x)


@pytest.mark.parametrize("shape", [(5, 3, 8, 6), (5, 2, 9)])
def test_shapes_kept(shape):
    x = torch.randn(shape)
    geometric = dict(shift=0.2) if len(shape) == 3 else dict(shift=0.2, flip=True, rotation=15)
    out = Augmentation(noise=0.1, **geometric)(x, _gen())
    assert out.shape == x.shape and out.dtype == x.dtype
    assert not torch.equal(out, x)


def test_noise_only_on_flat_data():
    x = torch.zeros(200, 500)
    out = Augmentation(noise=0.3)(x, _gen())
    assert out.std().item() == pytest.approx(0.3, rel=0.02)


@pytest.mark.parametrize("kw", [dict(shift=0.1), dict(flip=True), dict(rotation=10)])
def test_geometric_refused_for_flat_data(kw):
    aug = Augmentation(**kw)
    with pytest.raises(ValueError, match="flat feature vectors"):
        aug.check_input(1)
    with pytest.raises(ValueError, match="flat feature vectors"):
        aug(torch.zeros(4, 10), _gen())


@pytest.mark.parametrize("kw", [dict(flip=True), dict(rotation=10)])
def test_flip_and_rotation_refused_for_series(kw):
    with pytest.raises(ValueError, match="images"):
        Augmentation(**kw)(torch.zeros(4, 1, 10), _gen())


def test_estimator_refuses_geometric_augmentation_of_tables():
    X = np.random.default_rng(0).normal(size=(20, 6))
    ae = aekit.AutoEncoder(augmentation={"shift": 0.1}, epochs=1, device="cpu", random_state=0)
    with pytest.raises(ValueError, match="flat feature vectors"):
        ae.fit(X)


@pytest.mark.parametrize("kw, match", [
    (dict(shift=-0.1), "shift must be a number in \\[0, 1\\)"),
    (dict(shift=1.0), "shift must be a number in \\[0, 1\\)"),
    (dict(noise=None), "noise must be a number >= 0, got None"),
    (dict(noise=float("nan")), "noise must be a number >= 0, got nan"),
    (dict(rotation="10"), "rotation \\(degrees\\) must be a number >= 0"),
    (dict(flip="no"), "flip must be True or False, got 'no'"),
])  # fmt: skip
def test_bad_settings_refused_by_name(kw, match):
    with pytest.raises(ValueError, match=match):
        Augmentation(**kw)


@pytest.mark.parametrize("value, match", [
    ({"crop": 0.1}, "no setting 'crop'; the settings are \\['noise', 'shift', 'flip'"),
    (True, "augmentation must be None, a dict"),
])  # fmt: skip
def test_estimator_augmentation_parameter_checked(value, match):
    assert Augmentation.from_param(False) == Augmentation()  # False: none, as None
    X = np.random.default_rng(0).random((20, 1, 8, 8))
    with pytest.raises(ValueError, match=match):
        aekit.AutoEncoder(augmentation=value, epochs=1, device="cpu").fit(X)


def test_rotation_of_a_wide_image_turns_a_line_without_stretching_it():
    # A 5-pixel line in the middle of a 7 x 41 image. A rotation keeps its spread
    # about its centre (var(row) + var(col) = 2, plus a little resampling blur);
    # rotating in affine_grid's [-1, 1] coordinates stretched it up to 6.6.
    x = torch.zeros(64, 1, 7, 41)
    x[:, 0, 3, 18:23] = 1.0
    out = Augmentation(rotation=90)(x, _gen())[:, 0]
    mass = out.sum((1, 2))
    spread = 0.0
    for axis, n in ((1, 7), (2, 41)):
        pos = torch.arange(float(n)).view((1, n, 1) if axis == 1 else (1, 1, n))
        centre = (out * pos).sum((1, 2)) / mass
        spread = spread + (out * (pos - centre.view(-1, 1, 1)) ** 2).sum((1, 2)) / mass
    assert spread.min().item() > 1.8 and spread.max().item() < 2.6


def test_shift_moves_content_within_bounds():
    img = torch.zeros(256, 1, 21, 21)
    img[:, :, 10, 10] = 1.0  # a dot in the centre
    shift = 0.2
    out = Augmentation(shift=shift)(img, _gen())
    moved = _centre_of_mass(out) - 10.0  # (B, 2) pixel offsets
    assert moved.abs().max().item() <= shift * 21 + 1e-4
    # most dots moved, in both directions and along both axes
    assert (moved.abs().amax(1) > 0.5).float().mean().item() > 0.7
    for axis in (0, 1):
        assert moved[:, axis].min() < -1.5 and moved[:, axis].max() > 1.5


def test_series_shift_moves_along_time_only():
    x = torch.zeros(128, 2, 41)
    x[:, :, 20] = 1.0
    out = Augmentation(shift=0.25)(x, _gen())
    t = torch.arange(41, dtype=x.dtype)
    centre = (out[:, 0] * t).sum(1) / out[:, 0].sum(1)
    assert (centre - 20).abs().max().item() <= 0.25 * 41 + 1e-4
    assert (centre - 20).abs().max().item() > 3
    torch.testing.assert_close(out[:, 0], out[:, 1])  # channels move together


def test_flip_flips_horizontally():
    x = torch.arange(2 * 3 * 5, dtype=torch.float32).view(1, 2, 3, 5).expand(64, -1, -1, -1)
    out = Augmentation(flip=True)(x, _gen())
    same = (out - x).abs().amax(dim=(1, 2, 3)) < 1e-4
    flipped = (out - x.flip(-1)).abs().amax(dim=(1, 2, 3)) < 1e-4
    assert torch.all(same | flipped)
    assert 10 < flipped.sum().item() < 54  # about half of them


def test_rotation_keeps_the_centre_pixel():
    x = torch.rand(1, 1, 9, 9, generator=_gen(1)).expand(32, -1, -1, -1)
    out = Augmentation(rotation=30)(x, _gen())
    torch.testing.assert_close(out[:, 0, 4, 4], x[:, 0, 4, 4])
    assert (out - x).abs().amax(dim=(1, 2, 3)).min().item() > 1e-3


def test_seeded_generator_repeats():
    x = torch.rand(8, 1, 10, 10, generator=_gen(1))
    aug = Augmentation(noise=0.1, shift=0.1, flip=True, rotation=10)
    assert torch.equal(aug(x, _gen(3)), aug(x, _gen(3)))
    assert not torch.equal(aug(x, _gen(3)), aug(x, _gen(4)))
