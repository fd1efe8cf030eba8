"""``fit`` that either succeeds or leaves the estimator as it was.

A fit can fail half-way: training diverges (``NonFiniteLossError``), memory
runs out, the user interrupts it. Without care the estimator is then left
half-changed: a new scaler with the old network, an empty member list, a
network of NaN weights that still saves to a model file. Here every
attribute is put back as it was before the call (a fitted estimator keeps
its model, an unfitted one stays unfitted), and with ``warm_start`` the
network's weights too, since those are trained in place.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def atomic_fit(fit: F) -> F:
    """Decorate a ``fit`` method so that a failure leaves ``self`` unchanged.

    Parameters
    ----------
    fit : callable
        ``fit(self, *args, **kwargs)``.

    Returns
    -------
    callable
        The same method; on any exception (including ``KeyboardInterrupt``)
        it restores ``self.__dict__`` and, under ``warm_start``, the weights
        of ``self.module_``, then re-raises.
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        saved = dict(vars(self))
        module = getattr(self, "module_", None) if getattr(self, "warm_start", False) else None
        weights = None if module is None else copy.deepcopy(module.state_dict())
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            vars(self).clear()
            vars(self).update(saved)
            if module is not None:
                module.load_state_dict(weights)
            raise

    return wrapper
