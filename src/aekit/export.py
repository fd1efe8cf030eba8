"""ONNX export of a fitted autoencoder's encoder and decoder.

``to_onnx(est, "model.onnx")`` writes two files beside each other:

``model.encoder.onnx``
    input ``x``: float32 ``(batch, *input_shape_)`` in the units of the data
    given to ``fit`` (for example ``(batch, 28, 28)`` images or ``(batch, d)``
    table rows); output ``code``: float32 ``(batch, latent_dim_)``, what
    ``est.transform`` returns (the posterior mean for a VAE).
``model.decoder.onnx``
    input ``code``: float32 ``(batch, latent_dim_)``; output ``x_hat``: float32
    ``(batch, *input_shape_)`` in input units, what ``est.inverse_transform``
    returns.

The estimator's scaler is part of both graphs (as constant operations), so
no pre- or post-processing is needed. A conditional VAE's graphs take a
second input ``label``: int64 ``(batch,)`` positions in ``est.classes_``
(``np.searchsorted(est.classes_, y)``, after checking that every ``y`` is in
``est.classes_``: the graph does not check, and searchsorted gives an unknown
class a neighbour's position). The batch dimension is dynamic. Each
file's metadata (``metadata_props``) records the aekit version, the
estimator, the input shape, the code size and the classes.
"""

from __future__ import annotations

import copy
import errno
import importlib.util
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from aekit._params import check_flag, is_count
from aekit._version import __version__

#: Oldest opset the torch.export-based exporter writes (older ones give invalid files).
MIN_DYNAMO_OPSET = 18
#: torch's exporter logger that reports skipped torchvision operators.
REGISTRY_LOGGER = "torch.onnx._internal.exporter._registration"


class _Scaler(nn.Module):
    """The estimator's scaler as tensor arithmetic on ``(B, *input_shape_)`` data."""

    def __init__(self, scaling, input_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.kind = None if scaling is None else scaling.kind
        if scaling is None:
            return
        s = scaling.scaler
        shape = scaling.param_shape(input_shape)
        # Same arithmetic, in the same order, as the scikit-learn scaler.
        offset, scale = (s.mean_, s.scale_) if self.kind == "standard" else (s.min_, s.scale_)
        self.register_buffer("offset", torch.tensor(np.reshape(offset, shape), dtype=torch.float32))
        self.register_buffer("scale", torch.tensor(np.reshape(scale, shape), dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw ``(B, ...)`` -> scaled, same shape."""
        if self.kind == "standard":
            return (x - self.offset) / self.scale
        if self.kind == "minmax":
            return x * self.scale + self.offset
        return x

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        """Scaled ``(B, ...)`` -> raw, same shape."""
        if self.kind == "standard":
            return x * self.scale + self.offset
        if self.kind == "minmax":
            return (x - self.offset) / self.scale
        return x


class _Encoder(nn.Module):
    """Raw ``(B, *input_shape_)`` [+ label ``(B,)``] -> code ``(B, latent_dim)``."""

    def __init__(self, module, scaler: _Scaler) -> None:
        super().__init__()
        self.module, self.scaler = module, scaler

    def forward(self, x: torch.Tensor, label: torch.Tensor | None = None) -> torch.Tensor:
        x = self.scaler(x).reshape(x.shape[0], *self.module.config.input_shape)
        z = self.module.encode(x, label)
        return z[0] if self.module.config.variational else z


class _Decoder(nn.Module):
    """Code ``(B, latent_dim)`` [+ label ``(B,)``] -> raw ``(B, *input_shape_)``."""

    def __init__(self, module, scaler: _Scaler, input_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.module, self.scaler, self.input_shape = module, scaler, tuple(input_shape)

    def forward(self, code: torch.Tensor, label: torch.Tensor | None = None) -> torch.Tensor:
        out = self.module.activate(self.module.decode(code, label))
        return self.scaler.inverse(out.reshape(code.shape[0], *self.input_shape))


def onnx_paths(path: str | Path) -> tuple[Path, Path]:
    """The encoder and decoder files for ``path``: ``<stem>.encoder.onnx``, ``<stem>.decoder.onnx``.

    A trailing ``.onnx`` is dropped from ``path`` to make the stem.
    """
    path = Path(path)
    stem = path.with_suffix("") if path.suffix == ".onnx" else path
    return (
        stem.with_name(stem.name + ".encoder.onnx"),
        stem.with_name(stem.name + ".decoder.onnx"),
    )


def to_onnx(
    estimator, path: str | Path, *, opset_version: int | None = None, dynamo: bool | None = None
) -> tuple[Path, Path]:
    """Export a fitted autoencoder's encoder and decoder to two ONNX files.

    Parameters
    ----------
    estimator : AutoEncoder or VAE
        Fitted.
    path : str or path-like
        ``model.onnx`` (or ``model``) writes ``model.encoder.onnx`` and
        ``model.decoder.onnx``; see the module docstring for their inputs and
        outputs.
    opset_version : int, optional
        ONNX opset; the exporter's default when None.
    dynamo : bool, optional
        Use torch's ``torch.export``-based exporter (needs ``onnxscript``)
        rather than the older TorchScript one; by default, when onnxscript is
        installed.

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The encoder and decoder files.

    Raises
    ------
    ImportError
        If the ``onnx`` package is missing (``pip install 'aekit[onnx]'``).
    TypeError
        If ``estimator`` is not an AutoEncoder or a VAE.
    ValueError
        If ``opset_version`` is not an integer >= 1 or is older than the
        torch.export exporter writes, or ``dynamo`` is not None, True or False.
    """
    from aekit.estimators.base import BaseAutoEncoder

    if not isinstance(estimator, BaseAutoEncoder):
        raise TypeError(
            f"to_onnx exports an AutoEncoder or a VAE, got {type(estimator).__name__}; a "
            "detector's networks are its estimators_ (exporting them leaves out its encoding "
            "of the input and its scoring)"
        )
    check_is_fitted(estimator, "module_")
    if opset_version is not None:
        # A string or a float would fail inside torch's exporter, after it prints the graph.
        if not is_count(opset_version):
            raise ValueError(
                f"opset_version must be None or an integer >= 1, got {opset_version!r}"
            )
        opset_version = int(opset_version)
    if dynamo is not None:
        dynamo = check_flag("dynamo", dynamo)
    if importlib.util.find_spec("onnx") is None:
        raise ImportError("ONNX export needs the onnx package: pip install 'aekit[onnx]'")
    if dynamo is None:
        dynamo = importlib.util.find_spec("onnxscript") is not None
    if dynamo and opset_version is not None and opset_version < MIN_DYNAMO_OPSET:
        raise ValueError(
            f"opset_version={opset_version}: the torch.export exporter writes opset "
            f"{MIN_DYNAMO_OPSET} or newer; pass dynamo=False for an older opset"
        )
    module = copy.deepcopy(estimator.module_).cpu().eval()
    shape = tuple(estimator.input_shape_)
    scaler = _Scaler(estimator.scaler_, shape)
    conditional = bool(module.config.n_classes)
    label = (torch.arange(2) % module.config.n_classes,) if conditional else ()
    enc_path, dec_path = onnx_paths(path)
    if not enc_path.parent.is_dir():
        raise FileNotFoundError(
            errno.ENOENT, "the folder to write the ONNX files in does not exist",
            str(enc_path.parent),
        )  # fmt: skip
    x = torch.zeros(2, *shape)
    code = torch.zeros(2, estimator.latent_dim_)
    encoder, decoder = _Encoder(module, scaler), _Decoder(module, scaler, shape)
    meta = {
        "aekit_version": __version__,
        "estimator": type(estimator).__name__,
        "input_shape": json.dumps(list(shape)),
        "latent_dim": str(estimator.latent_dim_),
        "classes": json.dumps(np.asarray(getattr(estimator, "classes_", [])).tolist()),
    }
    # Written in a folder beside the outputs and moved into place once both are
    # checked: a failed export leaves nothing, and the exporter's separate weight
    # files (".onnx.data"), which _annotate folds into each .onnx, go with the folder.
    with tempfile.TemporaryDirectory(dir=enc_path.parent, prefix=".aekit-onnx-") as tmp:
        enc_tmp, dec_tmp = Path(tmp) / enc_path.name, Path(tmp) / dec_path.name
        _export(encoder, (x, *label), enc_tmp, ["x"], "code", opset_version, dynamo)
        _export(decoder, (code, *label), dec_tmp, ["code"], "x_hat", opset_version, dynamo)
        for p in (enc_tmp, dec_tmp):
            _annotate(p, meta)
        os.replace(enc_tmp, enc_path)
        os.replace(dec_tmp, dec_path)
    return enc_path, dec_path


def _export(graph, args, path: Path, names: list[str], output: str, opset, dynamo: bool) -> None:
    names = names + ["label"] * (len(args) - 1)
    graph.eval()
    common = dict(input_names=names, output_names=[output], opset_version=opset)
    with torch.no_grad(), warnings.catch_warnings():
        # The TorchScript exporter says it is deprecated (it is used only when
        # onnxscript is missing); torch.export warns that the inputs' batch axes,
        # which share one Dim, get one name, and about its own internals. None of
        # it concerns the user.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*axis name", category=UserWarning)
        warnings.filterwarnings("ignore", message=".*LeafSpec", category=FutureWarning)
        # The exporter logs four "torchvision is not installed" lines per graph:
        # aekit uses no torchvision operator.
        registry = logging.getLogger(REGISTRY_LOGGER)
        level = registry.level
        registry.setLevel(logging.ERROR)
        try:
            _run_export(graph, args, path, names, output, dynamo, common)
        finally:
            registry.setLevel(level)


def _run_export(graph, args, path: Path, names, output: str, dynamo: bool, common: dict) -> None:
    """One ``torch.onnx.export`` call: torch.export with a dynamic batch, or TorchScript."""
    if dynamo:
        batch = torch.export.Dim("batch")
        dims = tuple({0: batch} for _ in args)
        torch.onnx.export(
            graph, args, str(path), dynamo=True, dynamic_shapes=dims, verbose=False, **common
        )
    else:
        axes = {n: {0: "batch"} for n in [*names, output]}
        torch.onnx.export(graph, args, str(path), dynamo=False, dynamic_axes=axes, **common)


def _annotate(path: Path, meta: dict[str, str]) -> None:
    import onnx

    model = onnx.load(str(path))
    for k, v in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
