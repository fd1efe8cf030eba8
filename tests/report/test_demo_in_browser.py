"""The main job (``aekit demo``) end to end, and its report opened in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from .chromium import check_page, find_chromium

PNG = b"\x89PNG\r\n\x1a\n"
needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="chromium is not installed (Debian: apt-get install chromium); the report's "
    "browser check needs it",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from aekit.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"), random_state=0)


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_bad_threads_are_named_before_anything_is_made(bad, tmp_path):
    from aekit.demo import run_demo

    # torch's "set_num_threads expects a positive integer" came after the folder was made.
    with pytest.raises(ValueError, match=f"threads must be a positive integer or None, "
                                         f"got {bad!r}"):  # fmt: skip
        run_demo(tmp_path / "out", threads=bad, epochs=1)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(random_state=-1), "random_state must be an integer from 0 to 2**32 - 1, got -1"),
        (dict(random_state=2**32), "random_state must be an integer from 0"),
        (dict(random_state=1.5), "random_state must be an integer from 0"),
        (dict(device="gpu"), "device must be 'auto', 'cpu'"),
    ],
)
def test_bad_seed_or_device_is_named_before_anything_is_made(kw, message, tmp_path):
    from aekit.demo import run_demo

    # scikit-learn's split refused the seed in its own words, and the device failed
    # only in the first model, after the folder was made.
    with pytest.raises(ValueError, match=re.escape(message)):
        run_demo(tmp_path / "out", epochs=1, **kw)
    assert not (tmp_path / "out").exists()


def test_demo_beats_pca_and_finds_corrupted_digits(demo):
    assert demo.autoencoder_error < 0.7 * demo.pca_error
    assert demo.roc_auc >= 0.95
    assert demo.flagged["normal digits"] <= 0.15
    assert demo.flagged["noise digits"] >= 0.9 and demo.flagged["rotated digits"] >= 0.9
    text = demo.summary()
    assert "PCA" in text and "ROC-AUC" in text and str(demo.report) in text
    assert demo.report.name == "report.html" and demo.report.stat().st_size > 10_000


@needs_chromium
def test_demo_report_renders_in_chromium(demo, tmp_path):
    shot = tmp_path / "aekit-demo-report.png"
    check = check_page(demo.report, shot)
    html = demo.report.read_text()
    assert len(check.images) == html.count("<img ") >= 8
    broken = [i for i in check.images if not (i["complete"] and i["naturalWidth"] > 0)]
    assert broken == []
    assert check.errors == []
    assert check.title == "aekit demo: handwritten digits"
    assert shot.read_bytes()[:8] == PNG
    from PIL import Image

    with Image.open(shot) as im:
        assert im.width >= 1000 and im.height >= 0.9 * check.height  # the whole page
    keep = os.environ.get("AEKIT_SCREENSHOT_DIR")
    if keep:  # for a person (or CI artifact) to look at
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)


@needs_chromium
def test_the_browser_check_catches_broken_pages(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<html><head><title>x</title></head><body><img src="missing.png">'
                    '<img src="data:image/png;base64,AAAA"><script>console.error("boom")'
                    "</script></body></html>")  # fmt: skip
    check = check_page(page)
    assert [i["naturalWidth"] for i in check.images] == [0, 0]
    assert any("boom" in e for e in check.errors)
    assert any("missing.png" in e or "ERR_FILE_NOT_FOUND" in e for e in check.errors)
