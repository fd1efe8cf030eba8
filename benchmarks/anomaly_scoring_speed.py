"""Scoring speed: 1 million rows of 30 features through a fitted detector, aekit vs PyOD.

Both detectors are fitted (briefly; fitting is not timed) on 20,000 rows of the
same synthetic data, then score the same 1,000,000 x 30 float64 array. Timed:
the whole ``decision_function`` call, best of ``--repeats``.

Models compared:

- ``aekit``: ``aekit.AnomalyDetector(random_state=0)`` with its defaults (an
  ensemble of 3 dense autoencoders).
- ``pyod same size``: PyOD's ``AutoEncoder`` with one hidden layer pair sized so
  that its parameter count matches the aekit ensemble's total (it scores one
  network, aekit three of the same total size).
- ``pyod default``: PyOD's ``AutoEncoder`` with its defaults ([64, 32], batch norm,
  dropout), for reference.

PyOD's ``decision_function`` batches with its training batch size (32) unless
told otherwise; that is its default behaviour and is what is timed. Torch runs on
the CPU for both.

Usage::

    python benchmarks/anomaly_scoring_speed.py             # 1M rows
    python benchmarks/anomaly_scoring_speed.py --quick     # 100k rows
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings

import numpy as np

N_FEATURES = 30


def make_data(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    A = np.random.default_rng(123).normal(size=(5, N_FEATURES))
    return np.tanh(rng.normal(size=(n, 5)) @ A) + 0.1 * rng.normal(size=(n, N_FEATURES))


def n_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def pyod_size(h: int, d: int = N_FEATURES) -> int:
    """Parameters of PyOD's AutoEncoder with ``hidden_neuron_list=[h, h // 2]``.

    Linear layers d-h-h/2-h-d with biases, plus batch norm (2 per unit) after
    each hidden layer.
    """
    g = h // 2
    return (d * h + h) + (h * g + g) + (g * h + h) + (h * d + d) + 2 * (h + g + h)


def best_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="100,000 rows, one repeat")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = default)")
    args = p.parse_args(argv)
    import torch
    from pyod.models.auto_encoder import AutoEncoder as PyODAutoEncoder

    import aekit

    if args.threads:
        torch.set_num_threads(args.threads)
    logging.getLogger("pyod").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    rows, repeats = (100_000, 1) if args.quick else (args.rows, args.repeats)
    X_fit, X = make_data(20_000, 0), make_data(rows, 1)
    print(f"scoring {rows:,} x {N_FEATURES}, torch threads {torch.get_num_threads()}")

    det = aekit.AnomalyDetector(random_state=0, device="cpu").fit(X_fit)
    size = sum(n_params(e.module_) for e in det.estimators_)
    h = min(range(8, 2048), key=lambda h: abs(pyod_size(h) - size))
    peers = {
        "pyod same size": PyODAutoEncoder(hidden_neuron_list=[h, h // 2], epoch_num=1,
                                          random_state=0, verbose=0, device="cpu"),
        "pyod default": PyODAutoEncoder(epoch_num=1, random_state=0, verbose=0, device="cpu"),
    }  # fmt: skip
    for m in peers.values():
        m.fit(X_fit)

    results = {"aekit": (size, best_time(lambda: det.decision_function(X), repeats))}
    for name, m in peers.items():
        results[name] = (n_params(m.model), best_time(lambda m=m: m.decision_function(X), repeats))
    base = results["aekit"][1]
    print(f"\n{'model':16s} {'parameters':>10s} {'seconds':>9s} {'rows/s':>12s} {'vs aekit':>9s}")
    for name, (params, sec) in results.items():
        print(f"{name:16s} {params:10d} {sec:9.2f} {rows / sec:12,.0f} {sec / base:8.1f}x")
    print(
        f"\naekit is {results['pyod same size'][1] / base:.1f}x faster than PyOD at the same "
        "model size (target >= 3x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
