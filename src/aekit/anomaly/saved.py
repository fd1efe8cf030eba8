"""What the anomaly detectors write to a model file and read back from it.

These are the bodies of the detectors' ``_state_to_save`` / ``_state_from_saved``
hooks (see :mod:`aekit.io.state`): plain values and arrays out, and on the way back
every saved part checked against the networks it will feed, so an edited or
mismatched file fails at ``load`` with a message, not later at scoring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.preprocessing import StandardScaler

from aekit._params import is_count
from aekit.anomaly.tabular import TableEncoder
from aekit.anomaly.thresholds import SERIES_THRESHOLD_RULES
from aekit.io.state import StateError, fitted_members

if TYPE_CHECKING:
    from aekit.anomaly.detector import AnomalyDetector
    from aekit.anomaly.timeseries import TimeSeriesDetector


def detector_state(det: AnomalyDetector) -> tuple[dict, dict[str, np.ndarray]]:
    """Fitted state for :func:`aekit.io.save` (the members are saved whole)."""
    state = dict(
        estimators_=list(det.estimators_),
        input_kind_=det.input_kind_,
        standardize_=bool(det.standardize_),
        threshold_=float(det.threshold_),
    )
    arrays = {
        "error_scales_": np.stack(det.error_scales_),
        "calibration_scores_": det.calibration_scores_,
    }
    if det.input_kind_ == "table":
        plain, enc_arrays = det.encoder_.get_state()
        state["encoder_"] = plain
        arrays.update({f"encoder_{k}": v for k, v in enc_arrays.items()})
    else:
        state["image_shape_"] = tuple(int(s) for s in det.image_shape_)
        state["unit_pixels_"] = bool(det.unit_pixels_)
        state["pixel_range_"] = det.pixel_range_
    return state, arrays


def restore_detector(det: AnomalyDetector, state: dict, arrays: dict[str, np.ndarray]) -> None:
    """Restore what :func:`detector_state` wrote; StateError if it is inconsistent."""
    det.estimators_ = fitted_members(state["estimators_"], "the detector")
    det.estimator_ = det.estimators_[0]
    det.input_kind_ = state["input_kind_"]
    det.standardize_ = bool(state["standardize_"])
    det.threshold_ = float(state["threshold_"])
    det.error_scales_ = list(np.asarray(arrays["error_scales_"], dtype=np.float64))
    det.calibration_scores_ = np.asarray(arrays["calibration_scores_"], dtype=np.float64)
    if np.isnan(det.threshold_) or len(det.error_scales_) != len(det.estimators_):
        raise StateError("the detector's threshold or error scales do not fit its networks")
    if det.input_kind_ == "table":
        enc = {k[len("encoder_") :]: v for k, v in arrays.items() if k.startswith("encoder_")}
        det.encoder_ = TableEncoder.from_state(state["encoder_"], enc)
    else:
        det.encoder_ = None
        det.image_shape_ = tuple(state["image_shape_"])
        # Files from before: uint8 pixels went in unscaled, no range kept.
        det.unit_pixels_ = bool(state.get("unit_pixels_", False))
        rng = state.get("pixel_range_")
        det.pixel_range_ = None if rng is None else (float(rng[0]), float(rng[1]))
    # Each member must read what the encoding (or the image shape) gives it.
    width = det.encoder_.n_encoded_ if det.encoder_ is not None else None
    size = width or int(np.prod(det.image_shape_))
    sizes = {int(np.prod(m.input_shape_)) for m in det.estimators_}
    if sizes != {size}:
        raise StateError(f"the detector's networks read {sorted(sizes)} values per sample, "
                         f"its input gives {size}")  # fmt: skip


def series_state(det: TimeSeriesDetector) -> tuple[dict, dict[str, np.ndarray]]:
    """Fitted state for :func:`aekit.io.save` (the autoencoders are saved whole)."""
    state = dict(
        estimators_=list(det.estimators_),
        window_=int(det.window_),
        windows_=[int(w) for w in det.windows_],
        smoothing_=int(det.smoothing_),
        n_channels_=int(det.n_channels_),
        threshold_=float(det.threshold_),
        threshold_rule_=str(det.threshold_rule_),
        n_sigmas_=float(det.n_sigmas_),
        n_sigmas_off_=det.n_sigmas_off_,
        recurrence_ratio_=det.recurrence_ratio_,
        alarm_gap_=int(det.alarm_gap_),
        calibration_in_sample_=bool(det.calibration_in_sample_),
        n_samples_seen_=int(det.scaler_.n_samples_seen_),
    )
    arrays = {
        "scaler_mean_": det.scaler_.mean_,
        "scaler_var_": det.scaler_.var_,
        "scaler_scale_": det.scaler_.scale_,
        "error_scales_": det.error_scales_,
        "calibration_scores_": det.calibration_scores_,
    }
    return state, arrays


def restore_series(det: TimeSeriesDetector, state: dict, arrays: dict[str, np.ndarray]) -> None:
    """Restore what :func:`series_state` wrote; StateError if it is inconsistent."""
    # Files written before the ensemble hold one "estimator_".
    members = state.get("estimators_") or [state["estimator_"]]
    det.estimators_ = fitted_members(list(members), "the series detector")
    det.n_estimators = len(det.estimators_)
    det.estimator_ = det.estimators_[0]
    det.window_ = int(state["window_"])
    # Files written before members had their own windows: all used window_.
    det.windows_ = [int(w) for w in state.get("windows_", [det.window_] * det.n_estimators)]
    det.smoothing_ = int(state["smoothing_"])
    det.n_channels_ = int(state["n_channels_"])
    det.threshold_ = float(state["threshold_"])
    # Files written before the rule was kept: the parameters it was fitted with.
    rule = det.threshold if isinstance(det.threshold, str) else "fixed"
    det.threshold_rule_ = str(state.get("threshold_rule_", rule))
    det.n_sigmas_ = float(state.get("n_sigmas_", det.n_sigmas))
    # Files written before alarms had hysteresis: an alarm ends at the threshold,
    # and the parameter says so, so that a clone or refit keeps that rule too.
    if "n_sigmas_off_" not in state:
        det.n_sigmas_off = None
    off = state.get("n_sigmas_off_")
    det.n_sigmas_off_ = None if off is None else float(off)
    # Files written before recurring alarms were dropped keep every alarm, as they did.
    if "recurrence_ratio_" not in state:
        det.recurrence_ratio = None
    ratio = state.get("recurrence_ratio_")
    det.recurrence_ratio_ = None if ratio is None else float(ratio)
    # Files written before close alarms were merged keep them apart, as they did.
    if "alarm_gap_" not in state:
        det.alarm_gap = 0
    det.alarm_gap_ = state.get("alarm_gap_", 0)
    det.calibration_in_sample_ = bool(state["calibration_in_sample_"])
    scaler = StandardScaler()
    scaler.mean_ = np.asarray(arrays["scaler_mean_"], dtype=np.float64)
    scaler.var_ = np.asarray(arrays["scaler_var_"], dtype=np.float64)
    scaler.scale_ = np.asarray(arrays["scaler_scale_"], dtype=np.float64)
    scaler.n_features_in_ = det.n_channels_
    scaler.n_samples_seen_ = int(state["n_samples_seen_"])
    det.scaler_ = scaler
    # Files written before the ensemble hold one member's "error_scale_".
    scales = arrays["error_scales_"] if "error_scales_" in arrays else arrays["error_scale_"]
    scales = np.asarray(scales, dtype=np.float64)
    n, c = len(det.estimators_), det.n_channels_
    det.error_scales_ = scales.reshape(n, -1)
    det.calibration_scores_ = np.asarray(arrays["calibration_scores_"], dtype=np.float64)
    problems = [
        what for what, bad in (
            (f"{len(det.windows_)} windows for {n} networks", len(det.windows_) != n),
            (f"error scales of shape {scales.shape} for {n} networks of {c} channels",
             det.error_scales_.shape != (n, c)),
            (f"a scaler of {len(scaler.scale_)} channels for {c}", len(scaler.scale_) != c),
            (f"smoothing_ {det.smoothing_}", det.smoothing_ < 1),
            (f"threshold_rule_ {det.threshold_rule_!r}",
             det.threshold_rule_ not in (*SERIES_THRESHOLD_RULES, "fixed")),
            ("a NaN threshold_", np.isnan(det.threshold_)),
            (f"n_sigmas_off_ {det.n_sigmas_off_} outside 0 to n_sigmas_ {det.n_sigmas_}",
             det.n_sigmas_off_ is not None and not 0 <= det.n_sigmas_off_ <= det.n_sigmas_),
            (f"recurrence_ratio_ {det.recurrence_ratio_}",
             det.recurrence_ratio_ is not None and not 0 <= det.recurrence_ratio_ < np.inf),
            (f"alarm_gap_ {det.alarm_gap_!r} (an integer >= 0)", not is_count(det.alarm_gap_, 0)),
            (f"networks reading windows {[m.input_shape_ for m in det.estimators_]} for "
             f"windows {det.windows_} of {c} channels",
             [tuple(m.input_shape_) for m in det.estimators_]
             != [(c, w) for w in det.windows_]),
        ) if bad
    ]  # fmt: skip
    if problems:
        raise StateError("the series detector's saved state is inconsistent: "
                         + "; ".join(problems))  # fmt: skip
