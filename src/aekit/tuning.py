"""Hyperparameter search for aekit estimators, built on Optuna.

``tune`` holds out part of the data, trains one estimator per trial with
parameters drawn from a search space, reports the validation loss of every
epoch so Optuna can stop (prune) unpromising trials early, scores each
finished trial by the held-out reconstruction error and refits the best
parameters on all the data.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_consistent_length, column_or_1d

from aekit._params import check_flag, is_count, is_real
from aekit.estimators._data import resolve_architecture
from aekit.estimators._settings import default_latent_dim
from aekit.estimators.base import BaseAutoEncoder
from aekit.estimators.vae import _no_missing
from aekit.training import NonFiniteLossError

logger = logging.getLogger(__name__)

#: Base widths of the first dense layer (each further layer halves it).
DENSE_WIDTHS = (64, 128, 256, 512)
#: Channels of the first conv stage (each further stage doubles it, up to 128).
CONV_CHANNELS = (16, 32, 64)

SpaceCallable = Callable[[Any], dict]


#: Fewest rows left to train each trial on (the estimator splits off its own validation rows).
MIN_TRAIN_ROWS = 4

def _import_optuna():
    try:
        import optuna
    except ImportError as exc:
        raise ImportError(
            "aekit.tune needs Optuna, which is not installed: pip install aekit[tune]"
        ) from exc
    return optuna


def default_space(
    trial, estimator: BaseAutoEncoder, X: np.ndarray, fixed: Collection[str] = ()
) -> dict:
    """The search space used when ``tune`` is given none.

    Searched: network depth and width (``hidden``), learning rate, batch
    size, dropout, weight decay, activation and input noise; ``latent_dim``
    too when the estimator leaves it open (None or 'auto'). A fixed integer
    ``latent_dim`` is kept: the reconstruction error always prefers a larger
    code, so searching it only makes sense within bounds the user chooses.
    Any of the others that the estimator sets away from its class default is
    kept too (``AutoEncoder(hidden=(8,))`` searches everything but ``hidden``),
    and so is every one named in ``fixed``, whatever its value.

    Parameters
    ----------
    trial : optuna.Trial
    estimator : BaseAutoEncoder
        The estimator being tuned (its architecture decides the ``hidden`` rule).
    X : ndarray of shape (n_samples, ...)
        Training data, for the input size.
    fixed : collection of str, default=()
        Parameters kept at the estimator's values even where they equal the
        class default (a value the user chose, such as ``noise=0``).

    Returns
    -------
    dict
        Estimator parameters for :meth:`set_params`.
    """
    n_features = int(np.prod(X.shape[1:]))
    arch = resolve_architecture(estimator.architecture, X)
    params: dict[str, Any] = {}
    if estimator.latent_dim is None or estimator.latent_dim == "auto":
        high = max(2, min(n_features, 4 * default_latent_dim(n_features)))
        params["latent_dim"] = trial.suggest_int("latent_dim", 2, high, log=True)
    depth = trial.suggest_int("n_layers", 1, 3)
    if arch != "dense":
        side = min(X.shape[-2:] if arch == "conv2d" else X.shape[-1:])
        # each stage halves the spatial size; stop before it drops below 1
        depth = max(1, min(depth, int(math.log2(max(side, 2)))))
        base = trial.suggest_categorical("base_channels", CONV_CHANNELS)
        params["hidden"] = tuple(min(base * 2**i, 128) for i in range(depth))
    else:
        width = trial.suggest_categorical("width", DENSE_WIDTHS)
        params["hidden"] = tuple(max(8, width // 2**i) for i in range(depth))
    params["lr"] = trial.suggest_float("lr", 1e-4, 1e-2, log=True)
    params["batch_size"] = trial.suggest_categorical("batch_size", (32, 64, 128, 256))
    params["dropout"] = trial.suggest_float("dropout", 0.0, 0.3)
    params["weight_decay"] = trial.suggest_float("weight_decay", 1e-7, 1e-3, log=True)
    params["activation"] = trial.suggest_categorical("activation", ("relu", "elu", "silu"))
    params["noise"] = trial.suggest_float("noise", 0.0, 0.3)
    # What the user set is not searched (suggested above all the same, so that
    # every trial draws the same sequence and the sampler stays reproducible).
    defaults = type(estimator)().get_params()
    mine = estimator.get_params()
    return {
        k: v for k, v in params.items()
        if k == "latent_dim" or (k not in fixed and _same(mine[k], defaults[k]))
    }  # fmt: skip


def _same(a: Any, b: Any) -> bool:
    """Equal parameter values, a list, a tuple and an array of the same sizes included."""
    # An array's == is elementwise, and bool() of it refuses to choose.
    a, b = (v.tolist() if isinstance(v, np.ndarray) else v for v in (a, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return tuple(a) == tuple(b)
    return bool(a == b)


def _suggest(trial, name: str, dist) -> Any:
    """Draw ``name`` from an Optuna distribution (or a list of choices)."""
    optuna = _import_optuna()
    d = optuna.distributions
    if isinstance(dist, (list, tuple)):
        return trial.suggest_categorical(name, tuple(dist))
    if isinstance(dist, d.FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, log=dist.log, step=dist.step)
    if isinstance(dist, d.IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, log=dist.log, step=dist.step)
    if isinstance(dist, d.CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    raise ValueError(
        f"search space entry {name!r} must be an optuna distribution (FloatDistribution, "
        f"IntDistribution, CategoricalDistribution) or a list of choices, got {dist!r}"
    )


def _space_fn(
    space, estimator: BaseAutoEncoder, X: np.ndarray, fixed: Collection[str]
) -> SpaceCallable:
    if space is None:
        return lambda trial: default_space(trial, estimator, X, fixed)
    if fixed:
        raise ValueError("fixed applies to the default space; leave those names out of space")
    if callable(space):
        def drawn(trial) -> dict:
            params = space(trial)
            if not isinstance(params, Mapping):
                raise TypeError(
                    "a space callable must return a dict of estimator parameters, got "
                    f"{type(params).__name__}"
                )
            return params

        return drawn
    if isinstance(space, Mapping):
        return lambda trial: {name: _suggest(trial, name, dist) for name, dist in space.items()}
    raise ValueError(
        "space must be None, a dict of parameter name -> optuna distribution, or a "
        f"callable(trial) -> dict of parameters; got {type(space).__name__}"
    )


def _ordered_split(X, y, validation_fraction: float, gap: Any) -> tuple:
    """Rows in time order: the first part trains, the last is held out, ``gap`` rows between.

    Returns ``X_tr, X_va, y_tr, y_va`` (the ``y`` parts None without ``y``).
    """
    if not is_count(gap, 0):
        raise ValueError(f"gap must be None or an integer >= 0, got {gap!r}")
    n = len(X)
    n_va = max(1, math.ceil(validation_fraction * n))
    n_tr = max(0, n - n_va - int(gap))

    def rows(a, part: slice):
        return None if a is None else (a.iloc[part] if hasattr(a, "iloc") else np.asarray(a)[part])

    tr, va = slice(0, n_tr), slice(n - n_va, n)
    return rows(X, tr), rows(X, va), rows(y, tr), rows(y, va)


def _check_strata(y, validation_fraction: float) -> None:
    """Refuse class labels that a split stratified on them cannot keep in proportion.

    Checked here, as scikit-learn's own error would not say that tune
    stratified, or why; the sizes are those ``train_test_split`` computes.
    """
    labels, counts = np.unique(_no_missing(column_or_1d(y)), return_counts=True)
    why = (
        "tune holds out rows stratified on y, so that a conditional VAE's trials are "
        "scored on the classes they were trained on, in proportion"
    )
    rare = labels[counts < 2].tolist()
    if rare:
        which = (
            f"class {rare[0]!r} has only 1 row" if len(rare) == 1
            else f"{len(rare)} of its {len(labels)} classes have only 1 row, such as {rare[:3]}"
        )
        raise ValueError(
            f"{why}; each class needs 2 rows or more, but {which}: merge or drop the rare "
            "classes, or, if y is not class labels, set conditional=False"
        )
    k, n = len(labels), int(counts.sum())
    n_va = math.ceil(validation_fraction * n)
    if not k <= n_va <= n - k:
        raise ValueError(
            f"{why}; each part needs a row of each of y's {k} classes, but "
            f"validation_fraction={validation_fraction!r} holds out {n_va} of the {n} rows, "
            f"leaving {n - n_va}: choose one that holds out between {k} and {n - k} rows"
        )


def tune(
    estimator: BaseAutoEncoder,
    X,
    y=None,
    *,
    n_trials: int | None = 20,
    timeout: float | None = None,
    space: Mapping | SpaceCallable | None = None,
    validation_fraction: float = 0.2,
    gap: int | None = None,
    pruner=None,
    sampler=None,
    study=None,
    random_state=None,
    refit: bool = True,
    show_progress_bar: bool = False,
    fixed: Collection[str] = (),
) -> tuple[BaseAutoEncoder, Any]:
    """Search an estimator's hyperparameters with Optuna.

    Each trial clones ``estimator``, sets the parameters drawn from ``space``,
    fits on the training part of ``X`` and is scored by the mean
    reconstruction error (input units) on the held-out part. After every
    epoch the training loop's validation reconstruction term (scaled units,
    on the estimator's own ``validation_fraction`` of the training part) is
    reported to Optuna, whose pruner stops trials that fall behind (median
    pruning by default). With input ``noise`` that term is measured on
    corrupted input, so denoising trials look a little worse while they run
    than their final score.

    Parameters
    ----------
    estimator : AutoEncoder or VAE
        Template; it is cloned and never fitted itself.
    X : array-like of shape (n_samples, ...)
        Data, as for ``estimator.fit``.
    y : array-like of shape (n_samples,), optional
        Class labels, passed to ``fit`` (a conditional VAE). For a
        conditional VAE the held-out rows are drawn stratified on them (each
        class in proportion), so each class needs 2 rows or more; an
        estimator that ignores ``y`` gets a plain random split.
    n_trials : int or None, default=20
        Number of trials (None: until ``timeout``).
    timeout : float or None, default=None
        Stop starting new trials after this many seconds.
    space : dict, callable or None, default=None
        Parameter name -> optuna distribution (or a list of choices), or a
        ``callable(trial) -> dict`` of estimator parameters for structured
        values such as ``hidden``. None uses :func:`default_space`.
    validation_fraction : float, default=0.2
        Share of the rows held out to score the trials.
    gap : int or None, default=None
        None: the held-out rows are drawn at random (independent rows). An
        integer: the rows are in time order, such as a series' windows; the
        last ``validation_fraction`` of them is held out, and the ``gap``
        rows before it are left out of both parts, so that no training
        window shares steps with a held-out one (``ceil((window - 1) /
        stride)`` for windows of a series). Random held-out windows would
        overlap training ones and flatter the trials that memorise.
    pruner : optuna.pruners.BasePruner, optional
        Default: ``MedianPruner(n_startup_trials=3, n_warmup_steps=5)``. Not
        with ``study``, which keeps its own.
    sampler : optuna.samplers.BaseSampler, optional
        Default: ``TPESampler(seed=random_state)``. Not with ``study``, which
        keeps its own.
    study : optuna.Study, optional
        Continue an existing study (it must minimise).
    random_state : int or None, default=None
        Seeds the split, the sampler, and each trial's estimator when its own
        ``random_state`` is None, so a search repeats exactly on the CPU.
    refit : bool, default=True
        Refit the best parameters on all of ``X`` (else return the best
        trial's estimator, fitted on the training part).
    show_progress_bar : bool, default=False
    fixed : collection of str, default=()
        Parameters the default space leaves at the estimator's values even
        where they equal the class default (see :func:`default_space`); the
        command line passes the model options given on it.

    Returns
    -------
    best_estimator : AutoEncoder or VAE
        Fitted with the best parameters.
    study : optuna.Study
        All trials; ``study.best_trial.user_attrs['params']`` holds the best
        estimator parameters.

    Raises
    ------
    ImportError
        If Optuna is not installed (``pip install aekit[tune]``).
    TypeError
        If ``pruner``, ``sampler``, ``study`` or ``fixed`` is of the wrong kind.
    RuntimeError
        If every trial was pruned or hit a non-finite loss.

    Examples
    --------
    >>> import aekit
    >>> from sklearn.datasets import load_digits
    >>> X = load_digits().data
    >>> best, study = aekit.tune(aekit.AutoEncoder(latent_dim=8, epochs=5), X,
    ...                          n_trials=3, random_state=0)  # doctest: +SKIP
    >>> best.transform(X).shape  # doctest: +SKIP
    (1797, 8)
    """
    optuna = _import_optuna()
    if not isinstance(estimator, BaseAutoEncoder):
        raise ValueError(
            f"estimator must be an aekit AutoEncoder or VAE, got {type(estimator).__name__}"
        )
    if not (is_real(validation_fraction) and 0 < validation_fraction < 1):
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction!r}")
    if n_trials is None and timeout is None:
        raise ValueError("give n_trials or timeout (or both); otherwise the search never ends")
    if n_trials is not None and not is_count(n_trials):
        raise ValueError(f"n_trials must be an integer >= 1 or None, got {n_trials!r}")
    if timeout is not None and not (is_real(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    # Checked here: a name string in their place fails deep inside Optuna, the
    # pruner's only once a trial has trained an epoch.
    for name, value, kind, example in (
        ("pruner", pruner, optuna.pruners.BasePruner, "optuna.pruners.MedianPruner()"),
        ("sampler", sampler, optuna.samplers.BaseSampler, "optuna.samplers.TPESampler()"),
        ("study", study, optuna.study.Study, "optuna.create_study()"),
    ):
        if value is not None and not isinstance(value, kind):
            raise TypeError(
                f"{name} must be None or an Optuna {kind.__name__}, such as {example}; "
                f"got {value!r}"
            )
    if study is not None:
        given = [k for k, v in (("pruner", pruner), ("sampler", sampler)) if v is not None]
        if given:
            raise ValueError(
                f"{' and '.join(given)} would be ignored: a given study keeps its own; "
                "create the study with them (optuna.create_study) or leave study out"
            )
        if study.directions != [optuna.study.StudyDirection.MINIMIZE]:
            raise ValueError("study must minimise: the objective is a reconstruction error")
    names = [fixed] if isinstance(fixed, str) else fixed
    names = list(names) if isinstance(names, Iterable) else None
    if names is None or not all(isinstance(k, str) for k in names):
        raise TypeError(
            f"fixed must be a parameter name or a collection of them (strings), got {fixed!r}"
        )
    fixed = names
    seed = (
        None if random_state is None else int(check_random_state(random_state).randint(2**31 - 1))
    )
    template = clone(estimator)
    if template.random_state is None and seed is not None:
        template.set_params(random_state=seed)
    if gap is None:
        arrays = [X] if y is None else [X, y]
        # Only labels the estimator trains on are stratified on: an AutoEncoder or
        # VAE(conditional=False) ignores y, which may be a continuous target.
        stratify = template._uses_labels(y)
        if stratify:
            check_consistent_length(X, y)
            _check_strata(y, validation_fraction)
        parts = train_test_split(
            *arrays,
            test_size=validation_fraction,
            random_state=seed,
            stratify=y if stratify else None,
        )
        X_tr, X_va = parts[0], parts[1]
        y_tr, y_va = (None, None) if y is None else (parts[2], parts[3])
    else:
        X_tr, X_va, y_tr, y_va = _ordered_split(X, y, validation_fraction, gap)
    if len(X_tr) < MIN_TRAIN_ROWS:
        raise ValueError(
            f"tune holds out {len(X_va)} of the {len(X)} rows to compare trials"
            + (f" (and leaves {len(X) - len(X_va) - len(X_tr)} out as a gap)" if gap else "")
            + f", which leaves {len(X_tr)} to train on; it needs at least {MIN_TRAIN_ROWS}"
        )
    refit = check_flag("refit", refit)
    unknown = sorted(set(fixed) - set(template.get_params()))
    if unknown:
        raise ValueError(f"fixed names parameters {type(template).__name__} does not have: "
                         f"{unknown}")  # fmt: skip
    suggest = _space_fn(space, template, np.asarray(X_tr), fixed)
    kept: dict[str, Any] = {"value": math.inf, "estimator": None}

    def objective(trial) -> float:
        params = dict(suggest(trial))
        trial.set_user_attr("params", params)
        est = clone(template).set_params(**params)
        step = [0]

        def report(epoch: int, row: dict) -> None:
            value = row.get("val_recon", row["recon"])
            step[0] += 1
            trial.report(value, step[0])
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned at epoch {epoch} (validation {value:.4g})")

        est._epoch_callback = report
        try:
            est.fit(X_tr, y_tr)
        except NonFiniteLossError as exc:
            raise optuna.TrialPruned(f"non-finite loss: {exc}") from exc
        finally:
            del est._epoch_callback
        value = float(np.mean(est.reconstruction_error(X_va, y_va)))
        if not refit and value < kept["value"]:
            kept.update(value=value, estimator=est)
        return value

    if study is None:
        study = optuna.create_study(
            direction="minimize",
            sampler=sampler or optuna.samplers.TPESampler(seed=seed),
            pruner=pruner or optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=5),
        )
    study.optimize(
        objective, n_trials=n_trials, timeout=timeout, show_progress_bar=show_progress_bar
    )
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        raise RuntimeError(
            f"no trial completed ({len(study.trials)} pruned or failed); "
            "give more trials, a longer timeout or a gentler pruner"
        )
    best = study.best_trial
    logger.info("best trial %d: %.5g with %s", best.number, best.value, best.user_attrs)
    if not refit:
        if kept["estimator"] is None or kept["value"] > best.value:  # best from an earlier call
            raise RuntimeError("refit=False needs the best trial to be run by this call")
        return kept["estimator"], study
    return clone(template).set_params(**best.user_attrs["params"]).fit(X, y), study
