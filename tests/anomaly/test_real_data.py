"""Quality floors on small real data sets from ../shared/data (skipped when it is absent)."""

from __future__ import annotations

import numpy as np
import pytest
import shared_data
from sklearn.metrics import roc_auc_score

from aekit import AnomalyDetector, TimeSeriesDetector

pytestmark = pytest.mark.skipif(
    shared_data.data_dir() is None,
    reason=f"shared data folder missing ({shared_data._candidate_dir()}): real-data floors skipped",
)


@pytest.mark.parametrize(("name", "floor"), [("cardio", 0.86), ("WBC", 0.95)])
def test_adbench_floor(name, floor):
    X, y = shared_data.load_adbench(name)
    Xtr, Xte, _, yte = shared_data.semi_supervised_split(X, y, seed=0)
    det = AnomalyDetector(random_state=0).fit(Xtr)
    assert roc_auc_score(yte, det.decision_function(Xte)) >= floor


def test_nsl_kdd_as_it_comes():
    """Text columns (protocol_type, service, flag) straight from the file, unseen levels too."""
    tr, ytr = shared_data.load_nsl_kdd("train")
    te, yte = shared_data.load_nsl_kdd("test")
    rng = np.random.default_rng(0)
    normal = tr[ytr == 0].sample(3000, random_state=0)
    idx = rng.choice(len(te), 4000, replace=False)
    det = AnomalyDetector(random_state=0).fit(normal)
    with pytest.warns(UserWarning, match=r"'service' in \d+ of 4000 rows"):  # levels unseen in fit
        s = det.decision_function(te.iloc[idx])
    assert np.isfinite(s).all()
    assert roc_auc_score(yte[idx], s) >= 0.90
    assert list(det.explain(te.iloc[:2]).columns) == list(te.columns)


def test_nab_jumpsup_found():
    """The classic protocol: train on art_daily_small_noise, find the jump in art_daily_jumpsup."""
    train, _ = shared_data.load_nab("art_daily_small_noise")
    test, labels = shared_data.load_nab("art_daily_jumpsup")
    det = TimeSeriesDetector(random_state=0).fit(train["value"])
    s = det.decision_function(test["value"])
    assert labels[int(np.argmax(s))] == 1
    flagged = det.predict(test["value"]).astype(bool)
    assert flagged[labels == 1].any()
    assert (labels[flagged] == 1).mean() >= 0.9  # flagged steps lie in the window
