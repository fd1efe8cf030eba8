"""Shared fixtures for the aekit tests.

The benchmarks folder is put on ``sys.path`` so tests that need the real data
sets can ``import shared_data`` (they skip when ``shared_data.data_dir()`` is
None).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Run the whole suite on one intra-op thread.

    The tests' models are tiny: a second thread buys little, and when other
    processes share the cores every small operation waits at a barrier for the
    other thread to be scheduled (one default digits fit took 5 s on one
    thread and 680 s on two on a busy 2-core machine).
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as float32 ``(1797, 64)`` in [0, 1], and labels ``(1797,)``."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.data / 16.0).astype(np.float32), data.target.astype(np.int64)
