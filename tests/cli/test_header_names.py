"""A first row of numbers only: pandas' default names are names; other numbers may be data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from aekit.readers import DataError, read_data


@pytest.mark.parametrize("sep, name", [(",", "x.csv"), ("\t", "x.tsv")])
def test_pandas_default_header_is_read_as_names_without_a_warning(tmp_path, sep, name):
    X = np.random.default_rng(0).normal(size=(5, 12))
    pd.DataFrame(X).to_csv(tmp_path / name, index=False, sep=sep)  # header 0,1,...,11
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = read_data(tmp_path / name)
    assert data.X.columns.tolist() == [str(i) for i in range(12)]
    np.testing.assert_allclose(data.X.to_numpy(dtype=float), X)  # no row lost or added


def test_pandas_default_header_gives_no_advice_in_the_cli(aekit, tmp_path):
    data, m = tmp_path / "pd.csv", tmp_path / "m.aekit"
    pd.DataFrame(np.random.default_rng(1).normal(size=(40, 6))).to_csv(data, index=False)
    r = aekit("fit", data, "-o", m, "--epochs", "2", "--latent-dim", "2")
    assert r.code == 0 and "first row" not in r.err and "--no-header" not in r.err, r
    r = aekit("score", m, data)
    assert r.code == 0 and "first row" not in r.err and "--no-header" not in r.err, r


@pytest.mark.parametrize("header", ["1,2,3", "0,2,1", "0,1,3", "0.0,1.0,2.0", "3,7,1"])
def test_other_first_rows_of_numbers_still_warn(tmp_path, header):
    (tmp_path / "h.csv").write_text(f"{header}\n1.5,2.5,3.5\n")
    shown = header.replace(",", ", ")
    with pytest.warns(UserWarning, match=rf"first row \({shown}\) holds only numbers"):
        read_data(tmp_path / "h.csv")


def test_a_repeated_number_is_still_refused(tmp_path):
    (tmp_path / "r.csv").write_text("0,1,1\n1,2,3\n")
    with pytest.raises(DataError, match="more than one column is named '1'.*--no-header"):
        read_data(tmp_path / "r.csv")
