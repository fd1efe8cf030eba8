"""``aekit encode MODEL DATA``: the codes of each row (the encoder as a feature extractor)."""

from __future__ import annotations

import argparse

from aekit.cli._options import add_data_options, add_output_option, positive_int

NAME = "encode"
ORDER = 30
HELP = "encode data to codes (features for another model)"
DESCRIPTION = """Encode each row (image, window) of DATA with a trained autoencoder or VAE and
write the codes, one column per code unit, with file names, timestamps or labels
first when the data have them. A VAE gives the posterior mean.

examples:
  aekit encode model.aekit data.csv -o codes.csv
  aekit encode model.aekit images/ -o codes.npy"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model file written by `aekit fit`")
    parser.add_argument("data", metavar="DATA", help="CSV/TSV/Parquet, .npy/.npz or image folder")
    add_output_option(parser, "where to write the codes")
    add_data_options(parser)
    parser.add_argument("--stride", type=positive_int, default=1,
                        help="steps between windows of a time series (default: 1)")


def run(args: argparse.Namespace) -> int:
    from aekit.cli._options import load_model, say
    from aekit.cli._outputs import check_output_path, write_table
    from aekit.cli.commands._shared import autoencoder_input, require_autoencoder

    check_output_path(args.output)
    model = require_autoencoder(load_model(args.model, args.device), "encode")
    X, ids, y = autoencoder_input(args, model)
    import pandas as pd

    Z = model.transform(X, y)  # y is used only by a conditional VAE
    frame = pd.concat([pd.DataFrame(ids),
                       pd.DataFrame(Z, columns=model.get_feature_names_out())], axis=1)
    write_table(frame, args.output)
    say(args, f"encoded {len(Z)} rows to {Z.shape[1]} code units"
        + (f": {args.output}" if args.output else ""))
    return 0
