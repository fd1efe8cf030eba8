"""Corruption for denoising: the right fraction, the right values, the right spread."""

from __future__ import annotations

import pytest
import torch

from aekit.nn.corruption import corrupt, gaussian_noise, masking_noise, salt_and_pepper

N = 100_000  # entries; the standard error of a fraction p is below 0.0016


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.7])
def test_masking_noise_fraction(p):
    x = torch.rand(100, N // 100, generator=_gen(1)) + 0.5  # no zeros before masking
    out = masking_noise(x, p, _gen())
    masked = out == 0
    assert masked.float().mean().item() == pytest.approx(p, abs=0.01)
    assert torch.equal(out[~masked], x[~masked])  # the rest untouched
    assert out.shape == x.shape


def test_masking_noise_extremes():
    x = torch.ones(4, 5)
    assert torch.equal(masking_noise(x, 0.0, _gen()), x)
    assert torch.equal(masking_noise(x, 1.0, _gen()), torch.zeros_like(x))


def test_salt_and_pepper_values_and_fractions():
    x = torch.full((100, N // 100), 0.25)
    out = salt_and_pepper(x, 0.2, low=-1.0, high=2.0, generator=_gen())
    low, high, same = out == -1.0, out == 2.0, out == 0.25
    assert torch.all(low | high | same)
    assert low.float().mean().item() == pytest.approx(0.1, abs=0.01)
    assert high.float().mean().item() == pytest.approx(0.1, abs=0.01)


def test_salt_and_pepper_default_range_on_images():
    x = torch.rand(8, 1, 28, 28, generator=_gen(2))
    out = salt_and_pepper(x, 0.5, generator=_gen())
    changed = out != x
    assert set(out[changed].unique().tolist()) <= {0.0, 1.0}
    assert changed.float().mean().item() == pytest.approx(0.5, abs=0.03)


def test_gaussian_noise_std():
    x = torch.full((N,), 3.0)
    out = gaussian_noise(x, 0.5, _gen())
    assert (out - x).std().item() == pytest.approx(0.5, rel=0.02)
    assert (out - x).mean().item() == pytest.approx(0.0, abs=0.01)


@pytest.mark.parametrize("kind", ["gaussian", "masking", "salt_pepper"])
def test_corrupt_dispatch_is_seeded_and_leaves_input_alone(kind):
    x = torch.rand(6, 7, generator=_gen(3))
    before = x.clone()
    a, b = corrupt(x, kind, 0.3, _gen(5)), corrupt(x, kind, 0.3, _gen(5))
    assert torch.equal(a, b)
    assert not torch.equal(a, corrupt(x, kind, 0.3, _gen(6)))
    assert torch.equal(x, before)


def test_corrupt_unknown_kind():
    with pytest.raises(ValueError, match="gaussian"):
        corrupt(torch.zeros(2, 2), "speckle", 0.1)
