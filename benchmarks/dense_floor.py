"""How fast can eager PyTorch train the dense benchmark at all? (issue 2, item 7).

``dense_speed.py`` compares whole fits. This script asks a narrower question:
what is the least time *any* eager-mode PyTorch loop needs for that training
(784-256-64-32-64-256-784, batch 128, 20 epochs on 8000 rows, Adam), on this
machine, in float32 and in bfloat16 autocast? It adds three parts, each
measured alone in this process and each a lower bound:

- ``matmul``: the 17 matrix products of each step (6 forward, 6 weight
  gradients, 5 input gradients) at their real shapes, into preallocated
  outputs, for every step of the 20 epochs (62 batches of 128 and one of 64);
- ``adam``: the fused Adam update of the real parameters, once per step;
- ``elementwise``: the per-element work every correct step must do: gather
  the batch, ReLU and its gradient on the four hidden layers, the loss and its
  gradient, the six bias gradients, and in bfloat16 the casts of the weights,
  the input, the output and the gradients;
- ``dispatch``: a whole training step (autocast, forward, loss, backward,
  zero_grad, fused Adam) of the same network at width 4, minus the other three
  parts at width 4: the per-step cost of launching every other operator,
  which no amount of arithmetic speed removes.

Each part is timed on its own, with its data hot in cache, and the many small
temporaries of a real step are left out, so the sum is optimistic. It is compared with PyOD's
``AutoEncoder`` and with aekit, both fitted in fresh subprocesses of the same
run exactly as in ``dense_speed.py``.

Run from the repository root (the peers and ``../shared/data`` must be there)::

    python benchmarks/dense_floor.py --repeats 3
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dense_speed import DENSE_SIZES, best_of, data_dir, plain_dense_net  # noqa: E402
from dense_speed import parse_args as speed_args  # noqa: E402


def batch_sizes(n_train: int, epochs: int, batch: int = 128) -> list[int]:
    """Row count of every training step, in order."""
    per_epoch = [batch] * (n_train // batch) + ([n_train % batch] if n_train % batch else [])
    return per_epoch * epochs


def timed(step, items) -> float:
    """Seconds of ``step(item)`` over ``items``, after 50 untimed warm-up calls."""
    items = list(items)
    for item in items[:50]:
        step(item)
    t = time.perf_counter()
    for item in items:
        step(item)
    return time.perf_counter() - t


def _sizes(width: int | None) -> tuple[int, ...]:
    """The benchmark's layer sizes, or as many layers all of size ``width``."""
    return DENSE_SIZES if width is None else (width,) * len(DENSE_SIZES)


def _net(width: int | None):
    """The benchmark's network, or the same layout at ``width``."""
    return plain_dense_net(_sizes(width))


def matmul_seconds(rows: list[int], dtype, width: int | None = None) -> float:
    """The 17 products of every step (``rows`` rows each), at the real sizes or all ``width``."""
    import torch

    s = _sizes(width)
    w = [torch.randn(s[i + 1], s[i], dtype=dtype) for i in range(len(s) - 1)]
    plans = {}
    for b in set(rows):
        acts = [torch.randn(b, k, dtype=dtype) for k in s]
        outs = [torch.empty(b, s[i + 1], dtype=dtype) for i in range(len(w))]
        gw = [torch.empty_like(x) for x in w]
        gin = [torch.empty(b, s[i], dtype=dtype) for i in range(len(w))]
        plans[b] = (acts, outs, gw, gin)

    def step(b: int) -> None:
        acts, outs, gw, gin = plans[b]
        for i in range(len(w)):
            torch.mm(acts[i], w[i].t(), out=outs[i])
            torch.mm(acts[i + 1].t(), acts[i], out=gw[i])
            if i:  # no gradient for the input itself
                torch.mm(acts[i + 1], w[i], out=gin[i])

    return timed(step, rows)


def adam_seconds(n_steps: int, width: int | None = None) -> float:
    """Fused Adam on the network's float32 parameters, once per step."""
    import torch

    params = list(_net(width).parameters())
    for p in params:
        p.grad = torch.randn_like(p)
    opt = torch.optim.Adam(params, lr=1e-3, fused=True)
    return timed(lambda _: opt.step(), range(n_steps))


def elementwise_seconds(rows: list[int], dtype, width: int | None = None) -> float:
    """Per-element work every step needs, at the real sizes (or all sizes ``width``).

    The batch gather from the shuffled data set; ReLU and its gradient on the
    four hidden layers; the loss and its gradient; the six bias gradients; and
    for bfloat16 the casts that mixed precision with float32 weights implies:
    weights, biases and the input down, the output and the twelve gradients up.
    """
    import torch

    s = _sizes(width)
    low = dtype != torch.float32
    hidden = (1, 2, 4, 5)  # outputs of layers 0, 1, 3, 4 (ReLU); the code and output are linear
    params = [p.detach() for p in _net(width).parameters()]
    data = torch.rand(max(rows) * 8, s[0])
    plans = {}
    for b in set(rows):
        acts = [torch.randn(b, k, dtype=dtype) for k in s]
        plans[b] = (acts, torch.randperm(len(data))[:b])

    def step(b: int) -> None:
        acts, idx = plans[b]
        x = data[idx]
        if low:
            x.to(dtype)
            for p in params:
                p.to(dtype).to(torch.float32)  # down for the forward, the gradient back up
        for i in hidden:
            torch.relu_(acts[i])
            torch.ops.aten.threshold_backward(acts[i], acts[i], 0.0)
        d = acts[-1].float() - x
        d.square().sum(1).mean()
        d.mul_(2.0 / b)
        for a in acts[1:]:
            a.sum(0)

    return timed(step, rows)


def step_seconds(rows: list[int], bf16: bool, width: int) -> float:
    """Whole eager training steps of the network at ``width`` (batch ``width`` too)."""
    import torch

    net = _net(width)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, fused=True)
    x = torch.rand(width, width)
    amp = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext

    def step() -> None:
        with amp():
            out = net(x)
        loss = (out.float() - x).square().sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return timed(lambda _: step(), rows)


def floors(n_train: int, epochs: int, repeats: int) -> dict[str, dict[str, float]]:
    """Best-of-``repeats`` seconds of each part, for float32 and bf16-mixed."""
    import torch

    rows = batch_sizes(n_train, epochs)
    tiny = 4
    out = {}
    for name, dtype in (("float32", torch.float32), ("bf16-mixed", torch.bfloat16)):
        best = dict.fromkeys(("matmul", "elementwise", "adam", "dispatch"), float("inf"))
        small = [tiny] * len(rows)
        for _ in range(repeats):
            best["matmul"] = min(best["matmul"], matmul_seconds(rows, dtype))
            best["elementwise"] = min(best["elementwise"], elementwise_seconds(rows, dtype))
            best["adam"] = min(best["adam"], adam_seconds(len(rows)))
            overhead = (
                step_seconds(rows, dtype is torch.bfloat16, tiny)
                - matmul_seconds(small, dtype, tiny)
                - elementwise_seconds(small, dtype, tiny)
                - adam_seconds(len(rows), tiny)
            )
            # a difference of timings: clamped so that noise cannot lower the floor
            best["dispatch"] = min(best["dispatch"], max(overhead, 0.0))
        best["sum"] = sum(best.values())
        out[name] = best
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3, help="runs of each part; the fastest counts")
    p.add_argument("--quick", action="store_true", help="smoke run: 2 epochs, 2000 rows")
    a = p.parse_args(argv)
    if data_dir() is None:
        sys.exit("the shared data folder (../shared/data or $AEKIT_SHARED_DATA) is missing")
    quick = ["--quick"] if a.quick else []
    args = speed_args(["--part", "dense", "--repeats", str(a.repeats), *quick])
    print(f"== fits: {args.n_train} rows, {args.epochs} epochs (best of {a.repeats}) ==")
    fits = best_of("dense", ("pyod", "aekit", "aekit_bf16"), args)
    print(f"\n== eager PyTorch floor, same shapes (best of {a.repeats}) ==")
    parts = floors(args.n_train, args.epochs, a.repeats)
    pyod = fits["pyod"]["seconds"]
    goal = pyod / 3
    print(f"\nPyOD AutoEncoder fit {pyod:.2f} s -> the 1/3 target is {goal:.2f} s")
    cols = ("matmul s", "elemwise s", "adam s", "dispatch s", "floor s", "floor/goal",
            "aekit s", "aekit/floor")
    print(f"\n{'precision':11s} " + " ".join(f"{c:>11s}" for c in cols))
    for (name, f), ours in zip(parts.items(), ("aekit", "aekit_bf16")):
        a_s = fits[ours]["seconds"]
        vals = (f["matmul"], f["elementwise"], f["adam"], f["dispatch"], f["sum"],
                f["sum"] / goal, a_s, a_s / f["sum"])
        print(f"{name:11s} " + " ".join(f"{v:11.2f}" for v in vals))
    print("\nfloor/goal > 1: no eager PyTorch loop can reach 1/3 of PyOD's time here; "
          "the floor is optimistic, so the real bound is higher.")


if __name__ == "__main__":
    main()
