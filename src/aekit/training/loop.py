"""One training loop for every model in aekit.

The whole in-memory data set lives as one tensor on the device. Each epoch
draws one permutation and gathers each batch's rows by index: for the small
models autoencoders usually are, per-batch overhead (a DataLoader's collation,
a ``.item()`` per step) would cost more than the arithmetic.
"""

from __future__ import annotations

import contextlib
import logging
import math
import numbers
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from aekit._params import is_count, is_real
from aekit._warnings import warn_user
from aekit.training.device import make_generator, resolve_device
from aekit.training.memory import hold_freed_memory
from aekit.training.objective import Objective
from aekit.training.precision import autocast_for, check_precision
from aekit.training.progress import ProgressBar

logger = logging.getLogger(__name__)

OPTIMIZERS = ("adam", "adamw")


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss.

    :func:`train` puts the best weights so far back into the module it
    trained; an estimator's ``fit`` then leaves the estimator as it was
    before the call (see :mod:`aekit._atomic`).
    """



@dataclass
class TrainConfig:
    """Settings of :func:`train`.

    Parameters
    ----------
    epochs : int
        Maximum number of passes over the training data.
    batch_size : int
    lr : float
        Learning rate.
    optimizer : {'adam', 'adamw'}
    weight_decay : float
        L2 penalty (Adam) or decoupled weight decay (AdamW).
    validation_fraction : float
        Share of the rows held out to monitor early stopping, in ``[0, 1)``.
    patience : int or None
        Stop after this many epochs without improvement of the monitored loss
        (validation if any, else training) and restore the best weights; None
        trains every epoch and keeps the last weights.
    min_delta : float
        Smallest decrease that counts as an improvement.
    grad_clip : float or None
        Clip the global gradient norm to this value.
    seed : int or None
        Seed of the batch order, split, noise and sampling.
    device : str
        ``'auto'``, ``'cpu'``, ``'cuda'``...
    precision : {'float32', 'bf16-mixed'}
        'bf16-mixed' runs the forward pass under bfloat16 autocast (weights,
        optimiser and losses stay float32): several times faster matmuls on
        hardware with native bfloat16, results close to but not bit-equal
        with float32.
    verbose : int
        0 silent, 1 progress bar (on a terminal), 2 also a log line per epoch.
    """

    epochs: int = 100
    batch_size: int = 128
    lr: float = 1e-3
    optimizer: str = "adam"
    weight_decay: float = 0.0
    validation_fraction: float = 0.1
    patience: int | None = 10
    min_delta: float = 0.0
    grad_clip: float | None = None
    seed: int | None = 0
    device: str = "auto"
    precision: str = "float32"
    verbose: int = 0

    def __post_init__(self) -> None:
        checks = {  # name: (predicate, what it must be); a wrong type cannot crash a predicate
            "epochs": (is_count, "an integer >= 1"),
            "batch_size": (is_count, "an integer >= 1"),
            "lr": (lambda v: is_real(v) and v > 0, "a number > 0"),
            "weight_decay": (lambda v: is_real(v) and v >= 0, "a number >= 0"),
            "validation_fraction": (lambda v: is_real(v) and 0 <= v < 1, "a number in [0, 1)"),
            "patience": (lambda v: v is None or is_count(v), "an integer >= 1 or None"),
            "min_delta": (lambda v: is_real(v) and v >= 0, "a number >= 0"),
            "grad_clip": (lambda v: v is None or (is_real(v) and v > 0), "a number > 0 or None"),
            "verbose": (lambda v: isinstance(v, numbers.Integral) and v >= 0,
                        "an integer >= 0 (0 quiet, 1 a progress bar, 2 also a line per epoch)"),
        }
        for name, (holds, must) in checks.items():
            value = getattr(self, name)
            if not holds(value):
                raise ValueError(f"{name} must be {must}, got {value!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        check_precision(self.precision)


@dataclass
class TrainResult:
    """What :func:`train` returns: per-epoch history of every term, and the epoch kept.

    ``best_epoch`` is the epoch whose weights the model holds at the end: the
    best monitored one with early stopping (``patience``), else the last.
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = 0
    n_epochs: int = 0


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """Adam or AdamW, using the fused kernel where this torch build has one."""
    cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    params = [p for p in model.parameters() if p.requires_grad]
    try:
        return cls(params, lr=config.lr, weight_decay=config.weight_decay, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return cls(params, lr=config.lr, weight_decay=config.weight_decay)


def split_validation(
    n: int,
    fraction: float,
    generator: torch.Generator,
    device: torch.device,
    early_stopping: bool = True,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Random train/validation row indices; no validation when too few rows (with a warning)."""
    n_val = int(round(n * fraction))
    if fraction == 0 or n_val < 1 or n - n_val < 1:
        if fraction > 0:
            watch = ", and early stopping watches the training loss" if early_stopping else ""
            warn_user(
                f"validation_fraction={fraction:g} of {n} rows leaves no row "
                f"{'to hold out' if n_val < 1 else 'to train on'}: all {n} train{watch}"
            )
        return torch.arange(n, device=device), None
    perm = torch.randperm(n, generator=generator, device=device)
    return perm[n_val:], perm[:n_val]


def _memory_format(x: torch.Tensor, device: torch.device) -> torch.memory_format:
    """Layout to train in: channels-last for image batches ``(N, C, H, W)`` on the CPU.

    oneDNN's CPU convolutions work natively in channels-last; with the default
    layout every convolution and pooling call reorders its tensors first (about
    a third of a conv autoencoder's training time, measured by
    benchmarks/conv_speed.py). Values are unchanged, only their order in memory.
    """
    if x.dim() == 4 and device.type == "cpu":
        return torch.channels_last
    return torch.contiguous_format


def _snapshot(
    model: nn.Module, into: dict[str, torch.Tensor] | None = None
) -> dict[str, torch.Tensor]:
    """A copy of the weights; written over ``into`` when given, so no second copy is held."""
    if into is None:
        return {k: v.detach().clone() for k, v in model.state_dict().items()}
    for k, v in model.state_dict().items():
        into[k].copy_(v)
    return into


@torch.no_grad()
def evaluate(
    model: nn.Module,
    objective: Objective,
    x: torch.Tensor,
    c: torch.Tensor | None,
    batch_size: int,
    generator: torch.Generator | None = None,
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> dict[str, float]:
    """Mean of every loss term over ``x`` in eval mode (full KL weight).

    Parameters
    ----------
    model, objective
        As in :func:`train`.
    x : torch.Tensor
        ``(N, *input_shape)`` on the model's device.
    c : torch.Tensor or None
        ``(N,)`` class labels of a conditional model.
    batch_size : int
    generator : torch.Generator, optional
    autocast : callable, optional
        Factory of the context the forward pass runs in (see
        :func:`aekit.training.precision.autocast_for`).

    Returns
    -------
    dict of str to float
    """
    was_training = model.training
    model.eval()
    sums: dict[str, torch.Tensor] = {}
    for s in range(0, len(x), batch_size):
        xb = x[s : s + batch_size]
        cb = None if c is None else c[s : s + batch_size]
        with autocast():
            terms = objective(model, xb, cb, progress=math.inf, generator=generator)
        for k, v in terms.items():
            sums[k] = sums.get(k, 0.0) + v * len(xb)
    model.train(was_training)
    return {k: float(v) / len(x) for k, v in sums.items()}


def train(
    model: nn.Module,
    objective: Objective,
    x: torch.Tensor,
    c: torch.Tensor | None = None,
    config: TrainConfig | None = None,
    callback: Callable[[int, dict[str, float]], None] | None = None,
) -> TrainResult:
    """Train ``model`` in place to minimise ``objective`` on ``x``.

    Parameters
    ----------
    model : AutoEncoderModule
        Moved to the configured device.
    objective : Objective
        Loss terms; ``objective(model, xb, cb, progress, generator)['loss']`` is minimised.
    x : torch.Tensor
        ``(N, *input_shape)`` float training data (any device; copied once to the
        training device).
    c : torch.Tensor, optional
        ``(N,)`` integer class labels for a conditional model.
    config : TrainConfig, optional
    callback : callable, optional
        ``callback(epoch, row)`` after each epoch, with the 1-based epoch
        number and that epoch's terms (the row appended to the history). It
        may raise to stop training (for example to prune a hyperparameter
        trial); the exception propagates to the caller.

    Returns
    -------
    TrainResult
        History with one value per epoch for every term, ``'val_'``-prefixed
        for the validation rows.

    Raises
    ------
    NonFiniteLossError
        If a loss becomes NaN or infinite; the best weights so far are restored
        first.
    """
    cfg = config or TrainConfig()
    device = resolve_device(cfg.device)
    fmt = _memory_format(x, device)
    model.to(device=device, memory_format=fmt)
    x = x.to(device).contiguous(memory_format=fmt)
    c = None if c is None else c.to(device)
    gen = make_generator(cfg.seed, device)
    autocast = autocast_for(cfg.precision, device)
    tr_idx, va_idx = split_validation(
        len(x), cfg.validation_fraction, gen, device, early_stopping=cfg.patience is not None
    )
    if va_idx is None:  # no split: train on x itself, batches below are copies anyway
        x_tr, x_va, c_tr, c_va = x, None, c, None
    else:
        x_tr, x_va = x[tr_idx], x[va_idx]
        c_tr = None if c is None else c[tr_idx]
        c_va = None if c is None else c[va_idx]
    n = len(x_tr)
    optimizer = make_optimizer(model, cfg)
    params = [p for p in model.parameters() if p.requires_grad]
    result = TrainResult()
    hist = result.history
    best, best_state, waited = math.inf, None, 0
    # Batch norm cannot train on a batch of one row: a last batch of one is
    # skipped (rare), and one training row in all is refused.
    batch_norm = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
    if batch_norm and n < 2:
        held = len(x) - n
        where = f"X has {n}" if not held else (
            f"{n} is left after holding out {held} for validation "
            f"(validation_fraction={cfg.validation_fraction})"
        )
        raise ValueError(f"batch_norm needs at least 2 training rows; {where}")
    last_ok = not batch_norm or n % cfg.batch_size != 1
    used = n if last_ok else n - 1  # the rows each epoch trains on
    bar = ProgressBar(cfg.epochs, enabled=cfg.verbose >= 1 and sys.stderr.isatty())
    release_memory = hold_freed_memory()
    try:
        for epoch in range(cfg.epochs):
            model.train()
            perm = torch.randperm(n, generator=gen, device=device)
            sums: dict[str, torch.Tensor] = {}
            for s in range(0, n, cfg.batch_size):
                # A gather per batch rather than per epoch: no second copy of the
                # data set, and the batch is still in cache for the forward pass.
                # index_select is about 3x faster than x_tr[idx] for rows on the
                # CPU, but returns the default layout, so channels-last images use x_tr[idx].
                idx = perm[s : s + cfg.batch_size]
                if len(idx) == 1 and not last_ok:
                    continue
                xb = x_tr[idx] if fmt is torch.channels_last else x_tr.index_select(0, idx)
                cb = None if c_tr is None else c_tr.index_select(0, idx)
                # Before the forward pass: the last step's gradients are then freed
                # while this step's activations are allocated, which lowers the peak.
                optimizer.zero_grad(set_to_none=True)
                with autocast():
                    terms = objective(model, xb, cb, progress=epoch + s / n, generator=gen)
                terms["loss"].backward()
                if cfg.grad_clip is not None:
                    torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
                optimizer.step()
                for k, v in terms.items():
                    sums[k] = sums.get(k, 0.0) + v.detach() * len(xb)
            row = {k: float(v) / used for k, v in sums.items()}
            if x_va is not None:
                val = evaluate(
                    model, objective, x_va, c_va, 8 * cfg.batch_size, gen, autocast
                )
                row.update({f"val_{k}": v for k, v in val.items()})
            for k, v in row.items():
                hist.setdefault(k, []).append(v)
            result.n_epochs = epoch + 1
            monitored = row.get("val_loss", row["loss"])
            if not all(math.isfinite(v) for v in row.values()):
                if best_state is not None:
                    model.load_state_dict(best_state)
                bad = ", ".join(f"{k}={v}" for k, v in row.items() if not math.isfinite(v))
                raise NonFiniteLossError(
                    f"non-finite loss in epoch {epoch + 1} ({bad}); try a lower learning rate, "
                    "gradient clipping or scaled inputs"
                )
            if monitored < best - cfg.min_delta:
                best, waited, result.best_epoch = monitored, 0, epoch + 1
                best_state = _snapshot(model, into=best_state)
            else:
                waited += 1
            bar.update(row)
            if cfg.verbose >= 2:
                logger.info("epoch %d: %s", epoch + 1, row)
            if callback is not None:
                callback(epoch + 1, row)
            if cfg.patience is not None and waited >= cfg.patience:
                break
    finally:
        bar.close()
        model.eval()
        model.to(memory_format=torch.contiguous_format)  # safetensors, ONNX and views expect it
        release_memory()
    if cfg.patience is not None and best_state is not None:
        model.load_state_dict(best_state)
    else:
        result.best_epoch = result.n_epochs  # no early stopping: the last weights are kept
    return result
