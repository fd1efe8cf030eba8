"""aekit.plots: every figure draws and renders to PNG without pyplot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aekit import plots

PNG = b"\x89PNG\r\n\x1a\n"


def test_figures_render_to_png():
    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.1).astype(int)
    s = rng.normal(size=200) + 3 * y
    t = np.arange(300)
    figs = [
        plots.loss_curves({"loss": [3, 2, 1.5], "val_loss": [3.2, 2.4, 2.0], "recon": [3, 2, 1.5]}),
        plots.image_grid(rng.random((12, 8, 8)), row_titles=["a", "b"], ncols=6),
        plots.image_grid(rng.random((4, 3, 5, 5)), ncols=4),
        plots.reconstruction_profiles(rng.random((5, 6)), rng.random((5, 6)), list("abcdef")),
        plots.latent_map(rng.normal(size=(200, 2)), y),
        plots.latent_map(rng.normal(size=(200, 2)), rng.random(200)),
        plots.bars({"autoencoder": 1.0, "PCA": 2.0}, "error"),
        plots.score_histogram(np.exp(s), threshold=5.0, y=y),
        plots.roc_pr_curves(y, {"a": s, "b": -s}),
        plots.series_scores(t, np.sin(t / 5), np.abs(np.cos(t)), (t > 100) & (t < 110), 0.5,
                            (t > 98) & (t < 108)),
    ]  # fmt: skip
    for fig in figs:
        assert plots.to_png(fig).startswith(PNG)


def test_loss_curves_skip_repeats_and_the_elbo():
    fig = plots.loss_curves({"loss": [3, 2], "recon": [3, 2], "elbo": [-3, -2], "kl": [0.1, 0.2]})
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert labels == ["loss", "kl"]
    assert fig.axes[0].get_yscale() == "log"


def test_image_grid_scales_rows_separately():
    imgs = np.concatenate([np.full((2, 4, 4), 0.5), np.full((2, 4, 4), 100.0)])
    imgs[0, 0, 0], imgs[2, 0, 0] = 0.0, 0.0
    fig = plots.image_grid(imgs, ncols=2, scale="row")
    climits = [ax.images[0].get_clim() for ax in fig.axes]
    assert climits[0] == (0.0, 0.5) and climits[2] == (0.0, 100.0)
    with pytest.raises(ValueError, match="scale"):
        plots.image_grid(imgs, scale="image")


def test_flagged_spans_include_a_run_at_the_end():
    from aekit.anomaly.metrics import runs  # what series_scores shades

    assert runs(np.array([0, 1, 1, 0, 1])) == [(1, 3), (4, 5)]
    assert runs(np.zeros(3)) == []


@pytest.mark.parametrize(
    "labels",
    [np.arange(60) % 30, np.array([f"c{i % 30}" for i in range(60)]),
     np.r_[np.arange(30) % 3, [np.nan] * 30], np.array(["a", "b", None] * 20, dtype=object),
     pd.array(["a", "b", pd.NA] * 20, dtype="string")],
)  # fmt: skip
def test_latent_map_draws_every_point(labels):
    fig = plots.latent_map(np.random.default_rng(0).normal(size=(60, 2)), labels)
    ax = fig.axes[0]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 60
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    many = len(set(map(str, labels))) >= 30
    assert ("other (11 classes)" in names) == many and len(names) <= 21


@pytest.mark.parametrize("channels", [2, 5])
def test_images_with_other_channel_counts_are_drawn_grey(channels):
    # Two-channel data (e.g. two sensors per pixel) made imshow fail.
    imgs = np.random.default_rng(0).random((4, channels, 6, 6))
    assert plots.to_png(plots.image_grid(imgs, ncols=4))[:4] == b"\x89PNG"


def test_long_feature_names_are_cut_on_the_axis():
    X = np.random.default_rng(0).random((2, 3))
    names = ["short", "x" * 300, "$cost"]
    fig = plots.reconstruction_profiles(X, X, names, n=2)
    ticks = [t.get_text() for t in fig.axes[-1].get_xticklabels()]
    assert ticks[0] == "short" and ticks[2] == r"\$cost"
    assert len(ticks[1]) == plots.TICK_CHARS and ticks[1].endswith("…")
