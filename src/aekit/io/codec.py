"""Plain values <-> standard JSON, with numeric arrays kept aside for safetensors.

JSON has no tuples, no non-string keys, no NaN and no arrays; the few Python
values an estimator's parameters and fitted state need that JSON lacks are
written as small tagged objects ``{"__aekit__": <tag>, ...}``. Decoding only
ever builds plain data (numbers, strings, lists, dicts, tuples, numpy arrays)
or, through the caller's whitelist, an aekit estimator: a file cannot name a
type or a function to run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

#: Key marking a tagged object.
TAG = "__aekit__"

#: numpy dtype kinds that may be stored as JSON lists: bool, ints, floats,
#: unicode strings and objects (whose items are encoded one by one).
_JSON_KINDS = "biufUO"
#: numpy dtype kinds that safetensors stores natively.
_TENSOR_KINDS = "biuf"

Packer = Callable[[Any, str], dict]
Unpacker = Callable[[dict], Any]


class DecodeError(ValueError):
    """The JSON holds a value this version cannot turn back into Python."""


def encode(
    value: Any,
    where: str,
    arrays: dict[str, np.ndarray] | None = None,
    pack: Packer | None = None,
) -> Any:
    """Turn ``value`` into standard JSON data.

    Parameters
    ----------
    value : object
        None, bool, int, float, str, tuple, list, dict, numpy scalar or array,
        or (through ``pack``) an estimator.
    where : str
        Dotted path of the value, used in error messages and as the name of an
        array moved to ``arrays``.
    arrays : dict or None
        When given, numeric arrays are moved here under the key ``where`` and
        replaced by a reference; otherwise they are written as JSON lists.
    pack : callable or None
        ``pack(estimator, where) -> dict`` for scikit-learn estimators.

    Returns
    -------
    object
        Data that ``json.dumps(..., allow_nan=False)`` accepts.

    Raises
    ------
    TypeError
        For a value of any other type, naming ``where``.
    ValueError
        When a numeric array would take a name already in ``arrays``.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else {TAG: "float", "value": repr(f)}
    if isinstance(value, tuple):
        items = [encode(v, f"{where}.{i}", arrays, pack) for i, v in enumerate(value)]
        return {TAG: "tuple", "items": items}
    if isinstance(value, list):
        return [encode(v, f"{where}.{i}", arrays, pack) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        if all(isinstance(k, str) for k in value) and TAG not in value:
            return {k: encode(v, f"{where}.{k}", arrays, pack) for k, v in value.items()}
        items = [
            [encode(k, f"{where}.{k}", None, None), encode(v, f"{where}.{k}", arrays, pack)]
            for k, v in value.items()
        ]
        return {TAG: "dict", "items": items}
    if isinstance(value, np.ndarray):
        return _encode_array(value, where, arrays, pack)
    if pack is not None and hasattr(value, "get_params"):
        return pack(value, where)
    raise TypeError(
        f"{where}: a value of type {type(value).__name__} cannot be stored in a model file; "
        "allowed are None, bool, int, float, str, tuple, list, dict, numpy arrays and "
        "aekit estimators"
    )


def put_array(arrays: dict[str, Any], name: str, value: Any) -> None:
    """Add ``value`` to ``arrays`` as ``name``, refusing a name already taken.

    Names are dotted paths of the keys leading to an array, so different keys
    can print alike (``1`` and ``"1"``, ``"a.b"`` and ``{"a": {"b": ...}}``);
    a second array of the same name would replace the first, and the file
    would load one value in both places.

    Parameters
    ----------
    arrays : dict of str to array
        The arrays of one model file so far.
    name : str
        The array's name in the file.
    value : ndarray or torch.Tensor

    Raises
    ------
    ValueError
        If ``arrays`` already holds ``name``.
    """
    if name in arrays:
        raise ValueError(
            f"{name}: two arrays of the state to save get this name in the model file "
            "(keys such as 1 and '1', or 'a.b' and 'a' holding 'b', are written alike): "
            "give them keys that differ as text"
        )
    arrays[name] = value


def _encode_array(a: np.ndarray, where: str, arrays, pack) -> dict:
    if arrays is not None and a.dtype.kind in _TENSOR_KINDS:
        put_array(arrays, where, a)
        return {TAG: "array", "key": where}
    if a.dtype.kind not in _JSON_KINDS:
        raise TypeError(f"{where}: arrays of dtype {a.dtype} cannot be stored in a model file")
    data = [encode(v, where, None, pack) for v in a.ravel().tolist()]
    return {TAG: "ndarray", "dtype": a.dtype.str, "shape": list(a.shape), "data": data}


def decode(
    value: Any,
    arrays: Mapping[str, np.ndarray] | None = None,
    unpack: Unpacker | None = None,
) -> Any:
    """Inverse of :func:`encode`.

    Parameters
    ----------
    value : object
        Data read by ``json.loads``.
    arrays : mapping or None
        The arrays :func:`encode` moved aside, by key.
    unpack : callable or None
        ``unpack(doc) -> estimator`` for tagged estimators; it must only build
        whitelisted classes.

    Raises
    ------
    DecodeError
        For an unknown tag, a missing array or a malformed tagged object.
    """
    if isinstance(value, list):
        return [decode(v, arrays, unpack) for v in value]
    if not isinstance(value, dict):
        return value
    if TAG not in value:
        return {k: decode(v, arrays, unpack) for k, v in value.items()}
    try:
        return _decode_tagged(value, arrays, unpack)
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, DecodeError):
            raise
        raise DecodeError(f"malformed {value.get(TAG)!r} entry: {e}") from None


def _decode_tagged(value: dict, arrays, unpack) -> Any:
    tag = value[TAG]
    if tag == "float":
        if value["value"] not in ("nan", "inf", "-inf"):
            raise DecodeError(f"bad non-finite float {value['value']!r}")
        return float(value["value"])
    if tag == "tuple":
        return tuple(decode(v, arrays, unpack) for v in value["items"])
    if tag == "dict":
        return {decode(k, arrays, unpack): decode(v, arrays, unpack) for k, v in value["items"]}
    if tag == "array":
        key = value["key"]
        if arrays is None or key not in arrays:
            raise DecodeError(f"the weights file has no array {key!r}")
        return arrays[key]
    if tag == "ndarray":
        dtype = np.dtype(value["dtype"])
        if dtype.kind not in _JSON_KINDS:
            raise DecodeError(f"arrays of dtype {dtype} are not allowed")
        data = [decode(v, arrays, unpack) for v in value["data"]]
        out = np.empty(len(data), dtype=dtype)
        out[:] = data
        return out.reshape([int(s) for s in value["shape"]])
    if tag in ("estimator", "ref") and unpack is not None:
        return unpack(value)
    raise DecodeError(f"unknown entry type {tag!r} (written by a newer aekit?)")
