"""``aekit sample MODEL``: new data drawn from a VAE."""

from __future__ import annotations

import argparse
import re

from aekit.cli._options import positive_int

NAME = "sample"
ORDER = 60
HELP = "draw new data from a VAE"
DESCRIPTION = """Draw N new rows (or images) from a VAE trained with `aekit fit --model vae`:
codes from the prior N(0, I), decoded. A conditional VAE draws the class given
with --label (default: all classes in turn). Images can be written as one PNG
grid (.png) or as PNG files into a folder.

examples:
  aekit sample vae.aekit -n 100 -o samples.csv
  aekit sample vae.aekit -n 64 -o samples.png
  aekit sample cvae.aekit -n 10 --label 3 -o threes/"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="VAE model file")
    parser.add_argument("-n", "--n-samples", type=positive_int, default=16, metavar="N",
                        help="how many to draw (default: 16)")
    parser.add_argument("--label", help="class to draw, for a conditional VAE")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help=".csv/.tsv/.parquet/.npy, .png (a grid of images) or a folder "
                        "(PNG files; a new or empty one); default: CSV on stdout")  # fmt: skip


def _labels(model, label: str | None, n: int):
    import numpy as np

    from aekit.cli._options import model_labels

    classes = model.classes_
    if label is None:
        return np.resize(classes, n)
    # A VAE saved before labels were read as text knows the file's "007" as 7.
    wanted = model_labels(model, np.asarray([label], dtype=object))[0]
    match = [c for c in classes if str(c) == label or c == wanted]
    if not match:
        raise ValueError(f"--label {label!r} is not a class of this VAE; its classes are: "
                         + ", ".join(map(str, classes)))  # fmt: skip
    return np.repeat(match[:1], n)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from aekit.cli._errors import CLIError
    from aekit.cli._options import load_model, say
    from aekit.cli._outputs import (
        check_output_folder,
        check_output_path,
        replaced_on_success,
        write_table,
    )
    from aekit.cli.commands._shared import model_label, write_images
    from aekit.report.summary import takes_windows

    out = args.output
    to_png = out is not None and out.lower().endswith(".png")
    to_folder = out is not None and "." not in out.rstrip("/").split("/")[-1]
    if to_folder:
        check_output_folder(out)
    elif not to_png:
        check_output_path(out)
    model = load_model(args.model, args.device)
    if not hasattr(model, "sample"):
        raise CLIError(f"sampling needs a VAE (`aekit fit --model vae`), but the file holds "
                       f"{model_label(model)}")  # fmt: skip
    conditional = bool(len(model.classes_))
    if args.label is not None and not conditional:
        raise CLIError("--label needs a conditional VAE (fitted with --conditional)", 2)
    y = _labels(model, args.label, args.n_samples) if conditional else None
    draws = model.sample(args.n_samples, y=y, random_state=args.seed)
    if (to_png or to_folder) and (draws.ndim < 3 or takes_windows(model)):
        raise CLIError("this VAE makes table rows or series windows, not images: write a .csv "
                       "or .npy file", 2)  # fmt: skip
    if to_png:
        from aekit import plots

        # A conditional VAE's classes go in the grid's titles.
        titles = None if y is None else [str(v) for v in y]
        grid = plots.image_grid(draws, ncols=int(min(10, args.n_samples)), titles=titles)
        with replaced_on_success(out) as tmp, open(tmp, "wb") as f:
            f.write(plots.to_png(grid))
    elif to_folder:
        # The class in the name, safe as a file name ("a/b" must not make a folder).
        safe = [re.sub(r"[^\w.-]+", "_", str(v)) for v in (() if y is None else y)]
        tag = [f"_{v}" for v in safe] if y is not None else [""] * len(draws)
        write_images(draws, [f"sample_{i:05d}{t}.png" for i, t in enumerate(tag)], out)
    elif out is not None and out.lower().endswith(".npy"):
        with replaced_on_success(out) as tmp, open(tmp, "wb") as f:
            np.save(f, draws)  # a handle: np.save adds ".npy" to other names
        if y is not None:
            drawn = ", ".join(map(str, y[: len(model.classes_)]))
            say(args, f"note: {out} holds the samples only; their classes are, row by row, "
                f"{drawn}{', ...' if len(y) > len(model.classes_) else ''} (write .csv or "
                ".parquet to keep a class column)")
    else:
        import pandas as pd

        names = getattr(model, "feature_names_in_", None)
        flat = draws.reshape(len(draws), -1)
        cols = [str(c) for c in names] if names is not None else [
            f"x{i}" for i in range(flat.shape[1])]  # fmt: skip
        frame = pd.DataFrame(flat, columns=cols)
        if y is not None:
            frame.insert(0, "label" if "label" not in cols else "sampled_class", y)
        write_table(frame, out)
    say(args, f"drew {len(draws)} samples" + (f": {out}" if out else ""))
    return 0
