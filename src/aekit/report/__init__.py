"""HTML reports of fitted estimators: ``aekit.report.make_report(estimator, X, y, path)``.

matplotlib is imported when a report is built, not when this package is
imported, so ``aekit info`` (which uses :func:`describe`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "make_report": "aekit.report.builder",
    "Report": "aekit.report.builder",
    "describe": "aekit.report.summary",
    "file_metadata": "aekit.report.summary",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'aekit.report' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
