"""Dimensionality reduction: the default AutoEncoder against PCA on MNIST.

Protocol (issue 3): the 10000 MNIST images from ``../shared/data/mnist``, split
8000 train / 2000 test by seed 0 (:func:`shared_data.mnist_split`), code size
30. Both models are fitted on the training images; the figure is the mean over
held-out images of the squared reconstruction error summed over the 784 pixels
(pixels in [0, 1]). Target: autoencoder / PCA <= 0.6 with default settings.

Run from the repository root::

    python benchmarks/reduce_vs_pca.py            # the full protocol
    python benchmarks/reduce_vs_pca.py --quick    # smoke run: 2000 train images, 5 epochs

Extra keyword settings for the autoencoder can be tried with ``--set``, for
example ``--set epochs=50 --set "hidden=(512, 256)"``.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA

sys.path.insert(0, str(Path(__file__).resolve().parent))

import shared_data  # noqa: E402

import aekit  # noqa: E402


def per_image_sse(X: np.ndarray, X_hat: np.ndarray) -> float:
    """Mean over images of the squared error summed over pixels."""
    diff = np.asarray(X, dtype=np.float64) - np.asarray(X_hat, dtype=np.float64)
    return float(np.square(diff).reshape(len(X), -1).sum(axis=1).mean())


def _parse_settings(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run on a small subset")
    parser.add_argument("--latent", type=int, default=30, help="code size (default 30)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra AutoEncoder keyword (repeatable)",
    )
    parser.add_argument(
        "--images", action="store_true", help="feed (n, 28, 28) images instead of flat rows"
    )
    parser.add_argument(
        "--curve",
        action="store_true",
        help="also print the validation reconstruction error every 5 epochs",
    )
    args = parser.parse_args(argv)

    if shared_data.data_dir() is None:
        print("shared data folder not found (../shared/data); nothing to benchmark")
        return 1
    X_tr, X_te, _, _ = shared_data.mnist_split(seed=0, n_train=8000)
    settings = _parse_settings(args.set)
    if args.quick:
        X_tr, X_te = X_tr[:2000], X_te[:500]
        settings.setdefault("epochs", 5)
    if args.images:
        X_tr, X_te = X_tr.reshape(-1, 28, 28), X_te.reshape(-1, 28, 28)
    k = args.latent
    flat = X_tr.reshape(len(X_tr), -1)

    t0 = time.perf_counter()
    pca = PCA(n_components=k, random_state=0).fit(flat)
    t_pca = time.perf_counter() - t0
    flat_te = X_te.reshape(len(X_te), -1)
    err_pca = per_image_sse(flat_te, pca.inverse_transform(pca.transform(flat_te)))

    ae = aekit.AutoEncoder(latent_dim=k, random_state=0, **settings)
    t0 = time.perf_counter()
    ae.fit(X_tr)
    t_ae = time.perf_counter() - t0
    err_ae = per_image_sse(X_te, ae.reconstruct(X_te))

    print(
        f"MNIST {len(X_tr)} train / {len(X_te)} test, code size {k}"
        + (f", settings {settings}" if settings else ", default settings")
    )
    print(f"{'model':<14}{'SSE/image':>12}{'fit s':>10}")
    print(f"{'PCA':<14}{err_pca:>12.3f}{t_pca:>10.2f}")
    print(f"{'AutoEncoder':<14}{err_ae:>12.3f}{t_ae:>10.2f}")
    print(f"ratio AutoEncoder / PCA: {err_ae / err_pca:.3f} (target <= 0.6)")
    print(
        f"autoencoder: {ae.n_epochs_} epochs, best {ae.best_epoch_}, "
        f"hidden {ae.module_.config.hidden}, output {ae.module_.config.output}, "
        f"scaler {None if ae.scaler_ is None else ae.scaler_.kind}"
    )
    if args.curve:
        val = ae.history_.get("val_recon", ae.history_["recon"])
        print(
            "validation SSE/image by epoch: "
            + ", ".join(f"{e + 1}:{v:.2f}" for e, v in enumerate(val) if (e + 1) % 5 == 0)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
