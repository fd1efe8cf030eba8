"""The JSON codec of model files: lossless for plain values, closed to everything else."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from aekit.io.codec import TAG, DecodeError, decode, encode


def _through_json(value, arrays=None):
    text = json.dumps(encode(value, "v", arrays), allow_nan=False)
    return decode(json.loads(text), arrays)


def test_plain_values_round_trip():
    value = {
        "tuple": (1, (2.5, "a"), None),
        "int_keys": {2: 0.5, 4: [True, False]},
        "floats": [math.inf, -math.inf, 1e-300],
        "numpy": [np.int64(3), np.float32(0.5), np.bool_(True)],
        "strings": np.array(["d0", "d10"]),
        "objects": np.array(["a", 1], dtype=object),
        TAG + "x": 1,
    }
    out = _through_json(value)
    assert out["tuple"] == (1, (2.5, "a"), None)
    assert out["int_keys"] == {2: 0.5, 4: [True, False]}
    assert out["floats"] == [math.inf, -math.inf, 1e-300]
    assert out["numpy"] == [3, 0.5, True] and type(out["numpy"][0]) is int
    assert out["strings"].dtype == np.dtype("<U3") and out["strings"].tolist() == ["d0", "d10"]
    assert out["objects"].dtype == object and out["objects"].tolist() == ["a", 1]
    assert math.isnan(_through_json(float("nan")))


def test_numeric_arrays_go_aside():
    arrays = {}
    a = np.arange(6, dtype=np.int16).reshape(2, 3)
    doc = encode({"a": a}, "state", arrays)
    assert doc == {"a": {TAG: "array", "key": "state.a"}} and arrays["state.a"] is a
    np.testing.assert_array_equal(decode(doc, arrays)["a"], a)
    with pytest.raises(DecodeError, match="no array 'state.a'"):
        decode(doc, {})


@pytest.mark.parametrize("value", [
    {1: np.zeros(2), "1": np.ones(2)},
    {"a.b": np.zeros(2), "a": {"b": np.ones(2)}},
])  # fmt: skip
def test_arrays_whose_names_print_alike_are_refused(value):
    # The second array replaced the first: both keys loaded with one value.
    with pytest.raises(ValueError, match="state.a?.?[1b]: two arrays of the state to save"):
        encode(value, "state", {})


def test_other_objects_are_refused():
    with pytest.raises(TypeError, match="v.f: a value of type function"):
        encode({"f": lambda: 0}, "v")
    with pytest.raises(TypeError, match="dtype complex128"):
        encode(np.array([1j]), "v")


@pytest.mark.parametrize(
    "doc",
    [
        {TAG: "function", "name": "os.system"},
        {TAG: "ndarray", "dtype": "V8", "shape": [1], "data": [0]},
        {TAG: "float", "value": "__import__('os')"},
        {TAG: "estimator", "class": "AutoEncoder", "params": {}},  # no unpacker given
    ],
)
def test_unknown_or_malformed_tags_are_refused(doc):
    with pytest.raises(DecodeError):
        decode(doc)
