"""Sliding windows over series, the period of a series, and window errors back to steps.

Shapes: a series is ``(T, C)`` (time steps, channels); its windows of length
``L`` with stride 1 are ``(T - L + 1, C, L)``, the layout a 1-D convolution
reads (channels first).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

#: Shortest and longest window chosen from a detected period.
MIN_WINDOW, MAX_WINDOW = 16, 128
#: Window used when no period stands out.
DEFAULT_WINDOW = 64


def sliding_windows(x: np.ndarray, length: int, stride: int = 1) -> np.ndarray:
    """Windows of a ``(T, C)`` series as ``(n_windows, C, length)`` (a view when possible).

    ``n_windows = (T - length) // stride + 1``; the last steps are left out when
    ``stride`` does not divide ``T - length``.
    """
    if length < 1:
        raise ValueError(f"the window length must be at least 1, got {length}")
    if length > len(x):
        raise ValueError(f"the series has {len(x)} steps, fewer than the window length {length}")
    w = np.lib.stride_tricks.sliding_window_view(x, length, axis=0)  # (T-L+1, C, L)
    return w[::stride]


def detect_period(x: np.ndarray, max_period: int | None = None) -> int | None:
    """Dominant period of a series from its autocorrelation, or None.

    The autocorrelation (computed with the FFT, averaged over channels) is
    searched for its highest peak after the first lag where it turns
    negative; the peak must reach 0.2 to count as a period. A period's
    multiples peak almost as high (lower by about ``k * P / T``), so noise
    can put the highest peak on one of them: a lower lag whose peak reaches
    0.9 of the highest and of which the highest is a multiple is the period.

    Parameters
    ----------
    x : ndarray of shape (T, C)
    max_period : int, optional
        Longest period considered; default ``T // 3`` (at least three cycles).

    Returns
    -------
    int or None
    """
    T = len(x)
    max_period = T // 3 if max_period is None else min(max_period, T // 3)
    if max_period < 4:
        return None
    xc = x - x.mean(axis=0)
    var = (xc**2).sum(axis=0)
    keep = var > 0
    if not keep.any():
        return None
    n = 1 << int(np.ceil(np.log2(2 * T)))
    spec = np.fft.rfft(xc[:, keep], n=n, axis=0)
    acf = np.fft.irfft(np.abs(spec) ** 2, n=n, axis=0)[:T] / var[keep]
    acf = acf.mean(axis=1)
    negative = np.flatnonzero(acf < 0)
    if len(negative) == 0:
        return None
    start = int(negative[0])
    peaks, props = find_peaks(acf[start : max_period + 1], height=0.2)
    if len(peaks) == 0:
        return None
    heights, lags = props["peak_heights"], start + peaks
    best = int(lags[np.argmax(heights)])
    for lag, h in zip(lags, heights):  # lowest lag first
        k = round(best / lag)
        if k >= 2 and h >= 0.9 * heights.max() and abs(best - k * lag) <= max(2, 0.05 * best):
            return int(lag)
    return best


def choose_window(x: np.ndarray) -> int:
    """Window length for a ``(T, C)`` series, from its period.

    A period longer than :data:`MAX_WINDOW` is divided by the smallest whole
    number that brings it under (a daily period of 288 five-minute steps gives
    96: a third of a day), a shorter one is raised to :data:`MIN_WINDOW`;
    :data:`DEFAULT_WINDOW` when no period stands out. The window is at most a
    third of the series, so there are windows enough to train on.
    """
    period = detect_period(x)
    if period is None:
        length = DEFAULT_WINDOW
    else:
        length = max(MIN_WINDOW, period // int(np.ceil(period / MAX_WINDOW)))
    return int(max(2, min(length, len(x) // 3)))


def overlap_add(
    errors: np.ndarray, total: np.ndarray, count: np.ndarray, first: int = 0, stride: int = 1
) -> None:
    """Add per-position window errors onto the steps they cover, in place.

    Parameters
    ----------
    errors : ndarray of shape (n_windows, C, L)
        Error of every position of every window; window ``i`` starts at step
        ``(first + i) * stride``.
    total : ndarray of shape (T, C)
        Running sum per step, updated in place.
    count : ndarray of shape (T,)
        Running number of windows per step, updated in place.
    first : int
        Index of the first window of ``errors`` in the whole series' windows
        (so a long series can be processed in chunks).
    stride : int
    """
    n_w, _, L = errors.shape
    starts = (first + np.arange(n_w)) * stride
    for j in range(L):  # one vector add per window position, not per window
        total[starts + j] += errors[:, :, j]
        count[starts + j] += 1


def windows_to_steps(errors: np.ndarray, n_steps: int, stride: int = 1) -> np.ndarray:
    """Spread per-position window errors back onto the steps they cover.

    Each step's value is the mean of the errors that every window covering it
    assigns to that step (overlap-add, divided by the overlap count).

    Parameters
    ----------
    errors : ndarray of shape (n_windows, C, L)
        Error of every position in every window (window ``i`` starts at step
        ``i * stride``).
    n_steps : int
        Length ``T`` of the series the windows came from.
    stride : int

    Returns
    -------
    ndarray of shape (T, C)
        Steps not covered by any window are NaN.
    """
    total = np.zeros((n_steps, errors.shape[1]))
    count = np.zeros(n_steps)
    overlap_add(errors, total, count, 0, stride)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count[:, None]
