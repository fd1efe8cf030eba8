"""Image pixels for the anomaly detector: one scale, whatever form the images come in.

aekit's image-folder reader gives values in [0, 1], and so do most image
libraries' float conversions; ``uint8`` arrays hold 0-255. A detector fitted
on one form and scored on the other would flag every image (or none), so
``uint8`` images are divided by 255 on the way in (unless the detector was
fitted on 0-255 floats, which ``uint8`` then matches as it is), and images whose
values lie on another scale than the training images' get a warning.
"""

from __future__ import annotations

import numpy as np

from aekit._warnings import warn_user

#: Largest value still read as "pixels in [0, 1]" when telling the two scales apart.
UNIT_MAX = 1.0
#: Smallest training maximum read as "pixels on a 0-255 scale" (above 0-16 digits).
WIDE_MAX = 32.0


def unit_pixels(images: np.ndarray) -> np.ndarray:
    """Images as float32, ``uint8`` ones divided by 255 (shape unchanged)."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return images.astype(np.float32, copy=False)


def check_pixel_scale(
    fitted_range: tuple[float, float] | None, images: np.ndarray
) -> None:
    """Warn when ``images`` lie on another scale than the training images: [0, 1] against 0-255.

    Parameters
    ----------
    fitted_range : (float, float) or None
        Smallest and largest training pixel value; None (a model file from
        before it was kept) skips the check.
    images : ndarray of shape (n, H, W) or (n, C, H, W)
        As :func:`unit_pixels` gives them.
    """
    if fitted_range is None or images.size == 0:
        return
    lo, hi = fitted_range
    top, bottom = float(images.max()), float(images.min())
    if lo < 0 or bottom < 0:
        return  # standardised values: no pixel scale to compare
    if hi >= WIDE_MAX and top <= UNIT_MAX:
        warn_user(
            f"the detector was fitted on pixel values up to {hi:.4g}, but these images lie "
            "in [0, 1]: scale them as the training images were (multiply by 255?)"
        )
    elif hi <= UNIT_MAX and top >= WIDE_MAX:
        warn_user(
            f"the detector was fitted on pixel values in [0, 1], but these images go up to "
            f"{top:.4g}: scale them as the training images were (divide by 255?)"
        )
