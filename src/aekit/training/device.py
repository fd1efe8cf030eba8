"""Device choice and reproducible randomness."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

#: Device types aekit trains and scores on.
DEVICE_TYPES = ("cpu", "cuda", "mps")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn ``'auto'``, ``'cpu'``, ``'cuda'``, ``'cuda:1'``... into a device.

    ``'auto'`` picks CUDA when it is available, else the CPU. Asking for CUDA
    on a machine without it raises a ValueError rather than falling back.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = device if isinstance(device, torch.device) else torch.device(device)
    except (RuntimeError, TypeError):
        dev = None
    # torch knows more device types (meta, xpu, hpu...) than aekit trains on.
    if dev is None or dev.type not in DEVICE_TYPES:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}"
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was asked for, but CUDA is not available here")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(
            f"device={device!r} was asked for, but this machine has "
            f"{torch.cuda.device_count()} CUDA device(s), cuda:0 to "
            f"cuda:{torch.cuda.device_count() - 1}"
        )
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r} was asked for, but MPS is not available here")
    return dev


@contextlib.contextmanager
def seeded(seed: int | None, device: torch.device) -> Iterator[None]:
    """Run a block with torch's global RNG seeded, restoring its state afterwards.

    Weight initialisation and dropout draw from the global generator; forking
    it keeps a fit reproducible without changing the caller's random state.
    With ``seed=None`` the block runs unseeded.
    """
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        if seed is not None:
            torch.manual_seed(seed)
        yield


def make_generator(seed: int | None, device: torch.device) -> torch.Generator:
    """A generator on ``device``, seeded with ``seed`` or from the global RNG."""
    gen = torch.Generator(device=device)
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(seed)
    return gen
