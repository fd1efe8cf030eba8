"""``aekit fit DATA -o MODEL``: train an autoencoder, VAE or anomaly detector and save it."""

from __future__ import annotations

import argparse

from aekit.cli._options import add_data_options, fraction, positive_int, verbosity

NAME = "fit"
ORDER = 20
HELP = "train a model on a data file and save it"
DESCRIPTION = """Train on DATA and save the model file. --model picks the autoencoder:
  ae           plain autoencoder (default)
  vae          variational autoencoder (samples with `aekit sample`; with
               --label-column and --conditional, a conditional VAE)
  dae          denoising autoencoder (--noise, default 0.2)
  sparse       sparse autoencoder (--sparsity, default 0.001)
  contractive  contractive autoencoder (--contractive, default 0.01)
--anomaly trains an anomaly detector on normal data instead (tables with text
columns, images, or a time series with --timestamp-column); score new data
with `aekit score`. A table keeps its column names in the model, so later
commands check that the columns match.

examples:
  aekit fit data.csv -o model.aekit --latent-dim 8
  aekit fit images/ -o vae.aekit --model vae --image-size 28x28
  aekit fit normal.csv -o detector.aekit --anomaly --contamination 0.01
  aekit fit machine.csv -o ts.aekit --anomaly --timestamp-column timestamp --window 64"""

MODELS = ("ae", "vae", "dae", "sparse", "contractive")
#: Strength of the defining term of each variant when not given.
VARIANT_DEFAULTS = {"dae": ("noise", 0.2), "sparse": ("sparsity", 1e-3),
                    "contractive": ("contractive", 1e-2)}  # fmt: skip


def latent(value: str):
    """'auto' or a positive integer."""
    return "auto" if value == "auto" else positive_int(value)


def sizes(value: str) -> tuple[int, ...]:
    """'256,64' -> (256, 64)."""
    return tuple(positive_int(v) for v in value.split(",") if v.strip())


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """The model options, shared with `aekit tune`."""
    g = parser.add_argument_group("model options")
    g.add_argument("--model", choices=MODELS, default="ae", help="which autoencoder (default: ae)")
    g.add_argument("--latent-dim", type=latent, metavar="N|auto",
                   help="code size; 'auto' tries several and keeps the smallest good one")
    g.add_argument("--hidden", type=sizes, metavar="N,N",
                   help="hidden layer sizes (dense) or channels (conv), widest first")
    g.add_argument("--architecture", choices=("auto", "dense", "conv2d", "conv1d"),
                   default="auto", help="network type (default: dense for tables, conv2d for "
                   "images, conv1d for series windows)")
    g.add_argument("--epochs", type=positive_int, help="maximum epochs (early stopping applies)")
    g.add_argument("--batch-size", type=positive_int)
    g.add_argument("--lr", type=float, help="learning rate")
    g.add_argument("--patience", type=int, help="early-stopping patience in epochs (0: off)")
    g.add_argument("--noise", type=float, help="input corruption of a denoising autoencoder")
    g.add_argument("--sparsity", type=float, help="L1 weight on the code (sparse autoencoder)")
    g.add_argument("--contractive", type=float, help="contractive penalty weight")
    g.add_argument("--beta", type=float, help="KL weight of a VAE (beta-VAE when > 1)")
    g.add_argument("--conditional", action="store_true",
                   help="VAE conditioned on the --label-column classes")
    g.add_argument("--window", type=positive_int, metavar="STEPS",
                   help="window length for a time series (default for --anomaly: from the "
                   "series' period; required otherwise)")
    g.add_argument("--stride", type=positive_int, default=1,
                   help="steps between training windows of a series (default: 1)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", metavar="DATA",
                        help="CSV/TSV/Parquet table, .npy/.npz array or folder of images")
    parser.add_argument("-o", "--output", required=True, metavar="MODEL",
                        help="model file to write (e.g. model.aekit): a new file or an "
                        "earlier model file, not a data file")
    add_model_options(parser)
    g = parser.add_argument_group("anomaly detection")
    g.add_argument("--anomaly", action="store_true",
                   help="train an anomaly detector on normal data")
    g.add_argument("--contamination", type=fraction, default=None,
                   help="share of normal rows expected above the threshold (default: 0.1 for "
                        "a table, 0.01 for a series); "
                        "for a series it also selects the 'contamination' rule")
    g.add_argument("--threshold", default=None, metavar="RULE",
                   help="'contamination' (the default for tables), 'conformal' (p-values), "
                        "'adaptive' (the default for series: 6 sigmas above all earlier "
                        "scores, an alarm lasting until the score falls to 2.5), 'max' "
                        "(series) or a fixed score; a series model then drops alarms that "
                        "repeat earlier ones and merges close ones")
    add_data_options(parser)


def autoencoder(args: argparse.Namespace, **overrides):
    """The unfitted AutoEncoder/VAE the model options describe."""
    from aekit import VAE, AutoEncoder

    params = {"latent_dim": args.latent_dim, "hidden": args.hidden, "epochs": args.epochs,
              "batch_size": args.batch_size, "lr": args.lr, "noise": args.noise,
              "sparsity": args.sparsity, "contractive": args.contractive,
              "architecture": args.architecture}  # fmt: skip
    if args.patience is not None:
        params["patience"] = args.patience or None
    if args.model in VARIANT_DEFAULTS:
        key, default = VARIANT_DEFAULTS[args.model]
        params[key] = default if params[key] is None else params[key]
    params = {k: v for k, v in params.items() if v is not None}
    params.update(random_state=args.seed, device=args.device, verbose=verbosity(args))
    params.update(overrides)
    if args.model == "vae":
        if args.beta is not None:
            params["beta"] = args.beta
        # Labels reach the VAE only with --conditional; said, it needs no warning.
        return VAE(conditional=bool(args.conditional), **params)
    if args.beta is not None or args.conditional:
        raise ValueError("--beta and --conditional need --model vae")
    return AutoEncoder(**params)


def _threshold(value: str | None, series: bool) -> dict:
    """``{'threshold': ...}`` for the detector, or nothing to keep its default."""
    from aekit.anomaly.thresholds import SERIES_THRESHOLD_RULES, THRESHOLD_RULES

    if value is None:
        return {}
    rules = SERIES_THRESHOLD_RULES if series else THRESHOLD_RULES
    if value in rules:
        return {"threshold": value}
    try:
        return {"threshold": float(value)}
    except ValueError:
        raise ValueError(f"--threshold must be one of {rules} or a number, "
                         f"got {value!r}") from None  # fmt: skip


#: Training options the series detector has no use for (it sets its members' own).
SERIES_DETECTOR_IGNORES = ("batch_size", "lr", "patience", "noise", "sparsity", "contractive",
                           "beta")  # fmt: skip


def _refuse_unused(args: argparse.Namespace, series: bool, natural: str) -> None:
    """Name the options the chosen detector would ignore, as a usage error.

    ``natural``: the architecture the detector picks for this data (conv1d for
    a series, dense for a table, conv2d for images); naming it is harmless.
    """
    from aekit.cli._errors import CLIError

    unused = ["--conditional"] if args.conditional else []
    if args.architecture not in ("auto", natural):
        unused.append(f"--architecture {args.architecture} (it uses {natural} here)")
    if series:
        unused += [f"--{k.replace('_', '-')}" for k in SERIES_DETECTOR_IGNORES
                   if getattr(args, k) is not None]  # fmt: skip
        if args.model != "ae":
            unused.append(f"--model {args.model}")
    if unused:
        what = "the series detector" if series else "the detector"
        raise CLIError(f"fit --anomaly trains {what}, which does not use {', '.join(unused)}; "
                       "leave them out", 2)  # fmt: skip


def detector(args: argparse.Namespace, series: bool, natural: str = "dense"):
    """The unfitted AnomalyDetector or TimeSeriesDetector the options describe.

    ``natural``: the architecture the detector picks for the data (see
    :func:`_refuse_unused`).
    """
    _refuse_unused(args, series, natural)
    rule = args.threshold
    if rule is None and series and args.contamination is not None:
        rule = "contamination"  # asking for a share on a series means that rule
    share = {} if args.contamination is None else {"contamination": args.contamination}
    rules = dict(**share, **_threshold(rule, series), random_state=args.seed)
    common = dict(rules, device=args.device, verbose=verbosity(args))
    own = {"latent_dim": args.latent_dim if args.latent_dim != "auto" else None,
           "hidden": args.hidden, "epochs": args.epochs}  # fmt: skip
    own = {k: v for k, v in own.items() if v is not None}
    if series:
        from aekit import TimeSeriesDetector

        return TimeSeriesDetector(window=args.window, **own, **common)
    from aekit import AnomalyDetector

    if args.model in ("ae", "vae") and not any(
        getattr(args, k) is not None for k in SERIES_DETECTOR_IGNORES):
        return AnomalyDetector(base="autoencoder" if args.model == "ae" else "vae", **own,
                               **common)  # fmt: skip
    # A variant or a training setting: the detector uses this template for every member
    # (device and progress bars are set on it).
    return AnomalyDetector(base=autoencoder(args), **rules)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from aekit.cli._errors import CLIError
    from aekit.cli._options import read_options, say
    from aekit.cli._outputs import check_model_output
    from aekit.cli.commands._shared import class_labels, training_windows
    from aekit.readers import read_data

    check_model_output(args.output, NAME)  # before training, not after it
    data = read_data(args.data, read_options(args, allow_text=args.anomaly))
    series = data.kind == "series"
    X = data.X
    if series and args.anomaly and args.stride != 1:
        raise CLIError("--stride is for an autoencoder on windows; the series detector "
                       "learns from every window", 2)  # fmt: skip
    if args.anomaly:
        if not series:
            training_windows(args, data)  # refuses --window and --stride
        natural = "conv1d" if series else ("dense" if np.ndim(X) == 2 else "conv2d")
        model = detector(args, series, natural)
        model.fit(X)
        if series and hasattr(X, "columns"):
            # The value columns are the model's input schema, checked by `aekit score`.
            model.feature_names_in_ = np.asarray(X.columns, dtype=object)
    else:
        unused = [o for o, v in (("--contamination", args.contamination),
                                 ("--threshold", args.threshold)) if v is not None]  # fmt: skip
        if unused:
            raise CLIError(f"{' and '.join(unused)} set how a detector flags anomalies: add "
                           "--anomaly, or leave them out (`aekit score --contamination` flags "
                           "the rows an autoencoder reconstructs worst)", 2)  # fmt: skip
        windows = training_windows(args, data)
        if windows is not None:
            X, columns = windows
            model = autoencoder(args, **({} if args.architecture != "auto"
                                         else {"architecture": "conv1d"}))  # fmt: skip
        else:
            model = autoencoder(args)
        classes = class_labels(args, data)
        if classes is not None:
            model.fit(X, classes)
        else:
            model.fit(X)
        if series and columns:
            model.window_columns_ = columns  # checked by the commands that read series
    from aekit.io import save

    save(model, args.output)
    say(args, _summary(model, data, args.output))
    return 0


def _summary(model, data, path: str) -> str:
    from aekit.report.summary import autoencoders_of

    nets = autoencoders_of(model)
    rows = len(data.X)
    unit = "steps" if data.kind == "series" else "rows"
    text = f"trained {type(model).__name__} on {rows} {unit}"
    if nets:
        ae = nets[0]
        text += f", {ae.latent_dim_}-D code, {ae.n_epochs_} epochs"
        if ae.history_.get("val_loss"):
            text += f", validation loss {ae.history_['val_loss'][ae.best_epoch_ - 1]:.4g}"
    if hasattr(model, "threshold_"):
        text += f", threshold {model.threshold_:.4g}"
    return text + f"; saved to {path}"
