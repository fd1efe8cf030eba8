"""The README's Python examples run as written, and do what their comments say."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[tuple[str, str]]:
    """(heading above the block, code) for every ```python block of the README."""
    out, heading, code = [], "", None
    for line in README.read_text(encoding="utf-8").splitlines():
        if code is not None:
            if line.startswith("```"):
                out.append((heading, "\n".join(code) + "\n"))
                code = None
            else:
                code.append(line)
        elif line.startswith("```python"):
            code = []
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
    return out


def check_reduction(ns: dict) -> None:
    assert ns["codes"].shape == (397, 8)
    assert ns["err"] < 0.7 * ns["pca_err"]  # "about half"
    np.testing.assert_allclose(ns["same"].transform(ns["X_test"]), ns["codes"], rtol=1e-5)
    assert Path("digits-report.html").stat().st_size > 10_000


def check_table(ns: dict) -> None:
    pred = ns["det"].predict(ns["new"])
    assert pred[0] == 1 and pred[1:].sum() <= 1
    assert ns["det"].explain(ns["new"]).iloc[0].idxmax() == "fee"


def check_series(ns: dict) -> None:
    flags = ns["flags"]
    assert 2000 <= int(np.argmax(ns["scores"])) < 2010
    assert flags[2000:2010].mean() >= 0.5 and flags[:1900].sum() == 0


def check_vae(ns: dict) -> None:
    assert ns["sevens"].shape == (5, 64) and np.isfinite(ns["ll"]).all()


def check_features(ns: dict) -> None:
    assert ns["model"].score(ns["X"][1400:], ns["y"][1400:]) >= 0.85


CHECKS = {
    "Dimensionality reduction": check_reduction,
    "Anomaly detection on a table": check_table,
    "Anomaly detection on a time series": check_series,
    "Generation with a VAE": check_vae,
    "The encoder as a feature extractor": check_features,
}


def test_every_python_block_has_a_check():
    assert [h for h, _ in python_blocks()] == list(CHECKS)


@pytest.fixture
def one_torch_thread():
    """The examples' models are small: one thread avoids waiting on a shared second core."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("heading, code", python_blocks(), ids=[h for h, _ in python_blocks()])
def test_readme_example(heading, code, tmp_path, monkeypatch, capsys, one_torch_thread):
    monkeypatch.chdir(tmp_path)  # examples write files (model, report) into the folder
    ns: dict = {"__name__": "__readme__"}
    exec(compile(code, f"README.md: {heading}", "exec"), ns)  # noqa: S102 - our own README
    CHECKS[heading](ns)
