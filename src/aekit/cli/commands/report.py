"""``aekit report MODEL DATA -o report.html``: the HTML report of a model on data."""

from __future__ import annotations

import argparse

from aekit.cli._options import add_data_options, image_size, positive_int

NAME = "report"
ORDER = 80
HELP = "write an HTML report of a model on data"
#: Rows a report draws at most, when --max-rows is not given.
MAX_ROWS = 5000
DESCRIPTION = """Write one self-contained HTML file (figures embedded, no network needed) about
MODEL on DATA: data summary, loss curves, reconstructions, latent map, the
comparison with PCA (reduction) or IsolationForest (anomalies), score histogram
and ROC/PR curves (with 0/1 labels), the series with flagged spans, VAE samples.

examples:
  aekit report model.aekit test.csv -o report.html --label-column digit --train train.csv
  aekit report detector.aekit test.csv -o report.html --label-column is_anomaly
  aekit report model.aekit digits.npz -o report.html --image-shape 8x8"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model file written by `aekit fit`")
    parser.add_argument("data", metavar="DATA", help="data to report on (e.g. a test set)")
    parser.add_argument("-o", "--output", default="report.html", metavar="HTML",
                        help="report file (default: report.html)")
    parser.add_argument("--train", metavar="DATA",
                        help="training data: the baselines are fitted on it (else on DATA)")
    parser.add_argument("--title", help="report title")
    parser.add_argument("--image-shape", type=image_size, metavar="HxW",
                        help="draw table rows as images of this shape (e.g. 8x8 digits)")
    parser.add_argument("--latent-map", choices=("pca", "tsne"), default="pca",
                        help="how codes of more than 2 dimensions are drawn (default: pca)")
    parser.add_argument("--max-rows", type=positive_int, metavar="N",
                        help=f"rows drawn at random from larger data (default: {MAX_ROWS}; "
                        "a series detector reports every step)")  # fmt: skip
    add_data_options(parser)


def run(args: argparse.Namespace) -> int:
    from aekit.cli._errors import CLIError
    from aekit.cli._options import load_model, model_labels, read_for_model, say
    from aekit.cli._outputs import check_output_path
    from aekit.cli.commands._shared import autoencoder_input
    from aekit.report import make_report
    from aekit.report.summary import takes_windows

    check_output_path(args.output, (".html", ".htm"))  # the report is HTML, whatever the name
    model = load_model(args.model, args.device)
    if type(model).__name__ == "TimeSeriesDetector":
        unused = [o for o, v in (("--max-rows", args.max_rows), ("--image-shape",
                  args.image_shape)) if v is not None]  # fmt: skip
        if unused:
            raise CLIError(f"{' and '.join(unused)} do not apply to a series detector's report, "
                           "which draws every step of the series", 2)  # fmt: skip
    if takes_windows(model):
        X, _, _ = autoencoder_input(args, model)
        data_y, index = None, None
        if args.label_column is not None:
            say(args, f"note: --label-column {args.label_column} is left out of the features "
                "and not used: a window model's rows are windows, which have no single label")
    else:
        X, data = read_for_model(args, model, args.data)
        data_y, index = model_labels(model, data.y), data.index
    X_train = None
    if args.train is not None:
        # Normal training data seldom has the label column: read it if there.
        args = argparse.Namespace(**{**vars(args), "label_optional": True})
        # A window model's training series is cut into windows like the data.
        if takes_windows(model):
            X_train = autoencoder_input(args, model, args.train)[0]
        else:
            X_train, _ = read_for_model(args, model, args.train)
    path = make_report(
        model, X, data_y, args.output, title=args.title, X_train=X_train,
        timestamps=index if type(model).__name__ == "TimeSeriesDetector" else None,
        image_shape=args.image_shape, latent_map=args.latent_map,
        max_rows=args.max_rows or MAX_ROWS,
        source=args.data, random_state=args.seed,
    )  # fmt: skip
    say(args, f"wrote {path}")
    return 0
