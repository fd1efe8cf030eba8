"""``aekit reconstruct MODEL DATA``: every row passed through the autoencoder."""

from __future__ import annotations

import argparse

from aekit.cli._options import add_data_options, positive_int

NAME = "reconstruct"
ORDER = 40
HELP = "pass data through the autoencoder (reconstructions)"
DESCRIPTION = """Encode and decode each row of DATA: tables keep their columns, images can be
written as PNG files into a folder (or as one .npy array), with each row's
reconstruction error in the summary.

examples:
  aekit reconstruct model.aekit data.csv -o reconstructed.csv
  aekit reconstruct model.aekit images/ -o reconstructed/      (PNG files)"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model file written by `aekit fit`")
    parser.add_argument("data", metavar="DATA", help="CSV/TSV/Parquet, .npy/.npz or image folder")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="a .csv/.tsv/.parquet/.npy file, or a new or empty folder for PNG "
                        "images (default: CSV on stdout)")  # fmt: skip
    add_data_options(parser)
    parser.add_argument("--stride", type=positive_int, default=1,
                        help="steps between windows of a time series (default: 1)")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from aekit.cli._options import load_model, say
    from aekit.cli._outputs import (
        check_output_folder,
        check_output_path,
        replaced_on_success,
        write_table,
    )
    from aekit.cli.commands._shared import (
        autoencoder_input,
        require_autoencoder,
        write_images,
    )

    to_folder = args.output is not None and "." not in args.output.rstrip("/").split("/")[-1]
    if to_folder:
        check_output_folder(args.output)
    else:
        check_output_path(args.output)
    model = require_autoencoder(load_model(args.model, args.device), "reconstruct")
    X, ids, y = autoencoder_input(args, model)
    R = model.reconstruct(X, y)
    err = ((np.asarray(R, float) - np.asarray(X, float)) ** 2).reshape(len(R), -1).mean(axis=1)
    if to_folder:
        if R.ndim < 3:
            raise ValueError("only images can be written to a folder; give a .csv or .npy file")
        names = ids.get("file", [f"{i:06d}.png" for i in range(len(R))])
        write_images(R, names, args.output)
    elif args.output is not None and args.output.lower().endswith(".npy"):
        with replaced_on_success(args.output) as tmp, open(tmp, "wb") as f:
            np.save(f, R)  # keeps the image shape; a handle: np.save adds ".npy" to other names
    else:
        import pandas as pd

        cols = list(X.columns) if hasattr(X, "columns") else [
            f"x{i}" for i in range(int(np.prod(R.shape[1:])))]  # fmt: skip
        flat = pd.DataFrame(R.reshape(len(R), -1), columns=cols)
        write_table(pd.concat([_id_frame(args, ids, cols), flat], axis=1), args.output)
    say(args, f"reconstructed {len(R)} rows; mean squared error {err.mean():.4g} "
        f"(worst row {err.max():.4g})")  # fmt: skip
    return 0


def _id_frame(args: argparse.Namespace, ids: dict, features: list[str]):
    """The id columns (label, file, timestamp), renamed where a feature has the name.

    Two columns of one name cannot be read back (aekit refuses the file, pandas
    renames one) nor written as Parquet.
    """
    import pandas as pd

    from aekit.cli._options import say

    taken, named = {str(c) for c in features}, {}
    for name, values in ids.items():
        new = name
        while new in taken:
            new = f"input_{new}"
        if new != name:
            say(args, f"note: the feature column {name!r} keeps its name; the {name} of each "
                f"row is written as {new!r}")  # fmt: skip
        taken.add(new)
        named[new] = values
    return pd.DataFrame(named)
