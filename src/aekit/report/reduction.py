"""Report sections of an AutoEncoder or VAE: reconstructions, latent map, PCA, samples."""

from __future__ import annotations

from typing import Any

import numpy as np

from aekit import plots
from aekit.report.common import numeric_matrix, row_labels
from aekit.report.html import Document
from aekit.report.summary import takes_windows

#: Images shown per row of a reconstruction or sample grid.
GRID = 10
#: Classes of a conditional VAE whose samples are listed in a table (two rows each).
TABLE_CLASSES = 8


def _is_conditional(ae: Any) -> bool:
    return bool(len(getattr(ae, "classes_", ())))


def as_images(X: np.ndarray, image_shape: tuple[int, ...] | None) -> np.ndarray | None:
    """Rows as images ``(n, H, W)`` / ``(n, C, H, W)``, or None when they are not images."""
    X = np.asarray(X, dtype=float)
    if X.ndim >= 3:
        return X
    if image_shape is not None:
        if int(np.prod(image_shape)) != X.shape[1]:
            raise ValueError(
                f"image_shape {tuple(image_shape)} has {int(np.prod(image_shape))} pixels, "
                f"but the rows have {X.shape[1]} features"
            )
        return X.reshape(len(X), *image_shape)
    return None


def reconstruction_section(
    doc: Document, ae: Any, X: Any, y: Any, image_shape, feature_names,
    rows: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """Originals next to reconstructions; returns the per-row errors ``(n,)``.

    Table rows are named by a DataFrame's index, as the detector's table names
    them; others by ``rows``, their numbers in the user's data (``X`` may be a
    sample of it).
    """
    s = doc.section("Reconstructions")
    X_hat = ae.reconstruct(X, y)
    Xn = numeric_matrix(X) if hasattr(X, "columns") else np.asarray(X, dtype=float)
    err = ((X_hat.reshape(len(Xn), -1) - Xn.reshape(len(Xn), -1)) ** 2).mean(axis=1)
    s.key_values({
        "mean squared error per value": float(err.mean()),
        "median row error": float(np.median(err)),
        "worst row error": float(err.max()),
    })  # fmt: skip
    imgs, recs = as_images(Xn, image_shape), as_images(X_hat, image_shape)
    if takes_windows(ae):  # series windows (n, channels, length) read better as lines
        imgs = recs = None
    n = min(GRID, len(Xn))
    if imgs is not None:
        grid = np.concatenate([imgs[:n], recs[:n]])
        fig = plots.image_grid(grid, row_titles=["input", "output"], ncols=n)
        s.figure(plots.to_png(fig), alt="reconstructed images",
                 caption="Top: inputs; bottom: their reconstructions.")  # fmt: skip
        worst = np.argsort(err)[::-1][:n]
        grid = np.concatenate([imgs[worst], recs[worst]])
        fig = plots.image_grid(grid, row_titles=["input", "output"], ncols=n,
                               titles=[f"{e:.3g}" for e in err[worst]] + [""] * n)  # fmt: skip
        s.figure(plots.to_png(fig), alt="worst reconstructions",
                 caption="The worst-reconstructed rows, with their error.")  # fmt: skip
    else:
        flat = Xn.reshape(len(Xn), -1)
        labels, row_name = row_labels(X, rows)
        fig = plots.reconstruction_profiles(flat, X_hat.reshape(len(Xn), -1), feature_names,
                                            row_labels=labels, row_name=row_name)  # fmt: skip
        s.figure(plots.to_png(fig), alt="reconstructed rows",
                 caption="Original and reconstructed values of the first rows.")  # fmt: skip
    return err


def latent_section(doc: Document, ae: Any, X: Any, y: Any, method: str, seed: int) -> None:
    """2-D map of the codes, coloured by label when labels are given."""
    Z = ae.transform(X, y)  # y is used only by a conditional VAE
    if len(Z) < 3:
        doc.section("Latent map").note(f"{len(Z)} row(s): too few for a map.")
        return
    if Z.shape[1] == 2:
        Z2, how = Z, "the 2-D code itself"
    elif Z.shape[1] == 1:  # its value along both axes, a diagonal: no method maps 1-D to 2-D
        Z2, how = np.c_[Z, Z], "the 1-D code, drawn against itself"
    elif method == "tsne":
        from sklearn.manifold import TSNE

        # t-SNE needs a perplexity below the number of rows.
        perplexity = float(min(30, max(5, (len(Z) - 1) // 4), len(Z) - 1))
        Z2 = TSNE(2, perplexity=perplexity, random_state=seed, init="pca").fit_transform(Z)
        how = f"t-SNE of the {Z.shape[1]}-D codes"
    else:
        from sklearn.decomposition import PCA

        Z2 = PCA(2, random_state=seed).fit_transform(Z)
        how = f"first two principal components of the {Z.shape[1]}-D codes"
    s = doc.section("Latent map")
    fig = plots.latent_map(Z2, y, title=how)
    s.figure(plots.to_png(fig), alt="latent map",
             caption=f"Each point is a row: {how}" + (", coloured by label." if y is not None
                                                       else "."))  # fmt: skip


def pca_section(
    doc: Document, ae: Any, X: Any, X_train: Any, ae_err: np.ndarray, seed: int
) -> dict[str, float]:
    """The autoencoder's reconstruction error against PCA with the same code size."""
    from sklearn.decomposition import PCA

    Xt = numeric_matrix(X if X_train is None else X_train)
    Xn = numeric_matrix(X, reference=X_train if hasattr(X, "columns") else None)
    k = int(min(ae.latent_dim_, Xt.shape[0], Xt.shape[1]))
    pca = PCA(k, random_state=seed).fit(Xt)
    pca_err = ((pca.inverse_transform(pca.transform(Xn)) - Xn) ** 2).mean(axis=1)
    values = {"autoencoder": float(ae_err.mean()), f"PCA ({k})": float(pca_err.mean())}
    s = doc.section("Comparison with PCA")
    fig = plots.bars(values, "mean squared error per value", "reconstruction error")
    ratio = values["autoencoder"] / max(values[f"PCA ({k})"], 1e-300)
    s.key_values({**values, "ratio (autoencoder / PCA)": ratio})
    s.figure(plots.to_png(fig), alt="autoencoder against PCA",
             caption=f"PCA keeps {k} components, the autoencoder's code size"
                     + ("." if k == ae.latent_dim_ else f" ({ae.latent_dim_}) capped by the "
                        f"{min(Xt.shape)} {'rows' if Xt.shape[0] < Xt.shape[1] else 'columns'} "
                        "PCA is fitted on."))  # fmt: skip
    if X_train is None:
        s.note("PCA was fitted on the rows of this report, so its error is in-sample (an "
               "optimistic baseline); pass the training data for a held-out comparison.")
    return values


def _per_class(rows: str, shown: int, total: int) -> str:
    """The caption of samples drawn per class, saying which classes are left out."""
    if shown == total:
        return f"Drawn from the prior, {rows} per class."
    return f"Drawn from the prior, {rows} for each of the first {shown} of {total} classes."


def samples_section(
    doc: Document, vae: Any, image_shape, feature_names, seed: int, n: int = 20
) -> None:
    """New data drawn from a VAE (per class for a conditional one)."""
    s = doc.section("Samples")
    classes = getattr(vae, "classes_", ())
    if _is_conditional(vae):
        shown = list(classes[:GRID])
        per = 8  # one row of draws per class
        draws = vae.sample(per * len(shown), y=np.repeat(shown, per), random_state=seed)
        caption = _per_class("one row", len(shown), len(classes))
        ncols, row_titles = per, [str(c) for c in shown]
    else:
        draws = vae.sample(n, random_state=seed)
        caption, ncols, row_titles = "Decoded draws from the prior N(0, I).", GRID, None
    imgs = as_images(draws.reshape(len(draws), -1) if draws.ndim == 2 else draws, image_shape)
    if takes_windows(vae):
        imgs, draws = None, draws.reshape(len(draws), -1)
    if imgs is not None:
        grid = plots.image_grid(imgs, ncols=ncols, row_titles=row_titles)
        s.figure(plots.to_png(grid), alt="samples", caption=caption)
        return
    names = list(feature_names) if feature_names is not None else [
        f"x{i}" for i in range(draws.shape[1])]  # fmt: skip
    if _is_conditional(vae):
        # Rows of a table: two draws of each class, the class first.
        listed = min(len(shown), TABLE_CLASSES)
        pick = [i for k in range(listed) for i in (k * per, k * per + 1)]
        s.text(_per_class("two rows", listed, len(classes)))
        s.table(["class", *names[:12]],
                [[str(shown[i // per]), *(float(v) for v in draws[i][:12])] for i in pick])
        return
    s.text(caption)
    s.table(names[:12], [[float(v) for v in row[:12]] for row in draws[:8]])
