"""Checks of numeric and on/off parameters, so a wrong value is named before training.

Without them a string or None reaches a comparison deep in the training code
("'<' not supported between 'str' and 'int'"), NaN passes every ``>= 0`` test
and fails later as a diverged loss, and any non-empty string, "no" included,
switches a feature on.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def is_real(value: Any) -> bool:
    """Whether ``value`` is a finite real number (a bool is not)."""
    return (
        isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    )


#: Seeds run from 0 to SEED_LIMIT - 1, the range numpy's RandomState (and so
#: scikit-learn's check_random_state) accepts.
SEED_LIMIT = 2**32


def is_count(value: Any, low: int = 1) -> bool:
    """Whether ``value`` is an integer >= ``low`` (a bool or a whole float is not)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low


def check_number(
    name: str, value: Any, low: float = 0.0, high: float | None = None, high_open: bool = False
) -> float:
    """Return ``value`` as a float if it is finite and in ``[low, high]`` (or ``[low, high)``).

    Raises
    ------
    ValueError
        Naming ``name``, the range and the value given.
    """
    ok = is_real(value) and value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        if high is None:
            must = f"a number >= {low:g}"
        else:
            must = f"a number in [{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be {must}, got {value!r}")
    return float(value)


def check_flag(name: str, value: Any) -> bool:
    """Return ``value`` as a bool if it is True, False, 0 or 1.

    Raises
    ------
    ValueError
        For anything else: a string such as "no" would otherwise read as True.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{name} must be True or False, got {value!r}")
