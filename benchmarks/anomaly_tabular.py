"""Tabular anomaly detection: aekit's default AnomalyDetector against PyOD and scikit-learn.

Protocol (``../shared/data/README.md``): for every ADBench set and the credit-card
sample, train on a random 60% of the normal rows (seeds 0..4), test on the other
40% plus every anomaly. NSL-KDD: train on the normal rows of
``KDDTrain+_20Percent.txt``, test on ``KDDTest+.txt`` (one split; seeds only change
the models). Every method sees the same splits in the same process.

Methods (all with their default settings):

- ``aekit``: ``aekit.AnomalyDetector(random_state=seed)``; NSL-KDD as the raw
  DataFrame (its text columns are encoded by aekit).
- ``pyod_ae``: ``pyod.models.auto_encoder.AutoEncoder``.
- ``pyod_vae``: ``pyod.models.vae.VAE`` (slow; leave it out with ``--methods``).
- ``iforest``: ``sklearn.ensemble.IsolationForest``.
- ``pca``: PCA reconstruction error: standardised columns, ``PCA(n_components=0.9)``
  (90% of the variance kept), squared error of the reconstruction.

Peers get NSL-KDD one-hot encoded by ``pandas.get_dummies`` (test columns aligned
to the training ones). PyTorch runs on the CPU for every method by default (pass
``--device cuda`` to change both aekit and PyOD).

Usage::

    python benchmarks/anomaly_tabular.py                      # everything, seeds 0-4
    python benchmarks/anomaly_tabular.py --quick              # 4 small sets, seed 0, no VAE
    python benchmarks/anomaly_tabular.py --sets cardio,WBC --methods aekit,iforest --seeds 0,1
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
import shared_data  # noqa: E402

METHODS = ("aekit", "pyod_ae", "pyod_vae", "iforest", "pca")
QUICK_SETS = ("6_cardio", "42_WBC", "44_Wilt", "38_thyroid")


class PCAError:
    """PCA reconstruction error on standardised columns (90% of the variance kept)."""

    def fit(self, X):
        self.model = make_pipeline(StandardScaler(), PCA(n_components=0.9, svd_solver="full"))
        self.model.fit(X)
        return self

    def decision_function(self, X):
        Z = self.model.transform(X)
        back = self.model[-1].inverse_transform(Z)
        return ((self.model[0].transform(X) - back) ** 2).sum(axis=1)


class IForestScore:
    """IsolationForest with its defaults; the score is ``-score_samples`` (higher = anomalous)."""

    def __init__(self, seed: int) -> None:
        self.model = IsolationForest(random_state=seed)

    def fit(self, X):
        self.model.fit(X)
        return self

    def decision_function(self, X):
        return -self.model.score_samples(X)


def make_method(name: str, seed: int, device: str):
    """A fresh, unfitted model with a ``fit`` and a ``decision_function`` (higher = anomalous)."""
    if name == "aekit":
        import aekit

        return aekit.AnomalyDetector(random_state=seed, device=device)
    if name == "pyod_ae":
        from pyod.models.auto_encoder import AutoEncoder

        return AutoEncoder(random_state=seed, verbose=0, device=device)
    if name == "pyod_vae":
        from pyod.models.vae import VAE

        return VAE(random_state=seed, verbose=0, device=device)
    if name == "iforest":
        return IForestScore(seed)
    if name == "pca":
        return PCAError()
    raise ValueError(f"unknown method {name!r}; choose from {METHODS}")


def load_sets(names: list[str] | None) -> list[str]:
    """Data-set names to run: ADBench stems, then 'creditcard' and 'nsl_kdd'."""
    every = [*shared_data.adbench_names(), "creditcard", "nsl_kdd"]
    if not names:
        return every
    out = []
    for n in names:
        key = n.lower()
        hits = [e for e in every if key in (e.lower(), e.split("_", 1)[-1].lower())]
        if not hits:
            raise SystemExit(f"unknown set {n!r}; available: {every}")
        out += hits
    return out


def splits(name: str, seed: int):
    """(X_train for aekit, X_test for aekit, X_train for peers, X_test for peers, y_test)."""
    if name == "nsl_kdd":
        tr, ytr = shared_data.load_nsl_kdd("train")
        te, yte = shared_data.load_nsl_kdd("test")
        tr = tr[ytr == 0]
        cats = list(shared_data.NSL_KDD_CATEGORICAL)
        ptr = pd.get_dummies(tr, columns=cats, dtype=float)
        pte = pd.get_dummies(te, columns=cats, dtype=float)
        pte = pte.reindex(columns=ptr.columns, fill_value=0)
        return tr, te, ptr.to_numpy(float), pte.to_numpy(float), yte
    X, y = shared_data.load_creditcard() if name == "creditcard" else shared_data.load_adbench(name)
    Xtr, Xte, _, yte = shared_data.semi_supervised_split(X, y, seed)
    return Xtr, Xte, Xtr, Xte, yte


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds (default 0-4)")
    p.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    p.add_argument("--methods", default=",".join(METHODS), help=f"subset of {METHODS}")
    p.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_SETS}, seed 0, no VAE")
    p.add_argument("--device", default="cpu", help="torch device for aekit and PyOD (default cpu)")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    args = p.parse_args(argv)

    if shared_data.data_dir() is None:
        print(f"SKIPPED: the shared data folder is missing ({shared_data._candidate_dir()})")
        return 0
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    logging.getLogger("pyod").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    seeds = [0] if args.quick else [int(s) for s in args.seeds.split(",") if s]
    methods = [m for m in args.methods.split(",") if m]
    if args.quick and "pyod_vae" in methods and args.methods == ",".join(METHODS):
        methods.remove("pyod_vae")
    for m in methods:
        if m not in METHODS:
            raise SystemExit(f"unknown method {m!r}; choose from {METHODS}")
    sets = load_sets(list(QUICK_SETS) if args.quick else [s for s in args.sets.split(",") if s])
    print(f"sets={len(sets)} seeds={seeds} methods={methods} threads={torch.get_num_threads()}")

    rows = []
    for name in sets:
        for seed in seeds:
            Xa, Xa_te, Xp, Xp_te, yte = splits(name, seed)
            for m in methods:
                model = make_method(m, seed, args.device)
                Xtr, Xte = (Xa, Xa_te) if m == "aekit" else (Xp, Xp_te)
                t0 = time.perf_counter()
                model.fit(Xtr)
                fit_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                s = np.asarray(model.decision_function(Xte), dtype=float)
                score_s = time.perf_counter() - t0
                rows.append(
                    dict(
                        set=name,
                        seed=seed,
                        method=m,
                        auc=roc_auc_score(yte, s),
                        ap=average_precision_score(yte, s),
                        fit_s=fit_s,
                        score_s=score_s,
                    )
                )
            done = [r for r in rows if r["set"] == name and r["seed"] == seed]
            line = "  ".join(f"{r['method']} {r['auc']:.3f}" for r in done)
            print(f"{name:16s} seed {seed}: {line}", flush=True)

    df = pd.DataFrame(rows)
    per_set = df.groupby(["set", "method"], sort=False)[["auc", "ap"]].mean().unstack("method")
    auc, ap = per_set["auc"][methods], per_set["ap"][methods]
    pd.set_option("display.width", 200)
    print("\nROC-AUC (mean over seeds)\n" + auc.round(3).to_string())
    print("\nAverage precision (mean over seeds)\n" + ap.round(3).to_string())
    ranks = auc.rank(axis=1, ascending=False)
    summary = pd.DataFrame(
        {
            "mean ROC-AUC": auc.mean(),
            "mean AP": ap.mean(),
            "mean rank (AUC)": ranks.mean(),
            "fit s (total)": df.groupby("method")["fit_s"].sum()[methods],
            "score s (total)": df.groupby("method")["score_s"].sum()[methods],
        }
    )
    print(f"\nSummary over {len(auc)} sets, seeds {seeds}\n" + summary.round(4).to_string())
    adb = [s for s in auc.index if s not in ("creditcard", "nsl_kdd")]
    if len(adb) != len(auc) and adb:
        sub = auc.loc[adb]
        r = sub.rank(axis=1, ascending=False).mean()
        print(
            f"\nADBench sets only ({len(adb)}): mean ROC-AUC "
            + ", ".join(f"{m} {sub[m].mean():.4f}" for m in methods)
            + "; mean rank "
            + ", ".join(f"{m} {r[m]:.2f}" for m in methods)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
