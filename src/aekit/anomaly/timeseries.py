"""TimeSeriesDetector: a 1-D convolutional autoencoder on sliding windows, scored per step.

``fit`` scales each channel, cuts the normal series into overlapping windows
(length from the series' period unless given), and trains a small ensemble
of conv1d autoencoders on them, holding the last part of the series out to
calibrate. The members read windows of different lengths (``window_scales``).
Scoring reconstructs every window of the new series; each step's error is
the mean over the members and over the windows covering it of that step's
squared error (each channel divided by its typical held-out error), so the
highest score falls where a short spike happened, though raised scores reach
back up to the longest member window before it; the score is then averaged
over half a window, at least 16 steps (``smoothing``), which turns a burst
of errors into one alarm instead of many; an alarm then lasts until the score
falls well back (``n_sigmas_off``); alarms a few windows apart are merged
into one (``alarm_gap``). An alarm that only repeats what the series has
already shown is dropped (``recurrence_ratio``).
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy.sparse import issparse
from sklearn.base import BaseEstimator
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from aekit._atomic import atomic_fit
from aekit._params import is_count, is_real
from aekit._warnings import warn_user
from aekit.anomaly.adaptive import N_SIGMAS, N_SIGMAS_OFF, expanding_thresholds
from aekit.anomaly.alarms import auto_gap, check_gap, merge_close_alarms, merging_gap
from aekit.anomaly.recurrence import RECURRENCE_RATIO, check_ratio, drop_recurring
from aekit.anomaly.scoring import error_scale, moving_average, overflow_as_inf, step_errors
from aekit.anomaly.settings import series_estimator
from aekit.anomaly.tabular import NUMBER_KINDS
from aekit.anomaly.thresholds import (
    SERIES_THRESHOLD_RULES,
    check_calibration_params,
    check_contamination,
    check_threshold,
    conformal_p_values,
    make_threshold,
)
from aekit.anomaly.windows import choose_window, sliding_windows
from aekit.estimators._data import check_float32_range

#: Most training windows; longer series are strided to stay near it.
MAX_TRAIN_WINDOWS = 20000
#: Default window of each ensemble member, as a multiple of ``window_``.
WINDOW_SCALES = (1.0, 0.5, 2.0)
#: Fewest steps the 'auto' smoothing averages over (fewer when the window is shorter).
MIN_SMOOTHING = 16


class TimeSeriesDetector(BaseEstimator):
    """Per-step anomaly scores for a series from a windowed 1-D conv autoencoder.

    Parameters
    ----------
    window : int or None, default=None
        Window length in steps. None: from the series' dominant period (its
        autocorrelation): the period, or a whole fraction of it when it is
        longer than 128 steps, at least 16 and at most a third of the series
        (64 when no period stands out); see :func:`aekit.anomaly.windows.choose_window`.
    threshold : {'adaptive', 'max', 'contamination', 'conformal'} or float, default='adaptive'
        How :meth:`predict` decides. 'adaptive': a step is anomalous when its
        score lies more than ``n_sigmas`` standard deviations above the mean
        of all earlier scores (the held-out steps', then the series' own
        earlier steps), so slow drift after training does not raise alarm
        after alarm (see :mod:`aekit.anomaly.adaptive`); ``threshold_`` is
        then the threshold at the first step. The other rules fix
        ``threshold_`` from the held-out steps' scores: 'max', 1.5 times the
        highest of them; 'contamination', their ``1 - contamination``
        quantile; 'conformal', flag ``p_value <= contamination``. A number
        fixes it on the :meth:`decision_function` scale. Whatever the rule,
        :meth:`predict` then drops repeated alarms and merges close ones
        (``recurrence_ratio``, ``alarm_gap``); ``recurrence_ratio=None,
        alarm_gap=0`` leaves the rule's flags as they are.
    n_sigmas : float, default=6.0
        Standard deviations above the running mean for ``threshold='adaptive'``.
    n_sigmas_off : float, 'auto' or None, default='auto'
        With ``threshold='adaptive'``, an alarm lasts until the score falls to
        this many standard deviations above the running mean (at most
        ``n_sigmas``), so a score hovering around the threshold gives one
        alarm, not many short ones. 'auto' is 2.5 (``n_sigmas`` when that is
        lower); None ends an alarm as soon as the score drops below the
        ``n_sigmas`` threshold.
    recurrence_ratio : float or None, default=0.4
        :meth:`predict` drops an alarm that repeats an earlier part of the
        same series: one where every window of the shortest member window
        (``min(windows_)`` steps) covering it where the first member's error
        is raised (see :mod:`aekit.anomaly.recurrence`) has an earlier
        window, ending before that raised stretch starts, within
        ``recurrence_ratio`` times that member's error over it (the mean of
        its per-step errors; both as squared difference per value, on the
        scaled series). An alarm longer than the score's reach
        (``2 * max(windows_) + smoothing_`` steps, the 'auto' ``alarm_gap``)
        is a lasting state: it repeats the past only if one earlier stretch
        holds near copies of those windows in the same order and spacing. A
        pattern the model never saw is flagged the first time and not each
        time it comes back (a server's load that resets every few days); the
        price is that a real event that closely repeats an earlier one goes
        unflagged. The first alarm of a series scored on its own has nothing
        earlier to repeat. A repeat that lies between two kept alarms closer
        than ``alarm_gap`` is flagged with the gap. Scores and
        :meth:`thresholds` do not change. None keeps every alarm.
    alarm_gap : int or 'auto', default='auto'
        Two alarms separated by fewer than this many unflagged steps are one
        alarm: :meth:`predict` flags the steps between them too (after
        ``recurrence_ratio`` has dropped repeats, so each is judged alone;
        with every threshold rule). A step's
        score reads the values of every window covering it, so the scores of
        steps about twice the longest member window apart (plus the
        smoothing) still share values: a score that dips inside an event and
        rises again raises the same alarm twice, and the second would count
        as false once it ends after the event (see
        :mod:`aekit.anomaly.alarms`). 'auto' is ``2 * max(windows_) +
        smoothing_``; 0 keeps alarms apart. Scores and :meth:`thresholds` do
        not change.
    contamination : float, default=0.01
        Share of normal steps expected above the threshold for
        ``threshold='contamination'`` (the level for 'conformal').
    hidden : tuple of int or None, default=None
        Channels of each conv stage (each halves the length); None picks them.
    latent_dim : int or None, default=None
        Code size; None: an eighth of each member's window, 2 to 16. A
        tight code reconstructs the normal shape of a window but not a
        deviation from it (the measurements behind this and the next two
        defaults are in ``benchmarks/README.md``).
    n_estimators : int, default=3
        Autoencoders trained with different seeds (and windows, see
        ``window_scales``), their standardised errors averaged, which steadies
        the score from one seed to the next; 1 fits about three times faster.
    window_scales : tuple of float, default=(1.0, 0.5, 2.0)
        Member ``i`` reads windows of ``window_scales[i % len(window_scales)]``
        times ``window_`` steps (at least 2), so that the ensemble sees both
        short bursts and slow changes. The price is coarser
        timing: a step's error is averaged over every window covering it, so
        a flagged run can start up to the longest member window before the
        event (the spike of the example below: flagged from 97 steps before
        it, against 59 with ``(1.0,)``); the highest score still falls on the
        event. A member whose window would leave fewer than two training
        windows uses ``window_``; ``(1.0,)`` gives every member ``window_``.
    epochs : int or None, default=None
        Maximum epochs (early stopping applies); None picks them.
    smoothing : int or 'auto', default='auto'
        Width in steps of a centred moving average applied to the per-step
        scores; 1 turns it off. 'auto' is half the window, but at least 16
        steps (the whole window when that is shorter). Averaging turns a
        burst of high errors into one clear run and keeps single noisy steps
        from raising alarms, at the price of blurring where exactly an event
        starts.
    calibration_fraction : float, default=0.2
        Share of the series, taken from its end (at least the longest member
        window), held out to set the channel error scales and the threshold.
        When what is left would be shorter than two of those windows, the
        training steps themselves are used (in-sample, so the threshold is
        lower than it should be; ``calibration_in_sample_`` says so).
    device : str, default='auto'
        Torch device ('auto': CUDA when present).
    random_state : int, RandomState or None, default=None
        Seed of the weights and batch order.
    verbose : int, default=0
        Passed to the autoencoder (1: progress bar).

    Attributes
    ----------
    estimators_ : list of AutoEncoder
        The fitted conv1d autoencoders on windows ``(n, channels, window)``.
    estimator_ : AutoEncoder
        The first of them.
    window_ : int
        Window length chosen (or given).
    windows_ : list of int
        Window length of each member.
    smoothing_ : int
        Width of the score's moving average.
    scaler_ : StandardScaler
        Per-channel scaling.
    error_scales_ : ndarray of shape (n_estimators, n_channels)
        Typical held-out squared-error root per channel.
    calibration_scores_ : ndarray of shape (n_calibration_steps,)
        Scores of the held-out steps.
    calibration_in_sample_ : bool
        Whether the calibration steps were training steps (short series).
    threshold_rule_ : str
        The rule ``fit`` applied: 'adaptive', 'max', 'contamination',
        'conformal' or 'fixed' (a number); :meth:`predict` follows it even if
        ``threshold`` is changed afterwards (refit to apply a new rule).
    n_sigmas_ : float
        ``n_sigmas`` at fit time, used by the 'adaptive' rule.
    n_sigmas_off_ : float or None
        ``n_sigmas_off`` at fit time ('auto' resolved to its number), used by
        the 'adaptive' rule; None for files saved before it existed.
    recurrence_ratio_ : float or None
        ``recurrence_ratio`` at fit time, used by :meth:`predict`; None for
        files saved before it existed.
    alarm_gap_ : int
        ``alarm_gap`` at fit time in steps ('auto' resolved), used by
        :meth:`predict`; 0 for files saved before it existed.
    threshold_ : float
        Steps scoring above it are anomalous, unless their alarm repeats an
        earlier one (``recurrence_ratio``); so are the steps of a short gap
        between two alarms kept (``alarm_gap``). With ``threshold='adaptive'``
        it is the first step's threshold (the held-out scores' mean plus
        ``n_sigmas`` standard deviations), and :meth:`thresholds` gives every
        step's.
    n_channels_ : int
    n_features_in_ : int
        Same as ``n_channels_``.

    Notes
    -----
    The model keeps the level it was trained on. After a lasting level shift
    every later window reconstructs badly, and the adaptive threshold absorbs
    that raised error only slowly, so an event on the new level can go
    unflagged, while the alarm raised by the shift lasts until the running
    statistics catch up with it (the lower ``n_sigmas_off``, the longer;
    0 can keep it on for most of the rest of the series). When a shift is
    known to last (a migration, a new baseline), fit again on data from after
    it. Removing the level from each window instead costs more than it gains:
    many series' normal shapes are told apart by their level.

    Fit on a stretch believed normal. Fitted on a whole series with its
    anomalies in it, the members learn them, and most events then score
    below the threshold (figures in ``benchmarks/README.md``).

    Examples
    --------
    >>> import numpy as np, aekit
    >>> t = np.arange(3000)
    >>> train = np.sin(2 * np.pi * t / 50)
    >>> test = train.copy(); test[2000:2010] += 3.0
    >>> ts = aekit.TimeSeriesDetector(random_state=0).fit(train)
    >>> int(np.argmax(ts.decision_function(test))) in range(1990, 2020)
    True
    """

    def __init__(
        self,
        *,
        window: int | None = None,
        threshold="adaptive",
        n_sigmas: float = N_SIGMAS,
        n_sigmas_off="auto",
        recurrence_ratio: float | None = RECURRENCE_RATIO,
        alarm_gap="auto",
        contamination: float = 0.01,
        hidden=None,
        latent_dim: int | None = None,
        n_estimators: int = 3,
        window_scales: tuple[float, ...] = WINDOW_SCALES,
        epochs: int | None = None,
        smoothing="auto",
        calibration_fraction: float = 0.2,
        device: str = "auto",
        random_state=None,
        verbose: int = 0,
    ) -> None:
        self.window = window
        self.threshold = threshold
        self.n_sigmas = n_sigmas
        self.n_sigmas_off = n_sigmas_off
        self.recurrence_ratio = recurrence_ratio
        self.alarm_gap = alarm_gap
        self.contamination = contamination
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.n_estimators = n_estimators
        self.window_scales = window_scales
        self.epochs = epochs
        self.smoothing = smoothing
        self.calibration_fraction = calibration_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> None:
        check_contamination(self.contamination)
        check_threshold(self.threshold, SERIES_THRESHOLD_RULES)
        k = self.n_sigmas
        if not isinstance(k, numbers.Real) or isinstance(k, bool) or not 0 < k < np.inf:
            raise ValueError(f"n_sigmas must be a positive number, got {k!r}")
        off = self.n_sigmas_off
        auto = isinstance(off, str) and off == "auto"
        if not (off is None or auto or (is_real(off) and 0 <= off <= k)):
            raise ValueError(
                f"n_sigmas_off must be 'auto', None or a number from 0 to n_sigmas ({k}), "
                f"got {off!r}"
            )
        check_ratio(self.recurrence_ratio)
        check_gap(self.alarm_gap)
        w = self.window
        if w is not None and not is_count(w, 2):
            raise ValueError(f"window must be an integer >= 2 or None, got {w!r}")
        sm = self.smoothing
        if sm != "auto" and not is_count(sm):
            raise ValueError(f"smoothing must be 'auto' or an integer >= 1, got {sm!r}")
        check_calibration_params(self, ("epochs", "latent_dim"))
        n = self.n_estimators
        if not is_count(n):
            raise ValueError(f"n_estimators must be a positive integer, got {n!r}")
        sc = self.window_scales
        ok = isinstance(sc, (tuple, list, np.ndarray)) and np.ndim(sc) == 1 and len(sc) > 0
        ok = ok and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) and 0 < v < np.inf for v in sc
        )
        if not ok:
            raise ValueError(
                f"window_scales must be a non-empty tuple of positive numbers, got {sc!r}"
            )

    def _series(self, series, reset: bool) -> np.ndarray:
        """Validate a series and return it as float64 ``(T, C)``."""
        if isinstance(series, pd.Series):
            series = series.to_frame()
        if isinstance(series, pd.DataFrame):
            idx = series.index
            # Rows are read in their order: an index of times or step numbers must agree,
            # a RangeIndex too (s[::-1] runs 199, 198, ...).
            timed = isinstance(idx, (pd.DatetimeIndex, pd.PeriodIndex, pd.TimedeltaIndex)) or (
                pd.api.types.is_numeric_dtype(idx))
            if timed and not (idx.is_monotonic_increasing and idx.is_unique):
                raise ValueError(
                    "the series' index is not in time order (or repeats a value): sort it "
                    "with sort_index() and drop repeated steps; rows are read in their order"
                )
            # Numbers held as Python objects (a Series built from a list of Decimals) are numbers.
            bad = [
                c for c in series.columns
                if not pd.api.types.is_numeric_dtype(series[c])
                and pd.api.types.infer_dtype(series[c], skipna=True) not in NUMBER_KINDS
            ]  # fmt: skip
            if bad:
                raise ValueError(
                    f"series columns must be numeric; {bad} are not (make a timestamp the index)"
                )
        elif not issparse(series):
            arr = np.asarray(series)
            series = arr[:, None] if arr.ndim == 1 else arr
        if len(series.shape) >= 1 and series.shape[0] < 2:
            # In place of scikit-learn's "a minimum of 2 samples", which reads as if 2 steps
            # would do (longer series keep its checks first: a transposed series is told
            # its channel count). A window still to be chosen is at least 2 steps.
            shortest = (self.window or 2) if reset else min(self.windows_)
            self._check_length(series.shape[0], int(shortest), training=reset)
        # Rows are time steps and columns channels, in scikit-learn's (n_samples,
        # n_features) layout, so its checks (and feature names) apply.
        x = validate_data(self, series, reset=reset, dtype=np.float64, ensure_min_samples=2)
        if reset:
            self.n_channels_ = x.shape[1]
        return x

    @staticmethod
    def _check_length(T: int, window: int, training: bool) -> None:
        """Refuse a series of ``T`` steps too short for windows of ``window`` steps.

        Training needs two windows, scoring one (of the shortest member window).
        """
        if not training:
            if T < window:
                raise ValueError(
                    f"the series has {T} step{'s' * (T != 1)}, fewer than the window length "
                    f"{window}"
                )
            return
        if T < 2 * window:
            if window == 2:
                way_out = ", the shortest there is"
            elif T >= 4:
                way_out = "; pass a smaller window"
            else:
                way_out = "; even the shortest window (2 steps) needs 4"
            # "one sample": scikit-learn's word for a row, which its estimator checks look for.
            steps = "1 step (one sample)" if T == 1 else f"{T} steps"
            raise ValueError(
                f"the training series has {steps}; it needs at least two windows "
                f"(2 x {window}){way_out}"
            )

    def _scaled(self, x: np.ndarray) -> np.ndarray:
        """``(T, C)`` series scaled per channel as in training; refuses float32 overflow."""
        xs = self.scaler_.transform(x)
        check_float32_range(xs, "the series (scaled by the training series' mean and std)")
        return xs

    # -------------------------------------------------------------------- fit
    @atomic_fit
    def fit(self, series, y=None):
        """Train on a normal series.

        Parameters
        ----------
        series : array-like of shape (T,) or (T, n_channels), or a pandas Series/DataFrame
            Normal behaviour, in time order (numeric columns only).
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        x = self._series(series, reset=True)
        self.scaler_ = StandardScaler().fit(x)
        xs = self._scaled(x)
        L = int(self.window) if self.window is not None else choose_window(xs)
        self._check_length(len(xs), L, training=True)
        self.window_ = L
        # Half a window, but not fewer than MIN_SMOOTHING steps: over 8 steps (the
        # half of the shortest chosen window) single noisy steps of spiky series
        # still raised alarms (benchmarks/README.md).
        auto = max(L // 2, min(L, MIN_SMOOTHING))
        self.smoothing_ = auto if self.smoothing == "auto" else int(self.smoothing)
        T = len(xs)
        n_cal = int(round(self.calibration_fraction * T))
        self.windows_ = self._member_windows(L, T, n_cal)
        longest = max(self.windows_)
        n_cal = max(n_cal, longest)
        self.calibration_in_sample_ = T - n_cal < 2 * longest
        train_part = xs if self.calibration_in_sample_ else xs[: T - n_cal]
        cal_part = xs if self.calibration_in_sample_ else xs[T - n_cal :]
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        self.estimators_ = []
        for i, w in enumerate(self.windows_):
            stride = max(1, int(np.ceil((len(train_part) - w + 1) / MAX_TRAIN_WINDOWS)))
            W = np.ascontiguousarray(sliding_windows(train_part, w, stride), dtype=np.float32)
            self.estimators_.append(series_estimator(self, W, seed + i).fit(W))
        self.estimator_ = self.estimators_[0]
        errs = self._member_errors(cal_part)
        self.error_scales_ = np.stack([error_scale(e) for e in errs])
        self.calibration_scores_ = self._combine(self._standardise(errs))
        rule = check_threshold(self.threshold, SERIES_THRESHOLD_RULES)
        # Kept, so that set_params after fit cannot change how predict decides.
        self.threshold_rule_ = rule if isinstance(rule, str) else "fixed"
        self.n_sigmas_ = float(self.n_sigmas)
        off = self.n_sigmas_off
        if isinstance(off, str):  # 'auto'
            off = min(N_SIGMAS_OFF, self.n_sigmas_)
        self.n_sigmas_off_ = None if off is None else float(off)
        ratio = self.recurrence_ratio
        self.recurrence_ratio_ = None if ratio is None else float(ratio)
        gap = self.alarm_gap
        auto = isinstance(gap, str)  # 'auto', as _check_params made sure
        self.alarm_gap_ = auto_gap(self.windows_, self.smoothing_) if auto else int(gap)
        if rule == "adaptive":
            cal = self.calibration_scores_
            self.threshold_ = float(cal.mean() + self.n_sigmas_ * cal.std())
        else:
            self.threshold_ = make_threshold(rule, self.calibration_scores_, self.contamination)
        return self

    def _member_windows(self, L: int, T: int, n_cal: int) -> list[int]:
        """Window of each member: ``window_scales`` times ``L``, where ``T`` steps allow it.

        A member's window must leave two training windows besides the held-out
        part (``n_cal`` steps from ``calibration_fraction``, but at least the
        window); one that does not falls back to ``L``.
        """
        out = []
        for i in range(self.n_estimators):
            w = max(2, int(round(self.window_scales[i % len(self.window_scales)] * L)))
            out.append(w if T - max(n_cal, w) >= 2 * w else L)
        return out

    # ---------------------------------------------------------------- scoring
    def _member_errors(self, xs: np.ndarray) -> list[np.ndarray | None]:
        """Each member's squared error per step and channel ``(T, C)`` of a scaled series.

        None for a member whose window is longer than the series (with a
        warning: the threshold was set with every member).
        """
        T = len(xs)
        if T < min(self.windows_):
            sliding_windows(xs, min(self.windows_))  # raises its clear error
        if T < max(self.windows_):
            fit = sum(L <= T for L in self.windows_)
            warn_user(
                f"the series has {T} steps, fewer than the longest member window "
                f"({max(self.windows_)}): it is scored by {fit} of {len(self.windows_)} "
                "members, which is noisier than the threshold assumes; score at least "
                f"{max(self.windows_)} steps at a time"
            )
        out: list[np.ndarray | None] = []
        for m, L in zip(self.estimators_, self.windows_):
            if L > T:
                out.append(None)
                continue
            out.append(step_errors(m, xs, L))
        return out

    def _standardise(self, errs: list[np.ndarray | None]) -> np.ndarray:
        """Mean over members of each one's errors over its own held-out scale, ``(T, C)``.

        Each member is measured against its own typical error, so a member
        that reconstructs worse overall does not outweigh the others. Members
        that could not score the series (None, window too long) are left out.
        """
        parts = [e / np.square(sc) for e, sc in zip(errs, self.error_scales_) if e is not None]
        return sum(parts) / len(parts)

    def _step_errors(self, xs: np.ndarray) -> np.ndarray:
        """Standardised squared error per step and channel ``(T, C)`` of a scaled series."""
        return self._standardise(self._member_errors(xs))

    def _combine(self, err: np.ndarray) -> np.ndarray:
        """Per-step scores ``(T,)`` from standardised errors ``(T, C)``: mean, smooth."""
        return moving_average(overflow_as_inf(err.mean(axis=1)), self.smoothing_)

    def decision_function(self, series) -> np.ndarray:
        """Anomaly score of every step: higher means more anomalous.

        Parameters
        ----------
        series : array-like of shape (T,) or (T, n_channels)
            At least as long as the shortest member window (``min(windows_)``);
            members with longer windows are left out of a shorter series' score.

        Returns
        -------
        ndarray of shape (T,)
            Mean over channels of the standardised squared reconstruction error,
            averaged over the windows covering each step, then smoothed over
            ``smoothing_`` steps.
        """
        check_is_fitted(self, "estimators_")
        x = self._series(series, reset=False)
        return self._combine(self._step_errors(self._scaled(x)))

    def score_and_predict(self, series) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`decision_function` and :meth:`predict` from one pass over the series.

        Parameters
        ----------
        series : array-like of shape (T,) or (T, n_channels)

        Returns
        -------
        scores : ndarray of shape (T,)
        flags : ndarray of shape (T,), int64
        """
        scores, _, flags = self._alarm_steps(series)
        return scores, flags

    def _alarm_steps(self, series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scores ``(T,)``, the alarms kept after repeats are dropped and the final flags.

        The middle step lets the report count alarms dropped and alarms merged apart.
        """
        check_is_fitted(self, "estimators_")
        xs = self._scaled(self._series(series, reset=False))
        errs = self._member_errors(xs)
        scores = self._combine(self._standardise(errs))
        kept = (scores > self.thresholds_for_scores(scores)).astype(np.int64)
        ratio = getattr(self, "recurrence_ratio_", None)
        if ratio is not None and kept.any():
            # The first member that could score the series (a short one skips long windows).
            k = next(i for i, e in enumerate(errs) if e is not None)
            typical = float(np.mean(np.square(self.error_scales_[k])))
            # A run longer than the score's reach (the 'auto' alarm gap) is a lasting
            # state: it must repeat one earlier stretch, not familiar pieces of many.
            reach = auto_gap(self.windows_, self.smoothing_)
            kept = drop_recurring(
                kept, xs, errs[k].mean(axis=1), min(self.windows_), ratio, typical, reach
            )
        # Merged after repeats are dropped: merged first, a chain of repeats a gap
        # apart would be judged as one alarm, new at its start, and all of it kept.
        gap = merging_gap(self)
        flags = merge_close_alarms(kept, gap) if gap else kept
        return scores, kept, flags

    def score_samples(self, series) -> np.ndarray:
        """``-decision_function(series)``: higher means more normal, shape (T,)."""
        return -self.decision_function(series)

    def thresholds(self, series) -> np.ndarray:
        """The threshold each step's score is held against by :meth:`predict`.

        ``threshold_`` at every step, except with ``threshold='adaptive'``:
        there step ``t``'s threshold is the mean plus ``n_sigmas`` standard
        deviations of the held-out scores and the scores of steps ``0..t-1``,
        or plus ``n_sigmas_off`` while an alarm lasts (step ``t - 1`` above its
        threshold, even if :meth:`predict` dropped that alarm as a repeat,
        and not if it only lies in a gap that :meth:`predict` flags to merge
        two alarms; see :func:`aekit.anomaly.adaptive.expanding_thresholds`).
        Each call starts from the held-out scores, so a series scored in
        pieces gets other thresholds than the same series scored whole.

        Parameters
        ----------
        series : array-like of shape (T,) or (T, n_channels)

        Returns
        -------
        ndarray of shape (T,)
        """
        return self.thresholds_for_scores(self.decision_function(series))

    def thresholds_for_scores(self, scores: np.ndarray) -> np.ndarray:
        """:meth:`thresholds` for scores already computed by :meth:`decision_function`.

        Parameters
        ----------
        scores : ndarray of shape (T,)
            A series' scores, in time order.

        Returns
        -------
        ndarray of shape (T,)
        """
        check_is_fitted(self, "calibration_scores_")
        scores = np.asarray(scores, dtype=np.float64).ravel()
        if self.threshold_rule_ == "adaptive":
            return expanding_thresholds(
                self.calibration_scores_, scores, self.n_sigmas_, self.n_sigmas_off_
            )
        return np.full(len(scores), self.threshold_)

    def predict(self, series) -> np.ndarray:
        """1 for an anomalous step, 0 otherwise; shape (T,).

        A step is anomalous when its score lies above its threshold (see
        :meth:`thresholds`: a fixed ``threshold_``, or the running one of
        ``threshold='adaptive'``) and its alarm does not repeat an earlier
        part of the series (``recurrence_ratio``), or when it lies in a short
        gap between two such alarms (``alarm_gap``).
        """
        return self.score_and_predict(series)[1]

    def p_values(self, series) -> np.ndarray:
        """Conformal p-value of every step's score against the held-out steps, shape (T,).

        Steps of a series are not exchangeable (neighbours are correlated), so
        these are a calibrated ranking rather than an exact guarantee.
        """
        check_is_fitted(self, "calibration_scores_")
        return conformal_p_values(self.calibration_scores_, self.decision_function(series))

    def explain(self, series) -> np.ndarray | pd.DataFrame:
        """Standardised squared error per step and channel.

        Not smoothed: each step's error as the windows covering it saw it, so
        the channel and the steps that went wrong can be read off.

        Parameters
        ----------
        series : array-like of shape (T,) or (T, n_channels), or a pandas Series/DataFrame

        Returns
        -------
        ndarray or DataFrame of shape (T, n_channels)
            A DataFrame with the series' index and channel names when
            ``series`` is a pandas Series or DataFrame (as
            :meth:`AnomalyDetector.explain <aekit.AnomalyDetector.explain>`
            keeps a table's); the scores of :meth:`decision_function` stay an
            ndarray.
        """
        check_is_fitted(self, "estimators_")
        x = self._series(series, reset=False)
        err = self._step_errors(self._scaled(x))
        if isinstance(series, (pd.Series, pd.DataFrame)):
            frame = series.to_frame() if isinstance(series, pd.Series) else series
            return pd.DataFrame(err, index=frame.index, columns=frame.columns)
        return err

    # ------------------------------------------------------------ model files
    def save(self, path) -> None:
        """Save to a safe model file (JSON + safetensors, no pickle); see :func:`aekit.load`."""
        from aekit.io import save

        save(self, path)

    def _state_to_save(self) -> tuple[dict, dict[str, np.ndarray]]:
        from aekit.anomaly.saved import series_state

        return series_state(self)

    def _state_from_saved(self, state: dict, arrays: dict[str, np.ndarray]) -> None:
        from aekit.anomaly.saved import restore_series

        restore_series(self, state, arrays)

    def __setstate__(self, state: dict) -> None:
        # Objects pickled before a setting existed behave as they did, as model files
        # from then do (see aekit.anomaly.saved): alarms end at the threshold, none is
        # merged with the next or dropped as a repeat; get_params and clone then see
        # those settings too.
        for name, before in (("n_sigmas_off", None), ("recurrence_ratio", None),
                             ("alarm_gap", 0)):
            state.setdefault(name, before)
            if "estimators_" in state:
                state.setdefault(f"{name}_", before)
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = self.random_state is None
        return tags
