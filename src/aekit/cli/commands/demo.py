"""``aekit demo``: the main job on the bundled digits, with a summary and an HTML report."""

from __future__ import annotations

import argparse

from aekit.cli._options import positive_int

NAME = "demo"
ORDER = 10
HELP = "train on the bundled digits, compare with PCA, detect anomalies, write a report"
DESCRIPTION = """The main job in one command, on scikit-learn's bundled 8x8 digits (nothing is
downloaded): an autoencoder and PCA compress the digits to the same size and
their held-out reconstruction errors are compared; an anomaly detector trained
on normal digits scores corrupted ones; the report goes to
aekit-demo/report.html. About half a minute on two CPU cores.

example:
  aekit demo
  aekit demo -o /tmp/demo --seed 1"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", default="aekit-demo", metavar="FOLDER",
                        help="folder for report.html (default: aekit-demo)")
    parser.add_argument("--latent-dim", type=positive_int, default=8, metavar="N",
                        help="code size, and PCA components: 1 to 64 (default: 8)")
    parser.add_argument("--epochs", type=positive_int, default=100,
                        help="maximum epochs of the autoencoder (default: 100)")


def run(args: argparse.Namespace) -> int:
    from aekit.cli._options import say, verbosity
    from aekit.demo import run_demo

    say(args, "aekit demo: training on the digits (well under a minute)...")
    result = run_demo(args.output, latent_dim=args.latent_dim, epochs=args.epochs,
                      random_state=args.seed, device=args.device,
                      verbose=verbosity(args))  # fmt: skip
    if not args.quiet:
        print(result.summary())
    return 0
