"""The main job, end to end on scikit-learn's bundled digits: ``aekit demo`` or :func:`run_demo`.

1. Dimensionality reduction: an autoencoder and PCA each compress the 8x8
   digits to the same number of values; their reconstruction errors on
   held-out digits are compared.
2. Anomaly detection: an :class:`~aekit.AnomalyDetector` trained on normal
   digits scores held-out digits and corrupted copies of them (noise, a
   blotch, a rotation); the ROC-AUC says how well it tells them apart.
3. A self-contained HTML report of both.

The digits ship with scikit-learn, so nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

#: Corruptions applied to held-out digits for the anomaly part.
CORRUPTIONS = ("noise", "blotch", "rotated")


@dataclass
class DemoResult:
    """Figures of one demo run (errors are per pixel, on the digits' 0-16 scale)."""

    n_train: int
    n_test: int
    latent_dim: int
    autoencoder_error: float
    pca_error: float
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    flagged: dict[str, float] = field(default_factory=dict)
    roc_auc: float = float("nan")
    threshold: float = float("nan")
    report: Path | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        """The text ``aekit demo`` prints."""
        ratio = self.autoencoder_error / self.pca_error
        lines = [
            f"digits: 1797 images of 8x8 pixels; {self.n_train} to train, "
            f"{self.n_test} held out",
            "",
            f"1. compress each image to {self.latent_dim} numbers and back "
            "(held-out mean squared error per pixel, 0-16 scale):",
            f"   autoencoder  {self.autoencoder_error:7.3f}",
            f"   PCA          {self.pca_error:7.3f}   -> autoencoder error = {ratio:.2f} x PCA's",
            "",
            "2. anomaly detection, trained on normal digits only "
            f"(threshold {self.threshold:.3g}; score = how anomalous):",
        ]
        for name, s in self.scores.items():
            few = " ".join(f"{v:8.3g}" for v in s[:5])
            lines.append(f"   {name:<16} {few}   flagged {self.flagged[name]:6.1%}")
        lines += [
            f"   ROC-AUC, normal against corrupted digits: {self.roc_auc:.3f}",
            "",
            f"report: {self.report}   ({self.seconds:.0f} s)",
        ]
        return "\n".join(lines)


def corrupt(images: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    """Corrupted copies of ``(n, 64)`` digit rows (0-16 scale).

    ``noise``: a quarter of the pixels set to random values; ``blotch``: a
    bright 3x3 square at a random place; ``rotated``: turned by 90 degrees.
    """
    X = images.reshape(-1, 8, 8).copy()
    if kind == "noise":
        mask = rng.random(X.shape) < 0.25
        X[mask] = rng.integers(0, 17, size=int(mask.sum()))
    elif kind == "blotch":
        for img in X:
            r, c = rng.integers(0, 6, size=2)
            img[r : r + 3, c : c + 3] = 16
    elif kind == "rotated":
        X = np.rot90(X, k=1, axes=(1, 2))
    else:
        raise ValueError(f"kind must be one of {CORRUPTIONS}, got {kind!r}")
    return X.reshape(len(X), 64)


@contextlib.contextmanager
def _threads(n: int | None) -> Iterator[None]:
    """Run with ``n`` torch CPU threads, restoring the setting afterwards."""
    import torch

    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run_demo(
    out_dir: str | os.PathLike = "aekit-demo",
    *,
    latent_dim: int = 8,
    epochs: int = 100,
    random_state: int = 0,
    device: str = "auto",
    threads: int | None = 1,
    verbose: int = 0,
) -> DemoResult:
    """Train on the digits, compare with PCA, detect corrupted digits, write a report.

    Parameters
    ----------
    out_dir : path
        Folder for ``report.html`` (created).
    latent_dim : int
        Code size of the autoencoder and number of PCA components.
    epochs : int
        Maximum epochs of the autoencoder.
    random_state : int
        Seed of the split, the corruptions and the models.
    device : str
        'auto', 'cpu', 'cuda'...
    threads : int or None
        torch CPU threads while the demo runs (restored afterwards). The
        models are small, and one thread avoids the cost of threads waiting
        on each other, which is large when other programs share the cores.
        None keeps torch's setting.
    verbose : int
        1 shows progress bars on a terminal.

    Returns
    -------
    DemoResult
        The figures; ``summary()`` gives the printed text.
    """
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from aekit import AnomalyDetector, AutoEncoder
    from aekit._params import SEED_LIMIT, is_count
    from aekit.report import Report
    from aekit.training.device import resolve_device

    if not is_count(latent_dim) or latent_dim > 64:
        raise ValueError(
            f"latent_dim must be an integer from 1 to 64 (the digits have 64 pixels), "
            f"got {latent_dim!r}"
        )
    if not is_count(epochs):
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if threads is not None and not is_count(threads):
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    # The split would refuse a bad seed in scikit-learn's words, and the models a bad
    # device only after the folder is made: both are checked here, by name.
    if not is_count(random_state, low=0) or random_state >= SEED_LIMIT:
        raise ValueError(
            f"random_state must be an integer from 0 to 2**32 - 1, got {random_state!r}"
        )
    resolve_device(device)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder; give a folder for report.html")
    out.mkdir(parents=True, exist_ok=True)  # before training, so a bad path fails at once
    start = time.perf_counter()
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y,
                                              random_state=random_state)  # fmt: skip
    with _threads(threads):
        # Pixels in [0, 1] with a sigmoid output; errors are reported back on the 0-16 scale.
        ae = AutoEncoder(latent_dim=latent_dim, hidden=(256, 128), batch_size=64, epochs=epochs,
                         random_state=random_state, device=device, verbose=verbose)  # fmt: skip
        ae.fit(X_tr / 16.0)
        ae_err = float(((ae.reconstruct(X_te / 16.0) * 16.0 - X_te) ** 2).mean())
        pca = PCA(latent_dim, random_state=random_state).fit(X_tr)
        pca_err = float(((pca.inverse_transform(pca.transform(X_te)) - X_te) ** 2).mean())
        logger.info("autoencoder %.3f, PCA %.3f", ae_err, pca_err)

        det = AnomalyDetector(contamination=0.05, random_state=random_state, device=device,
                              verbose=verbose).fit(X_tr)  # fmt: skip
        rng = np.random.default_rng(random_state)
        groups = {"normal digits": X_te}
        groups.update({f"{k} digits": corrupt(X_te, k, rng) for k in CORRUPTIONS})
        scores = {k: det.decision_function(v) for k, v in groups.items()}
        normal = scores["normal digits"]
        bad = np.concatenate([s for k, s in scores.items() if k != "normal digits"])
        auc = float(roc_auc_score(np.r_[np.zeros(len(normal)), np.ones(len(bad))],
                                  np.r_[normal, bad]))  # fmt: skip
        result = DemoResult(
            n_train=len(X_tr), n_test=len(X_te), latent_dim=latent_dim,
            autoencoder_error=ae_err, pca_error=pca_err, scores=scores,
            flagged={k: float((s > det.threshold_).mean()) for k, s in scores.items()},
            roc_auc=auc, threshold=float(det.threshold_),
        )  # fmt: skip

        # The report: test digits plus one corrupted copy each of a third of them.
        n_bad = len(X_te) // 3
        kinds = rng.integers(0, len(CORRUPTIONS), n_bad)
        bad_rows = np.stack([groups[f"{CORRUPTIONS[k]} digits"][i] for i, k in enumerate(kinds)])
        X_mix = np.concatenate([X_te, bad_rows])
        y_mix = np.r_[np.zeros(len(X_te), int), np.ones(n_bad, int)]
        rep = Report("aekit demo: handwritten digits",
                     "An autoencoder against PCA, and an anomaly detector against "
                     "IsolationForest, on scikit-learn's 8x8 digits.")  # fmt: skip
        s = rep.section("Summary")
        s.text(f"{len(X_tr)} digits to train, {len(X_te)} held out. Reduction: each image "
               f"compressed to {latent_dim} numbers and back; errors on the digits' 0-16 "
               "scale here, on the 0-1 scale the autoencoder was trained on below.")
        s.key_values({"autoencoder, held-out squared error per pixel": ae_err,
                      f"PCA ({latent_dim} components), same": pca_err,
                      "ratio": ae_err / pca_err,
                      "anomaly ROC-AUC, normal against corrupted digits": auc})  # fmt: skip
        s.table(["digits", "mean score", "share flagged"],
                [[k, float(v.mean()), result.flagged[k]] for k, v in scores.items()])
        rep.add_estimator(ae, X_te / 16.0, y_te, X_train=X_tr / 16.0, image_shape=(8, 8),
                          heading="Reduction: the held-out digits", random_state=random_state,
                          source="sklearn.datasets.load_digits, pixels / 16")  # fmt: skip
        rep.add_estimator(det, X_mix, y_mix, X_train=X_tr, image_shape=(8, 8),
                          heading="Anomaly detection: held-out digits and corrupted copies",
                          random_state=random_state,
                          source="held-out digits (label 0) and corrupted ones (label 1)")
        result.report = rep.save(out / "report.html")
    result.seconds = time.perf_counter() - start
    return result
