"""Image pixels for the anomaly detector: one scale, whatever form the images come in.

aekit's image-folder reader gives values in [0, 1], and so do most image
libraries' float conversions; ``uint8`` arrays hold 0-255. A detector fitted
on one form and scored on the other would flag every image (or none), so
``uint8`` images are divided by 255 on the way in, and images whose values lie
on another scale than the training images' get a warning.
"""

from __future__ import annotations

import warnings

import numpy as np

#: Largest value still read as "pixels in [0, 1]" when telling the two scales apart.
UNIT_MAX = 1.0
#: Smallest training maximum read as "pixels on a 0-255 scale".
WIDE_MAX = 2.0


def unit_pixels(images: np.ndarray) -> np.ndarray:
    """Images as float32, ``uint8`` ones divided by 255 (shape unchanged)."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return images.astype(np.float32, copy=False)


def check_pixel_scale(fitted_max: float | None, images: np.ndarray) -> None:
    """Warn when ``images`` (as :func:`unit_pixels` gives them) are on another scale than training.

    Parameters
    ----------
    fitted_max : float or None
        Largest pixel value of the training images; None (a model file from
        before it was kept) skips the check.
    images : ndarray of shape (n, H, W) or (n, C, H, W)
    """
    if fitted_max is None or images.size == 0:
        return
    top = float(images.max())
    if fitted_max >= WIDE_MAX and top <= UNIT_MAX:
        warnings.warn(
            f"the detector was fitted on pixel values up to {fitted_max:.4g}, but these images "
            "lie in [0, 1]: scale them as the training images were (multiply by 255?)",
            UserWarning,
            stacklevel=4,
        )
    elif fitted_max <= UNIT_MAX and top >= WIDE_MAX:
        warnings.warn(
            f"the detector was fitted on pixel values in [0, 1], but these images go up to "
            f"{top:.4g}: scale them as the training images were (divide by 255?)",
            UserWarning,
            stacklevel=4,
        )
