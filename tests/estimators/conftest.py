"""Fixtures for the estimator tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Train the tests' tiny models on one intra-op thread, as measured best.

    With two threads every small operation ends at a barrier, and when the
    cores are shared with other processes one thread often waits there for
    the other to be scheduled again: the same default fit on digits took 5 s
    on one thread and 680 s on two on a busy 2-core machine. Module scope, so
    that the module-scoped fitted models below are made under it too; the
    previous setting is restored for the other test folders.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
