"""Series anomaly detection: aekit's TimeSeriesDetector against a rolling z-score and PyOD.

Protocol (``../shared/data/README.md``):

- NAB: each series is trained on its first 15% (NAB's probationary period) and
  every step is scored; F1 is computed on the steps after the training part
  (the labelled windows of ``windows.json`` are the events).
- ``--whole``: NAB as the Orion benchmark runs it (no split): each series is
  trained on whole and F1 is computed over all of it. Only aekit's own
  threshold means something there: the peers' (1.5 times their highest
  training score) can then flag nothing.
- SMAP channels A-1, A-2, A-3: train on ``*_train.npy``, score ``*_test.npy``. The
  series is column 0, the telemetry value; the 24 command flags are left out (as
  in Hundman et al., whose labels concern the telemetry): rare 0/1 flags would
  otherwise decide every method's score.

Methods, all on the same series:

- ``aekit``: ``aekit.TimeSeriesDetector(random_state=seed)`` with its defaults.
- ``zscore``: rolling z-score, ``|x_t - mean| / std`` over the previous ``w``
  steps (``w`` = aekit's chosen window), the std floored at 1% of the training
  series' std (so a flat stretch does not divide by zero).
- ``pyod_ae``: ``pyod.models.auto_encoder.AutoEncoder`` (defaults) on the same
  sliding windows as aekit (flattened), each step's score the mean over the
  windows covering it.

How the threshold for F1 is chosen (two numbers per method, both printed):

- ``own``: without the test labels, the number a user would get. aekit uses
  its default ``predict`` (the adaptive rule: a step is flagged when its score
  is more than 6 standard deviations above the mean of all earlier scores,
  starting from the held-out end of the training series, and an alarm lasts
  until the score falls to 2.5 standard deviations above it; an alarm that
  repeats an earlier part of the series is dropped, see ``recurrence_ratio``,
  then alarms with fewer than ``alarm_gap_`` unflagged steps between them are
  merged);
  the peers use 1.5 times their highest score on the training steps (they have
  no held-out part). So that the model and the threshold rule can be told
  apart, the peers are also shown with the same adaptive rule (``+adaptive``
  rows, their training scores as the earlier scores), with their own rule
  and alarms closer than aekit's ``alarm_gap_`` merged (``+merged``; the
  recurrence rule needs a model's per-step error and is left out), and
  aekit with every
  alarm kept (``aekit+repeats``, as ``recurrence_ratio=None``; close alarms
  still merged).
- ``best``: the threshold that maximises the F1 on each series, found with the
  test labels (an oracle). Many published series results report this; it is
  optimistic, shown for comparison only.

Metrics (``aekit.anomaly.metrics``): event-level F1 as Hundman et al. (KDD
2018) and the Orion benchmark count it (an event is found when any of its steps
is flagged; a flagged run that touches no event is a false alarm; F1 = 2 TP /
(2 TP + FP + FN)) and point-adjusted F1, averaged over the series of a category
that have events after the training part. ``ev_pooled`` sums the event counts
over those series first and takes one F1 (own threshold; one figure per seed,
then the mean over seeds): that is how Orion scores a NAB category. Its release
0.7.1 results give its autoencoder pipelines (dense, LSTM, VAE, AER) 0.55-0.78
this way on artificialWithAnomaly and realAWSCloudwatch, after fitting on each
whole series. The ``flagged`` column is the share of steps flagged, averaged over
all the series of a category (false alarms on ``artificialNoAnomaly``, which has
no events; lower is better there).

Earlier versions of this benchmark took the event F1's precision as the share of
flagged runs that touch an event, so several separate runs inside one event each
counted as a hit; figures from that definition are higher where flags are
fragmented.

Usage::

    python benchmarks/anomaly_timeseries.py            # NAB + SMAP, seeds 0-4
    python benchmarks/anomaly_timeseries.py --seeds 0  # one seed, a fifth of the time
    python benchmarks/anomaly_timeseries.py --quick    # 1 series per category, no SMAP
    python benchmarks/anomaly_timeseries.py --whole    # NAB as Orion runs it: no split
    python benchmarks/anomaly_timeseries.py --sets realAWSCloudwatch,smap --methods aekit,zscore
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import shared_data  # noqa: E402

METHODS = ("aekit", "zscore", "pyod_ae")
MARGIN = 1.5


def rolling_z(x: np.ndarray, w: int, train_std: np.ndarray) -> np.ndarray:
    """Largest |z| over channels against the previous ``w`` steps, shape (T,)."""
    df = pd.DataFrame(x)
    past = df.shift(1).rolling(w, min_periods=2)
    std = np.maximum(past.std().to_numpy(), np.maximum(0.01 * train_std, 1e-9))
    z = np.abs((df.to_numpy() - past.mean().to_numpy()) / std)
    return np.nan_to_num(z, nan=0.0).max(axis=1)


def pyod_steps(train: np.ndarray, series: np.ndarray, w: int, seed: int, device: str):
    """PyOD AutoEncoder on flattened windows; per-step scores for train and series."""
    from pyod.models.auto_encoder import AutoEncoder

    from aekit.anomaly.windows import sliding_windows, windows_to_steps

    def flat(x):
        return sliding_windows(x, w).reshape(len(x) - w + 1, -1)

    model = AutoEncoder(random_state=seed, verbose=0, device=device).fit(flat(train))

    def steps(x):
        win = model.decision_function(flat(x))  # (n_windows,)
        per = np.repeat(win[:, None, None], w, axis=2)  # one score for every position
        return windows_to_steps(per, len(x))[:, 0]

    return steps(train), steps(series)


def evaluate(y, scores, pred) -> dict:
    from aekit.anomaly.metrics import (
        best_f1,
        event_counts,
        event_f1,
        f1_from_counts,
        point_adjusted_f1,
    )

    pred = np.asarray(pred, dtype=bool)
    found, missed, false_alarms = event_counts(y, pred)
    if not y.any():
        return dict(ev_own=np.nan, pa_own=np.nan, ev_best=np.nan, pa_best=np.nan,
                    flagged=pred.mean(), found=0, missed=0, false_alarms=false_alarms)
    return dict(
        flagged=pred.mean(),
        found=found,
        missed=missed,
        false_alarms=false_alarms,
        ev_own=f1_from_counts(found, missed, false_alarms),
        pa_own=point_adjusted_f1(y, pred),
        ev_best=best_f1(y, scores, event_f1)[0],
        pa_best=best_f1(y, scores, point_adjusted_f1)[0],
    )


def pooled(df: pd.DataFrame) -> pd.Series:
    """Pooled event F1 per (category, method): counts summed per seed, then the seed mean."""
    from aekit.anomaly.metrics import f1_from_counts

    with_events = df[df.found + df.missed > 0]
    sums = with_events.groupby(["category", "method", "seed"], sort=False)[
        ["found", "missed", "false_alarms"]
    ].sum()
    f1 = sums.apply(lambda r: f1_from_counts(*r), axis=1)
    return f1.groupby(["category", "method"], sort=False).mean()


def series_list(quick: bool, sets: list[str], whole: bool = False):
    """(category, name, train (T0, C), full series (T, C), labels of the full series, start).

    ``whole``: NAB series are trained on and evaluated over their whole length,
    as Orion does (no split); SMAP keeps its split.
    """
    out = []
    cats = shared_data.nab_files()
    for cat, names in cats.items():
        if sets and cat not in sets:
            continue
        for name in names[:1] if quick else names:
            df, lab = shared_data.load_nab(f"{cat}/{name}")
            x = df["value"].to_numpy()[:, None]
            n0 = int(0.15 * len(x))
            out.append((cat, name, x, x, lab, 0) if whole else (cat, name, x[:n0], x, lab, n0))
    if not quick and (not sets or "smap" in sets):
        for ch in shared_data.smap_channels():
            tr, te, lab = shared_data.load_smap(ch)
            out.append(("SMAP", ch, tr[:, :1], te[:, :1], lab, 0))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    # Five seeds by default, as the table benchmark: one seed's category means move
    # by up to 0.07 (realAWSCloudwatch event F1 0.727-0.798 over seeds 0-4), more
    # than the gap to a target or to the closest peer; and the detector's defaults
    # were chosen on seeds 0-2, so seeds 3 and 4 test them.
    p.add_argument(
        "--seeds", default="0,1,2,3,4", help="comma-separated seeds; tables average over them"
    )
    p.add_argument("--sets", default="", help="NAB categories and/or 'smap' (default: all)")
    p.add_argument("--methods", default=",".join(METHODS), help=f"subset of {METHODS}")
    p.add_argument("--quick", action="store_true", help="first series of each NAB category")
    p.add_argument("--whole", action="store_true",
                   help="Orion's protocol for NAB: fit on each whole series, F1 over all of it "
                   "(the README's protocol trains on the first 15%%)")
    p.add_argument("--device", default="cpu")
    args = p.parse_args(argv)
    if shared_data.data_dir() is None:
        print(f"SKIPPED: the shared data folder is missing ({shared_data._candidate_dir()})")
        return 0
    import aekit
    from aekit.anomaly.adaptive import N_SIGMAS, N_SIGMAS_OFF, expanding_thresholds
    from aekit.anomaly.alarms import merge_close_alarms

    logging.getLogger("pyod").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    methods = [m for m in args.methods.split(",") if m]
    sets = [s for s in args.sets.split(",") if s]
    seeds = [int(v) for v in args.seeds.split(",") if v]
    rows = []
    runs = [(seed, *item) for seed in seeds for item in series_list(args.quick, sets, args.whole)]
    for seed, cat, name, train, series, y, start in runs:
        t0 = time.perf_counter()
        det = aekit.TimeSeriesDetector(random_state=seed, device=args.device).fit(train)
        fit_s = time.perf_counter() - t0
        w = det.window_
        yt = y[start:].astype(bool)
        key = dict(seed=seed, category=cat, series=name)
        res = {}
        for m in methods:
            t0 = time.perf_counter()
            if m == "aekit":
                (s, pred), fs = det.score_and_predict(series), fit_s
                # Repeats kept: the same alarms, close ones merged, none dropped.
                every = merge_close_alarms(s > det.thresholds_for_scores(s), det.alarm_gap_)
                for label, p in ((m, pred), (f"{m}+repeats", every)):
                    res[label] = evaluate(yt, s[start:], p[start:])
                    rows.append(dict(key, method=label, fit_s=fs, **res[label]))
                continue
            if m == "zscore":
                std = train.std(axis=0)
                s_tr, s = rolling_z(train, w, std), rolling_z(series, w, std)
                fs = 0.0
            else:
                s_tr, s = pyod_steps(train, series, w, seed, args.device)
                fs = time.perf_counter() - t0
            # Not merged: the gap is aekit's score's reach, and the z-score's many short
            # adaptive alarms merged with it covered 58% of artificialNoAnomaly's steps.
            adaptive = s > expanding_thresholds(s_tr, s, N_SIGMAS, N_SIGMAS_OFF)
            own = s > MARGIN * s_tr.max()
            merged = merge_close_alarms(own, det.alarm_gap_)
            for label, pred in ((m, own), (f"{m}+merged", merged), (f"{m}+adaptive", adaptive)):
                res[label] = evaluate(yt, s[start:], pred[start:])
                rows.append(dict(key, method=label, fit_s=fs, **res[label]))
        line = "  ".join(
            f"{m} ev {r['ev_own']:.2f}/{r['ev_best']:.2f} pa {r['pa_own']:.2f}/{r['pa_best']:.2f}"
            for m, r in res.items()
        )
        print(f"[seed {seed}] {cat}/{name} (window {w}): {line}", flush=True)

    df = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    cols = ["ev_own", "pa_own", "ev_best", "pa_best", "flagged"]
    means = df.groupby(["category", "method"], sort=False)[cols].mean()
    print(
        f"\nMean over the series of each category and seeds {seeds} "
        "(own = threshold without labels; best = oracle per-series threshold).\n"
        "F1 over the series with events; "
        "flagged: share of steps flagged by 'own', mean over all series."
    )
    for col in cols:
        print(f"\n{col}:\n" + means[col].unstack("method").round(3).to_string())
    pooled_f1 = pooled(df)
    print("\nev_pooled (own threshold, Orion's pooled event F1):\n"
          + pooled_f1.unstack("method").round(3).to_string())
    if len(seeds) > 1:
        per_seed = df.groupby(["category", "method", "seed"], sort=False)["ev_own"].mean()
        span = per_seed.groupby(["category", "method"], sort=False).agg(["min", "max"]).dropna()
        text = span.apply(lambda r: f"{r['min']:.3f}-{r['max']:.3f}", axis=1)
        print("\nev_own, lowest-highest mean over one seed:\n" + text.unstack("method").to_string())
    print(
        "\nfit seconds (total): "
        + ", ".join(f"{m} {df[df.method == m].fit_s.sum():.1f}" for m in methods)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
