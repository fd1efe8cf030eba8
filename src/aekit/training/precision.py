"""Mixed precision: matmuls and convolutions in bfloat16, weights and losses in float32.

On CPUs with native bfloat16 instructions (AVX512-BF16, AMX) and on recent
GPUs a bfloat16 matmul runs several times faster than a float32 one, while
the weights, the optimiser state and the loss stay float32, so training
converges like float32 training (PyTorch's autocast does the casting).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import torch

from aekit._warnings import warn_user

PRECISIONS = ("float32", "bf16-mixed")


def check_precision(precision: str) -> str:
    """Return ``precision`` if it is one of :data:`PRECISIONS`, else raise a ValueError."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    return precision


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 matmuls in hardware (not emulated)."""
    if device.type == "cuda":
        try:
            return torch.cuda.is_bf16_supported(including_emulation=False)
        except TypeError:  # torch < 2.3 has no emulation switch
            return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        # oneDNN runs bfloat16 on any AVX-512 CPU, but only these instructions
        # make it faster than float32; older torch builds lack the probes.
        probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
        found = [getattr(torch.cpu, name, None) for name in probes]
        if any(f is not None for f in found):
            return any(bool(f()) for f in found if f is not None)
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


def autocast_for(
    precision: str, device: torch.device
) -> Callable[[], contextlib.AbstractContextManager]:
    """A factory of the context that runs a forward pass in ``precision`` on ``device``.

    Warns once when bfloat16 is asked for on hardware that only emulates it:
    there it is slower than float32.
    """
    if check_precision(precision) == "float32":
        return contextlib.nullcontext
    if not native_bf16(device):
        warn_user(
            f"precision='bf16-mixed' on a {device.type} without native bfloat16 "
            "instructions is emulated and usually slower than 'float32'",
            RuntimeWarning,
        )
    return lambda: torch.autocast(device.type, dtype=torch.bfloat16)
