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


@pytest.mark.parametrize("t", [np.arange(20), pd.date_range("2024-01-01", periods=20, freq="h")])
def test_a_run_that_ends_with_the_series_is_drawn_with_a_width(t):
    t = np.asarray(t)
    last = np.r_[np.zeros(19), 1].astype(int)  # only the latest step is flagged and known
    fig = plots.series_scores(t, np.sin(np.arange(20)), np.r_[np.zeros(19), 9.0], last, 5.0, last)
    ax_v, ax_s = fig.axes[:2]
    assert all(p.get_width() > 0 for p in (*ax_v.patches, *ax_s.patches))
    assert len(ax_s.patches) == 1
    bar = [ln for ln in ax_v.get_lines() if ln.get_linewidth() == 5][0]
    assert bar.get_xdata()[0] == t[-1] and bar.get_xdata()[1] > t[-1]


def test_text_timestamps_are_drawn_on_step_positions_labelled_with_the_text():
    # Dates read as text: a run reaching the last step failed ('str' - 'str').
    t = np.asarray(pd.date_range("2024-01-01", periods=20, freq="h").strftime("%Y-%m-%d %H:%M"))
    last = np.r_[np.zeros(17), 1, 1, 1].astype(int)
    fig = plots.series_scores(t, np.sin(np.arange(20)), last * 9.0, last, 5.0, last)
    ax_v, ax_s = fig.axes[:2]
    assert [p.get_x() for p in ax_s.patches] == [17] and ax_s.patches[0].get_width() == 3
    fig.canvas.draw()
    ticks = [x.get_text() for x in ax_s.get_xticklabels() if x.get_text()]
    assert ticks and set(ticks) <= set(t) and len(ticks) <= 9


def test_latent_map_legend_keeps_underscore_names_and_mixed_types():
    Z = np.random.default_rng(0).normal(size=(8, 2))
    fig = plots.latent_map(Z, np.array(["_odd", "_odd", "b", "b"] * 2))
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["_odd", "b"]
    mixed = np.array(["a", 1, 2.5, None] * 2, dtype=object)  # e.g. a Parquet object column
    fig = plots.latent_map(Z, mixed)
    names = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert names == ["no label", "1", "2.5", "a"]


def test_profiles_are_labelled_with_the_given_row_labels():
    X = np.random.default_rng(0).random((3, 4))
    fig = plots.reconstruction_profiles(X, X, row_labels=[5, 9, 12])
    assert [ax.get_ylabel() for ax in fig.axes] == ["row 5", "row 9", "row 12"]
    assert fig.axes[0].get_ylabel() != plots.reconstruction_profiles(X, X).axes[0].get_ylabel()
    fig = plots.reconstruction_profiles(X, X, row_labels=["cust$1", "b", "c"], row_name="id")
    assert [ax.get_ylabel() for ax in fig.axes] == [r"id cust\$1", "id b", "id c"]


def test_histogram_counts_scores_beyond_the_axis():
    scores = np.r_[np.arange(10.0), np.inf, np.inf]
    y = np.r_[np.zeros(10), 1, 1].astype(int)
    for fig in (plots.score_histogram(scores, 5.0), plots.score_histogram(scores, 5.0, y)):
        ax = fig.axes[0]
        assert "2 rows scoring +inf, beyond the axis" in ax.get_xlabel()
        assert sum(p.get_height() for p in ax.patches) == 10
    ax = plots.score_histogram(np.r_[np.arange(5.0), np.inf], unit="steps").axes[0]
    assert ax.get_ylabel() == "steps" and "1 step scoring +inf" in ax.get_xlabel()
    assert "\n" not in plots.score_histogram(np.arange(5.0)).axes[0].get_xlabel()
