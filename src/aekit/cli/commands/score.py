"""``aekit score MODEL DATA``: an anomaly score and a 0/1 flag per row or time step."""

from __future__ import annotations

import argparse
import contextlib
import sys

from aekit.cli._options import (
    add_data_options,
    add_output_option,
    finite_float,
    fraction,
    positive_int,
)

NAME = "score"
ORDER = 50
HELP = "anomaly scores and 0/1 flags per row or time step"
DESCRIPTION = """Score every row (or time step) of DATA: higher = more anomalous. With a
detector from `aekit fit --anomaly` the flags use its threshold; with a plain
autoencoder the score is the reconstruction error and flags need --threshold
or --contamination. Tables are read in chunks, so files larger than memory work.

output columns: row (tables), file (images) or timestamp (series), label (with
--label-column), score, p_value (with --p-values), anomaly (0/1)

examples:
  aekit score detector.aekit new.csv -o scores.csv
  aekit score detector.aekit new.csv --contamination 0.05 > scores.csv
  aekit score ts.aekit machine.csv --timestamp-column timestamp -o scores.csv"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model file written by `aekit fit`")
    parser.add_argument("data", metavar="DATA", help="CSV/TSV/Parquet, .npy/.npz or image folder")
    add_output_option(parser, "where to write the scores")
    g = parser.add_argument_group("threshold (default: the detector's own)")
    x = g.add_mutually_exclusive_group()
    x.add_argument("--threshold", type=finite_float, metavar="SCORE",
                   help="flag rows scoring above this value")
    x.add_argument("--contamination", type=fraction, metavar="SHARE",
                   help="flag this share of the rows of DATA (the highest scores)")
    g.add_argument("--p-values", action="store_true",
                   help="add conformal p-values (detectors only; small = anomalous)")
    parser.add_argument("--chunksize", type=positive_int, default=50_000, metavar="ROWS",
                        help="rows read and scored at a time (default: 50000)")
    add_data_options(parser)


def _scorer(model):
    """Score function ``X -> (n,)`` (higher = more anomalous) of any aekit model."""
    if hasattr(model, "decision_function"):
        return model.decision_function
    if hasattr(model, "reconstruction_error"):
        return model.reconstruction_error
    raise ValueError(f"{type(model).__name__} cannot score data")


def _frames(args, model):
    """Yield (ids, X) blocks of the data, reading big tables in chunks."""
    import numpy as np

    from aekit.cli._options import (
        accepts_text,
        feature_names,
        image_read_settings,
        match_model,
        read_options,
        text_columns,
    )
    from aekit.cli._outputs import id_columns
    from aekit.cli.commands._shared import autoencoder_input
    from aekit.readers import file_kind, iter_table_chunks, read_data
    from aekit.report.summary import takes_windows

    series_model = type(model).__name__ == "TimeSeriesDetector"
    if takes_windows(model):
        X, ids, _ = autoencoder_input(args, model)
        yield ids, X
        return
    kind = file_kind(args.data)
    size, color = image_read_settings(model)
    opts = read_options(args, accepts_text(model), size, color, text_columns(model),
                        feature_names(model))  # fmt: skip
    if series_model or kind not in ("table", "parquet", "npy") or opts.timestamp_column:
        data = read_data(args.data, opts)
        X = match_model(model, data, args)
        ids = id_columns(data, len(X), args.output)
        if data.index is None:
            ids = {("step" if series_model else "row"): np.arange(len(X)), **ids}
        yield ids, X
        return
    noted = args.quiet
    for chunk in iter_table_chunks(args.data, opts, args.chunksize):
        X = match_model(model, chunk, argparse.Namespace(quiet=noted))
        noted = True  # the note about extra columns, once
        off = chunk.extra["offset"]
        ids = {"row": np.arange(off, off + len(X))}
        if chunk.y is not None:
            ids["label"] = chunk.y
        yield ids, X


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd
    from tqdm.auto import tqdm

    from aekit.anomaly.alarms import merging_gap
    from aekit.cli._errors import CLIError
    from aekit.cli._options import load_model, say
    from aekit.cli._outputs import check_output_path, replaced_on_success, write_table

    check_output_path(args.output)
    model = load_model(args.model, args.device)
    score = _scorer(model)
    if args.p_values and not hasattr(model, "p_values"):
        raise ValueError("--p-values needs a detector from `aekit fit --anomaly`")
    threshold = args.threshold
    # A series detector's own decisions: its threshold may move along the series
    # ('adaptive'), it drops alarms that repeat earlier ones and merges close ones.
    per_step = threshold is None and args.contamination is None and hasattr(
        model, "score_and_predict")
    if threshold is None and args.contamination is None:
        threshold = getattr(model, "threshold_", None)
    stream = args.contamination is None and (
        args.output is None or args.output.lower().endswith((".csv", ".tsv")))
    out, parts, n, flagged = None, [], 0, 0
    bar = tqdm(unit="rows", disable=True if args.quiet else None, file=sys.stderr, leave=False)
    with contextlib.ExitStack() as stack:
        if stream and args.output:
            # Rows go to a file beside the output, which replaces it only when
            # all are scored: a failure leaves an earlier score file as it was.
            tmp = stack.enter_context(replaced_on_success(args.output))
            out = stack.enter_context(open(tmp, "w", newline=""))
        elif stream:
            out = sys.stdout
        stack.callback(bar.close)
        for ids, X in _frames(args, model):
            frame = pd.DataFrame(ids)
            s, flags = model.score_and_predict(X) if per_step else (score(X), None)
            frame["score"] = s = np.asarray(s, dtype=float)
            if args.p_values:
                frame["p_value"] = model.p_values(X)
            if threshold is not None:
                frame["anomaly"] = flags if per_step else (s > threshold).astype(np.int64)
                flagged += int(frame["anomaly"].sum())
            if stream:
                tsv = args.output is not None and args.output.lower().endswith(".tsv")
                frame.to_csv(out, index=False, header=n == 0, sep="\t" if tsv else ",")
            else:
                parts.append(frame)
            n += len(frame)
            bar.update(len(frame))
        if n == 0:
            raise CLIError(f"{args.data}: no rows to score")
    if not stream:
        frame = pd.concat(parts, ignore_index=True)
        if args.contamination is not None:
            threshold = float(np.quantile(frame["score"], 1 - args.contamination))
            frame["anomaly"] = (frame["score"] > threshold).astype(np.int64)
            flagged = int(frame["anomaly"].sum())
        write_table(frame, args.output)
    if threshold is None:
        say(args, f"scored {n} rows (no threshold: give --threshold or --contamination for flags)")
    else:
        adaptive = per_step and model.threshold_rule_ == "adaptive"
        rule = (f"the adaptive threshold, from {threshold:.4g}"
                if adaptive else f"threshold {threshold:.4g}")
        how = f"above {rule}"
        if per_step:  # the model's alarms, not every step above the threshold
            extra = [what for what, on in (
                ("repeats dropped", getattr(model, "recurrence_ratio_", None) is not None),
                ("close alarms merged", merging_gap(model))) if on]
            how = f"by the model's alarms ({'; '.join([rule, *extra])})"
        say(args, f"scored {n} rows: {flagged} flagged ({flagged / max(n, 1):.2%}) {how}"
            + (f"; wrote {args.output}" if args.output else ""))
    return 0
