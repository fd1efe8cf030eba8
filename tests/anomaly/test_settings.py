"""The data-driven defaults: bounded, and the ensemble members really differ."""

from __future__ import annotations

import numpy as np
import pytest

from aekit.anomaly.settings import MEMBERS, auto_settings, member_estimators


@pytest.mark.parametrize("n", [20, 500, 50_000])
@pytest.mark.parametrize("d", [3, 40, 400])
def test_auto_settings_are_bounded(n, d):
    p = auto_settings(n, d, "table")
    assert 32 <= p["hidden"][0] <= 128 and 1 <= p["latent_dim"] <= min(32, d)
    assert 16 <= p["batch_size"] <= 1024 and 20 <= p["epochs"] <= 300
    assert p["scaler"] is None  # the detector's table encoder scales


def test_members_differ():
    from aekit import AnomalyDetector

    det = AnomalyDetector()
    det.input_kind_ = "table"
    members = member_estimators(det, np.zeros((1000, 20)), seed=5)
    assert len(members) == 3
    assert [m.random_state for m in members] == [5, 6, 7]
    assert len({(m.latent_dim, m.scaler, m.dropout) for m in members}) == len(MEMBERS)
