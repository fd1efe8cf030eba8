"""``aekit tune DATA -o MODEL``: search the hyperparameters (Optuna), save the best model."""

from __future__ import annotations

import argparse
import sys

from aekit.cli._options import add_data_options, positive_float, positive_int

NAME = "tune"
#: Trials when neither --n-trials nor --timeout is given.
N_TRIALS = 20
ORDER = 70
HELP = "search hyperparameters with Optuna and save the best model"
DESCRIPTION = """Try settings of the autoencoder (depth, width, learning rate, batch size,
dropout, weight decay, activation, noise; the code size too unless
--latent-dim fixes it) on part of DATA, score each trial by the reconstruction
error on the rest (for a series, its last windows, past the windows that share
steps with them), stop bad trials early, and save the best model refitted on
all of DATA. Needs Optuna (pip install 'aekit[tune]').

examples:
  aekit tune data.csv -o best.aekit --n-trials 30
  aekit tune data.csv -o best.aekit --timeout 600 --latent-dim 8

Model options given here (--hidden, --lr, --batch-size, --noise, --model dae...)
are kept fixed; the search covers the others."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from aekit.cli.commands.fit import add_model_options

    parser.add_argument("data", metavar="DATA", help="CSV/TSV/Parquet, .npy/.npz or image folder")
    parser.add_argument("-o", "--output", required=True, metavar="MODEL",
                        help="model file for the best model: a new file or an earlier "
                        "model file, not a data file")
    g = parser.add_argument_group("search")
    g.add_argument("--n-trials", type=positive_int,
                   help=f"trials to run (default: {N_TRIALS}, or no limit with --timeout)")
    g.add_argument("--timeout", type=positive_float, metavar="SECONDS",
                   help="start no new trial after this many seconds")
    add_model_options(parser)
    add_data_options(parser)


def given_options(args: argparse.Namespace) -> list[str]:
    """The searched parameters set on the command line: kept even at their defaults."""
    from aekit.cli.commands.fit import VARIANT_DEFAULTS

    given = [p for p in ("hidden", "batch_size", "lr", "noise") if getattr(args, p) is not None]
    if args.model in VARIANT_DEFAULTS:  # --model dae sets the noise
        given.append(VARIANT_DEFAULTS[args.model][0])
    return sorted(set(given))


def run(args: argparse.Namespace) -> int:
    from aekit.cli._errors import CLIError
    from aekit.cli._options import read_options, say
    from aekit.cli._outputs import check_model_output
    from aekit.cli.commands._shared import class_labels, training_windows
    from aekit.cli.commands.fit import autoencoder
    from aekit.io import save
    from aekit.readers import read_data
    from aekit.tuning import tune

    check_model_output(args.output, NAME)  # before the search, not after it
    data = read_data(args.data, read_options(args))
    X, columns, overrides = data.X, None, {}
    windows = training_windows(args, data)
    gap = None
    if windows is not None:
        X, columns = windows
        overrides = {"architecture": "conv1d"} if args.architecture == "auto" else {}
        # Windows overlap: hold out the last ones, and leave out those sharing steps with them.
        gap = -(-(args.window - 1) // args.stride)
    template = autoencoder(args, **overrides)
    template.set_params(verbose=0)  # one bar for the search, not one per trial
    y = class_labels(args, data)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the bar and the summary say enough
    bar = not args.quiet and sys.stderr.isatty()
    try:
        # --timeout alone bounds the search by time, not by the default count.
        n_trials = args.n_trials or (None if args.timeout else N_TRIALS)
        best, study = tune(template, X, y, n_trials=n_trials, timeout=args.timeout, gap=gap,
                           random_state=args.seed, show_progress_bar=bar,
                           fixed=given_options(args))  # fmt: skip
    except RuntimeError as e:
        if str(e).startswith("no trial completed"):  # the budget, not a bug
            raise CLIError(str(e)) from None
        raise
    if columns:
        best.window_columns_ = columns  # checked by the commands that read series
    save(best, args.output)
    params = study.best_trial.user_attrs.get("params", study.best_trial.params)
    shown = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                      for k, v in params.items())
    done = len(study.trials)
    say(args, f"{done} trials; best held-out error {study.best_value:.4g} with {shown}; "
        f"saved to {args.output}")  # fmt: skip
    return 0
