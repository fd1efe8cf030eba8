"""Mixed-type table encoding: one-hot levels, unseen categories, scaling, saved state."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest

from aekit.anomaly.tabular import MAX_LEVELS, MISSING, TableEncoder


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "amount": rng.lognormal(size=200),
        "kind": rng.choice(["a", "b", "c"], 200),
        "flag": rng.random(200) > 0.5,
        "count": rng.integers(0, 5, 200),
    })  # fmt: skip


def test_types_groups_and_scaling(frame):
    enc = TableEncoder().fit(frame)
    assert enc.numeric_ == [0, 2, 3] and enc.categorical_ == [1]  # booleans are 0/1
    Z = enc.transform(frame)
    assert Z.shape == (200, 3 + 3) and Z.dtype == np.float32
    np.testing.assert_array_equal(enc.groups_, [0, 2, 3, 1, 1, 1])
    # Robust scaling: the numeric columns have median 0 and IQR 1.
    q25, q50, q75 = np.percentile(Z[:, 0], [25, 50, 75])
    assert abs(q50) < 1e-6 and q75 - q25 == pytest.approx(1.0, abs=1e-5)
    # One-hot blocks hold exactly one 1 per row.
    np.testing.assert_array_equal(Z[:, 3:6].sum(axis=1), 1.0)


def test_unseen_level_and_column_order(frame):
    enc = TableEncoder().fit(frame)
    new = frame.head(3).copy()
    new.loc[new.index[0], "kind"] = "never seen"
    with pytest.warns(UserWarning, match="'kind' in 1 of 3 rows \\('never seen'\\)"):
        Z = enc.transform(new[["count", "flag", "kind", "amount"]])  # reordered columns
    np.testing.assert_array_equal(Z[0, 3:6], 0.0)
    np.testing.assert_allclose(Z[1:], enc.transform(frame.head(3))[1:])


def test_values_unseen_in_fit_are_warned_about_by_column(frame):
    # All zeros (no level) can score lower than the right level: a typo, a
    # change of case or a missing value must not pass unnoticed.
    enc = TableEncoder().fit(frame.assign(shade=frame["kind"].str.upper()))
    new = frame.head(11).assign(shade=frame["kind"].head(11).str.upper())
    new["kind"] = ["A"] * 4 + [None] * 3 + ["d"] * 2 + ["e", "b"]
    new.loc[new.index[:2], "shade"] = ["Q", "C"]
    with pytest.warns(UserWarning) as seen:
        Z = enc.transform(new)
    assert len(seen) == 1 and seen[0].filename == __file__
    said = str(seen[0].message)
    assert "'kind' in 10 of 11 rows ('A', a missing value, 'd' and 1 more)" in said
    assert "'shade' in 1 of 11 rows ('Q')" in said
    np.testing.assert_array_equal(Z[[0, 2], 3:6], 0.0)  # still encoded as no level
    with pytest.warns(UserWarning, match=r"'kind' in 1 of 1 rows \(a missing value\)"):
        enc.transform(frame.head(1).assign(kind=None, shade="A"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every level seen: nothing to say
        enc.transform(frame.assign(shade=frame["kind"].str.upper()))


def test_many_levels_get_an_other_column():
    levels = [f"L{i}" for i in range(100)]
    col = pd.Series(np.repeat(levels, np.arange(100, 0, -1)))
    enc = TableEncoder().fit(pd.DataFrame({"c": col}))
    assert enc.other_ == [True] and enc.n_encoded_ == MAX_LEVELS
    Z = enc.transform(pd.DataFrame({"c": ["L0", "L99", "brand new"]}))
    assert Z[0, :-1].sum() == 1 and Z[0, -1] == 0
    assert Z[1, -1] == 1 and Z[2, -1] == 1


def test_state_round_trip(frame):
    enc = TableEncoder("standard").fit(frame)
    again = TableEncoder.from_state(*enc.get_state())
    np.testing.assert_array_equal(again.transform(frame), enc.transform(frame))
    assert again.named_


def test_state_from_before_named_was_kept(frame):
    for X, named in ((frame, True), (frame.to_numpy(), False)):
        plain, arrays = TableEncoder().fit(X).get_state()
        del plain["named"]
        assert TableEncoder.from_state(plain, arrays).named_ is named


def test_booleans_and_their_integers_encode_alike(frame):
    enc = TableEncoder().fit(frame)
    as_int = frame.assign(flag=frame["flag"].astype(int))
    np.testing.assert_array_equal(enc.transform(as_int), enc.transform(frame))


def test_array_fit_reads_frames_by_position():
    X = np.random.default_rng(1).normal(size=(50, 3))
    enc = TableEncoder().fit(X)
    other_names = pd.DataFrame(X, columns=["c", "a", "b"])
    np.testing.assert_array_equal(enc.transform(other_names), enc.transform(X))


def test_object_array_columns_are_typed_one_by_one():
    rng = np.random.default_rng(2)
    X = np.empty((60, 3), dtype=object)
    X[:, 0] = rng.normal(size=60)
    X[:, 1] = rng.choice(["u", "v"], 60)
    X[:, 2] = rng.integers(0, 5, 60)
    enc = TableEncoder().fit(X)
    assert enc.numeric_ == [0, 2] and enc.categorical_ == [1] and enc.levels_ == [["u", "v"]]


def test_missing_values_in_nullable_columns_are_named(frame):
    enc = TableEncoder().fit(frame.assign(count=frame["count"].astype("Int64")))
    bad = frame.assign(count=pd.array([None] + [1] * 199, dtype="Int64"))
    with pytest.raises(ValueError, match=r"\['count'\] contain NaN"):
        enc.transform(bad)


def test_per_column_sums_one_hot_blocks(frame):
    enc = TableEncoder().fit(frame)
    E = np.arange(6.0)[None, :].repeat(2, axis=0)
    np.testing.assert_array_equal(enc.per_column(E)[0], [0, 3 + 4 + 5, 1, 2])


def test_zero_iqr_column_uses_std():
    x = np.zeros((100, 1))
    x[:5] = 1.0
    enc = TableEncoder().fit(x)
    assert enc.scale_[0] == pytest.approx(x.std())


def test_bad_tables(frame):
    enc = TableEncoder().fit(frame)
    with pytest.raises(ValueError, match="lacks the columns"):
        enc.transform(frame.drop(columns="kind"))
    bad = frame.copy()
    bad.loc[0, "amount"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        enc.transform(bad)
    with pytest.raises(ValueError, match="2-D"):
        TableEncoder().fit(np.zeros(5))
    with pytest.raises(ValueError, match="columns"):
        TableEncoder().fit(np.zeros((4, 3))).transform(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="scaler"):
        TableEncoder("minmax")


def test_numbers_held_as_objects_are_numeric(frame):
    # Decimals from a database, or floats left as objects by concat/apply, are
    # numbers: one-hot levels per value would call 1e6 "normal" (the "other" level).
    from decimal import Decimal

    df = frame.assign(amount=frame["amount"].astype(object),
                      count=[Decimal(int(v)) for v in frame["count"]])  # fmt: skip
    enc = TableEncoder().fit(df)
    assert enc.numeric_ == [0, 2, 3] and enc.categorical_ == [1]
    np.testing.assert_allclose(enc.transform(df), TableEncoder().fit_transform(frame), atol=1e-6)


def test_unreadable_columns_are_named(frame):
    with pytest.raises(ValueError, match=r"columns \['when'\] hold dates or times"):
        TableEncoder().fit(frame.assign(when=pd.date_range("2024", periods=200)))
    with pytest.raises(ValueError, match=r"columns \['when'\] hold dates or times"):
        TableEncoder().fit(frame.assign(when=list(pd.date_range("2024", periods=200))))
    with pytest.raises(ValueError, match=r"columns \['nothing'\] hold no values"):
        TableEncoder().fit(frame.assign(nothing=None))
    enc = TableEncoder().fit(frame)
    with pytest.raises(ValueError, match=r"columns \['count'\] are numeric .as fitted."):
        enc.transform(frame.assign(count="noon"))  # only the column at fault is named


def test_values_too_large_for_the_network_are_named(frame):
    enc = TableEncoder().fit(frame)
    with pytest.raises(ValueError, match=r"numeric columns \['amount'\] hold values too large"):
        enc.transform(frame.assign(amount=1e39))


def read_as_csv(values) -> pd.Series:
    """``values`` as pd.read_csv reads them (pandas 3: the 'str' dtype; pandas 2: object)."""
    return pd.read_csv(io.StringIO("v\n" + "\n".join(map(str, values))))["v"]


def test_numbers_with_a_stray_text_are_refused_not_made_levels(frame):
    # One "?" in a numeric column would make every number a level, and a value
    # far outside the training range just another unseen one.
    values = frame["amount"].tolist()
    values[5] = "?"
    for stray in (read_as_csv(values), pd.Series(values, dtype=object)):
        with pytest.raises(ValueError, match=r"'amount' holds numbers but also the text '\?'"):
            TableEncoder().fit(frame.assign(amount=stray))
    for text in (frame["count"].astype(str), frame["count"].astype(str).astype(object)):
        with pytest.raises(ValueError, match="'count' holds numbers written as text"):
            TableEncoder().fit(frame.assign(count=text))
    # Declared text, zero-padded codes and booleans with a word are text.
    for col in (frame["count"].astype("string"), [f"0{v}" for v in frame["count"]],
                [True, False, "unknown", True] * 50):
        assert TableEncoder().fit(frame.assign(count=col)).categorical_ == [1, 3]
    # Declared codes stay levels.
    codes = TableEncoder().fit(frame.assign(count=frame["count"].astype(str).astype("category")))
    assert codes.categorical_ == [1, 3]


def test_missing_text_is_one_level_whatever_its_spelling(frame):
    kind = frame["kind"].astype(object)
    kind.iloc[:3], kind.iloc[3:6], kind.iloc[6:9] = None, np.nan, pd.NA
    enc = TableEncoder().fit(frame.assign(kind=kind))
    assert enc.levels_ == [[MISSING, "a", "b", "c"]]
    Z = enc.transform(frame.assign(kind=kind).iloc[:9])
    np.testing.assert_array_equal(Z[:, 3:], np.tile([1.0, 0.0, 0.0, 0.0], (9, 1)))
    # A batch to score may lack a text column's values altogether.
    assert enc.transform(frame.assign(kind=None).iloc[:2]).shape == (2, 7)


def test_columns_no_model_can_read_are_refused_at_fit_and_at_scoring(frame):
    enc = TableEncoder().fit(frame)
    for bad, what in (
        (frame["amount"] + 1j, "complex numbers"),
        (pd.Series([[1, 2]] * len(frame)), "lists, dicts or arrays"),
        (pd.to_timedelta(np.arange(len(frame)), unit="s"), "dates or times"),
    ):
        with pytest.raises(ValueError, match=rf"columns \['amount'\] hold {what}"):
            TableEncoder().fit(frame.assign(amount=bad))
        with pytest.raises(ValueError, match=rf"columns \['amount'\] hold {what}"):
            enc.transform(frame.assign(amount=bad))


def test_a_spread_that_overflows_is_refused():
    x = np.zeros((100, 1))
    x[:5] = 1e200
    with pytest.raises(ValueError, match=r"\['x0'\] hold values too large to scale"):
        TableEncoder().fit(x)


def test_a_column_like_an_identifier_is_warned_about(frame):
    ids = frame.assign(user=[f"u{i}" for i in range(len(frame))])
    with pytest.warns(UserWarning, match=r"'user' has 200 different values in 200 rows"):
        TableEncoder().fit(ids)
