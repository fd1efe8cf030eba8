"""Image pixels for the anomaly detector: one scale, whatever form the images come in.

aekit's image-folder reader gives values in [0, 1], and so do most image
libraries' float conversions; ``uint8`` arrays hold 0-255. A detector fitted
on one form and scored on the other would flag every image (or none), so
``uint8`` images are divided by 255 on the way in (unless the detector was
fitted on 0-255 floats, which ``uint8`` then matches as it is), and images whose
values lie on another scale than the training images' get a warning.

The rule goes by dtype alone, so ``uint8`` masks of 0 and 1 become 0 and
1/255 while the same masks as ``bool`` or floats stay 0 and 1: fitting on
such masks warns (pass them as ``bool`` or float to have them read as 0 and
1), and scoring images whose largest value is about 255 times the training
images' (or a 255th of it) warns too.
"""

from __future__ import annotations

import numpy as np

from aekit._warnings import warn_user

#: Largest value still read as "pixels in [0, 1]" when telling the two scales apart.
UNIT_MAX = 1.0
#: Smallest training maximum read as "pixels on a 0-255 scale" (above 0-16 digits).
WIDE_MAX = 32.0
#: How far from 255 the ratio of two maxima may be (either way) and still read as
#: "divided by 255 once more or once less": masks give exactly 255, images near it.
RATIO_SLACK = 2.0


def warn_unit_masks(images: np.ndarray) -> None:
    """Warn when ``uint8`` images hold only 0 and 1: :func:`unit_pixels` reads them as 0-255.

    Parameters
    ----------
    images : ndarray of shape (n, H, W) or (n, C, H, W)
        The images as given, before :func:`unit_pixels`.
    """
    if images.dtype != np.uint8 or images.size == 0 or int(images.max()) != 1:
        return
    warn_user(
        "these uint8 images hold only 0 and 1; uint8 pixels are read as 0-255 and divided "
        "by 255, so they become 0 and 1/255: to have 0/1 masks read as 0 and 1, pass them "
        "as bool or float (X.astype(bool) or X.astype(np.float32))"
    )


def unit_pixels(images: np.ndarray) -> np.ndarray:
    """Images as float32, ``uint8`` ones divided by 255 (shape unchanged)."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255.0)
    return images.astype(np.float32, copy=False)


def check_pixel_scale(
    fitted_range: tuple[float, float] | None, images: np.ndarray
) -> None:
    """Warn when ``images`` lie on another scale than the training images.

    That is [0, 1] against 0-255, or a largest value about 255 times (or a
    255th of) the training images' largest: ``uint8`` 0/1 masks (read as 0
    and 1/255) against the same masks as ``bool`` or floats.

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
    elif top > 0 and hi > 0 and _near_255(hi / top):
        warn_user(
            f"the detector was fitted on pixel values up to {hi:.4g}, but these images only "
            f"go up to {top:.4g}, about 255 times less. If they are 0/1 masks given as "
            "uint8: uint8 images are divided by 255, so the masks became 0 and 1/255; pass "
            "them as bool or float. (A nearly black uint8 image looks the same to this check.)"
        )
    elif top > 0 and hi > 0 and _near_255(top / hi):
        warn_user(
            f"the detector was fitted on pixel values up to {hi:.4g}, but these images go up "
            f"to {top:.4g}, about 255 times more: were the training images uint8 0/1 masks "
            "(read as 0 and 1/255)? Pass these the same way, or fit again on bool or float masks"
        )


def _near_255(ratio: float) -> bool:
    return 255.0 / RATIO_SLACK <= ratio <= 255.0 * RATIO_SLACK
