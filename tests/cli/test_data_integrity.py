"""Data reach the model and the output files as given: nothing reordered, retyped or dropped."""

from __future__ import annotations

import numpy as np
import pytest

from aekit.cli import main
from aekit.readers import read_images


@pytest.fixture(scope="module")
def models(files, tmp_path_factory):
    """Small models fitted through ``aekit fit``, shared by the tests of this module."""
    d = tmp_path_factory.mktemp("integrity")

    def fit(name, *args):
        path = d / f"{name}.aekit"
        assert main(["-q", "fit", *map(str, args), "-o", str(path), "--epochs", "2"]) == 0
        return path

    return {
        "gray": fit("gray", files["images"], "--latent-dim", "2"),
        "rgb": fit("rgb", files["images"], "--color", "rgb", "--latent-dim", "2"),
    }


def test_images_in_another_layout_are_refused_not_reshaped(aekit, models, files, tmp_path):
    rgb = read_images(files["images"], color="rgb").X  # (16, 3, 10, 12)
    np.save(tmp_path / "hwc.npy", rgb.transpose(0, 2, 3, 1))  # channels last
    r = aekit("score", models["rgb"], tmp_path / "hwc.npy")
    assert r.code == 1 and "samples have shape (10, 12, 3)" in r.err, r
    # Flat rows and the array as read are the model's layout.
    np.save(tmp_path / "flat.npy", rgb.reshape(len(rgb), -1))
    np.save(tmp_path / "chw.npy", rgb)
    flat = aekit("score", models["rgb"], tmp_path / "flat.npy")
    assert flat.code == 0 and flat.out == aekit("score", models["rgb"], tmp_path / "chw.npy").out
    # Height and width swapped: as many pixels, in another order.
    for command in ("score", "encode", "reconstruct"):
        r = aekit(command, models["gray"], files["images"], "--image-size", "12x10")
        assert r.code == 1 and "samples have shape (12, 10)" in r.err, (command, r)
        assert "leave it out to read the images at 10x12" in r.err
    gray = read_images(files["images"]).X
    np.save(tmp_path / "g.npy", gray[:, None])  # (n, 1, H, W): one channel, in order
    assert aekit("-q", "encode", models["gray"], tmp_path / "g.npy").code == 0
