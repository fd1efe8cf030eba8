"""aekit: autoencoders for data scientists.

Heavy modules (torch) load on first use of a public name, so ``import aekit``
and the command-line tool start fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from aekit._version import __version__

_LAZY = {
    "AutoEncoder": "aekit.estimators.autoencoder",
    "VAE": "aekit.estimators.vae",
    "load": "aekit.io",
    "tune": "aekit.tuning",
    "AnomalyDetector": "aekit.anomaly.detector",
    "TimeSeriesDetector": "aekit.anomaly.timeseries",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'aekit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
