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


@pytest.fixture(scope="session")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as float32 ``(1797, 64)`` in [0, 1], and labels ``(1797,)``."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.data / 16.0).astype(np.float32), data.target.astype(np.int64)
