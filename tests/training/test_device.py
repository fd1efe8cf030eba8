"""Device choice and seeding."""

from __future__ import annotations

import pytest
import torch

from aekit.training import resolve_device, seeded
from aekit.training.device import make_generator


def test_auto_and_explicit_devices():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu") == torch.device("cpu")
    dev = torch.device("cpu")
    assert resolve_device(dev) is dev


def test_cuda_refused_without_cuda():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    for name in ("cuda", "cuda:1"):
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device(name)


@pytest.mark.parametrize("name", ["gpu", "tpu0", "", "meta", "xpu", "hpu", torch.device("meta")])
def test_unknown_device_names(name):
    with pytest.raises(ValueError, match="device must be"):
        resolve_device(name)


def test_seeded_repeats_and_restores_the_global_state():
    cpu = torch.device("cpu")
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    with seeded(0, cpu):
        a = torch.rand(3)
    with seeded(0, cpu):
        b = torch.rand(3)
    assert torch.equal(a, b)
    # the caller's random stream continues as if nothing had drawn from it
    assert torch.equal(torch.rand(3), expected_next)


def test_make_generator():
    cpu = torch.device("cpu")
    a = torch.rand(4, generator=make_generator(7, cpu))
    assert torch.equal(a, torch.rand(4, generator=make_generator(7, cpu)))
    assert not torch.equal(a, torch.rand(4, generator=make_generator(8, cpu)))
