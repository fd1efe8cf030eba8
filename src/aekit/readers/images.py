"""Folders of images (PNG, JPEG, BMP, TIFF, WebP, GIF) -> one array, labels from subfolders."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import numpy as np

from aekit._warnings import warn_user
from aekit.readers._base import (
    IMAGE_FORMATS,
    IMAGE_SUFFIXES,
    DataError,
    Dataset,
    MissingDependencyError,
)

#: Files Windows writes into any folder of pictures (thumbnail caches, folder
#: settings): nobody put them there as data, so they are passed over in silence.
SYSTEM_FILES = frozenset({"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini"})


def read_images(
    folder: str | os.PathLike, size: tuple[int, int] | None = None, color: str = "grayscale"
) -> Dataset:
    """Read every image (PNG, JPEG, BMP, TIFF, WebP, GIF) under a folder, recursively, as one array.

    Images in subfolders take the subfolder's name as label (``digits/3/a.png``
    has label ``'3'``), so a labelled image folder works as is. Other files
    are left out with one warning that counts them by suffix (hidden files
    and the thumbnail caches and settings Windows writes into folders aside).

    Parameters
    ----------
    folder : path
    size : (height, width) or None
        Resize every image to this size; None requires all images to have one size.
    color : {'grayscale', 'rgb'}

    Returns
    -------
    Dataset
        ``X`` float32 in [0, 1] of shape ``(n, H, W)`` (grayscale) or
        ``(n, 3, H, W)`` (RGB); ``index`` the relative file names.

    Raises
    ------
    DataError
        For an image that cannot be read, an animated GIF, a size that differs
        without ``size``, or deep pixels outside the ranges below.

    Notes
    -----
    8-bit pixels are divided by 255. Deeper grey images (16- or 32-bit
    integers, 32-bit floats, as in TIFF files from microscopes and depth
    cameras) are scaled by a fixed rule, the same for every image: integers
    are divided by 65535 and must lie in 0..65535 (a 16-bit PNG may open as
    32 bits); floats are taken as they are and must lie in [0, 1]. Other
    values are refused rather than clipped or scaled by each image's own range,
    which would make the images incomparable: scale them, or save the pixels
    as a .npy array.
    """
    try:
        from PIL import Image, ImageOps
    except ImportError as e:  # pragma: no cover - Pillow is in the io extra
        raise MissingDependencyError("reading images needs Pillow: pip install 'aekit[io]'") from e
    if color not in ("grayscale", "rgb"):
        raise ValueError(f"color must be 'grayscale' or 'rgb', got {color!r}")
    folder = Path(folder)
    files, others = _listed(folder)
    if not files:
        held = f"; it holds only {_by_suffix(others)}" if others else ""
        raise DataError(f"{folder}: no images ({IMAGE_FORMATS}) in this folder{held}")
    if others:
        # Left out without a word, a .heic or .svg among the images would just be missing.
        warn_user(f"{folder}: left out {_by_suffix(others)} that aekit does not read as "
                  f"images (it reads {IMAGE_FORMATS}); the first is "
                  f"{others[0].relative_to(folder)}")  # fmt: skip
    mode = "L" if color == "grayscale" else "RGB"
    arrays, names, labels, see_through = [], [], [], 0
    for f in files:
        try:
            with Image.open(f) as im:
                frames = getattr(im, "n_frames", 1)
                if im.format == "GIF" and frames > 1:
                    raise DataError(
                        f"{f}: an animated GIF of {frames} frames; aekit reads one picture "
                        "a file: save the frames as separate images"
                    )
                # A camera's JPEG is stored sideways with an EXIF note to turn it.
                im = ImageOps.exif_transpose(im)
                see_through += im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
                # 16- and 32-bit grey (PNG "I;16", "I", TIFF "F"): convert() would cut to 8 bits.
                deep = im.mode.startswith("I") or im.mode == "F"
                if deep:
                    im = Image.fromarray(_deep_grey(im, f))
                else:
                    im = im.convert(mode)
                if size is not None and im.size != (size[1], size[0]):
                    im = im.resize((size[1], size[0]), Image.Resampling.BILINEAR)
                a = np.asarray(im, dtype=np.float32)
                if deep:
                    a = a if mode == "L" else np.repeat(a[..., None], 3, axis=2)
                else:
                    a = a / 255.0
        except OSError as e:
            raise DataError(f"{f}: cannot be read as an image ({e})") from None
        a = a if mode == "L" else a.transpose(2, 0, 1)  # (H, W) or (3, H, W)
        if arrays and a.shape != arrays[0].shape:
            h, w, h0, w0 = *a.shape[-2:], *arrays[0].shape[-2:]
            raise DataError(f"{f}: image is {h}x{w} (height x width) but {names[0]} is "
                            f"{h0}x{w0}; pass an image size to resize all")  # fmt: skip
        arrays.append(a)
        rel = f.relative_to(folder)
        names.append(str(rel))
        labels.append(rel.parts[0] if len(rel.parts) > 1 else None)
    if see_through:
        warn_user(f"{folder}: {see_through} of the images have transparency, which is not read: "
                  "a see-through pixel counts with the colour stored under it")  # fmt: skip
    y = np.asarray(labels) if all(lab is not None for lab in labels) else None
    if y is None and any(lab is not None for lab in labels):
        loose = sum(lab is None for lab in labels)
        lie = "image lies" if loose == 1 else "images lie"
        warn_user(f"{folder}: {loose} {lie} outside the class subfolders, so no image gets a "
                  "class label; move them into a subfolder to keep the classes")  # fmt: skip
    return Dataset(X=np.stack(arrays), y=y, kind="images", index=np.asarray(names),
                   source=str(folder))  # fmt: skip


def _deep_grey(im, path: Path) -> np.ndarray:
    """The pixels of a 16-bit, 32-bit or float grey image in [0, 1], by the rule of read_images."""
    a = np.asarray(im, dtype=np.float64)
    floats = im.mode == "F"
    if floats and not np.isfinite(a).all():
        raise DataError(f"{path}: a floating-point image with missing (NaN) or infinite pixels; "
                        "fill them, or save the pixels as a .npy array")  # fmt: skip
    top = 1.0 if floats else 65535.0
    lo, hi = float(a.min()), float(a.max())
    if lo < 0 or hi > top:
        what, rule = (("a floating-point", "floating-point pixels in [0, 1]") if floats else
                      ("an integer", "integer pixels in 0-65535 (16 bits)"))  # fmt: skip
        raise DataError(f"{path}: {what} image with values from {lo:g} to {hi:g}; aekit reads "
                        f"{rule}, and does not clip or guess a scale: scale the images to "
                        "that range, or save the pixels as a .npy array")  # fmt: skip
    return (a / top).astype(np.float32)


def _listed(folder: Path) -> tuple[list[Path], list[Path]]:
    """(image files, other files) under ``folder``, each sorted, leaving out the unseen ones.

    Hidden files and folders (".DS_Store", "__MACOSX/._a.png" resource forks)
    and Windows' own files are not data.
    """
    images, others = [], []
    for p in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        if p.suffix.lower() in IMAGE_SUFFIXES:
            images.append(p)
        elif p.is_file() and p.name.lower() not in SYSTEM_FILES:
            others.append(p)
    return images, others


def _by_suffix(files: list[Path]) -> str:
    """'5 files (3 .heic, 1 .txt, 1 without a suffix)'."""
    counts = Counter(p.suffix.lower() or "without a suffix" for p in files)
    kinds = ", ".join(f"{n} {suffix}" for suffix, n in counts.most_common())
    return f"{len(files)} file{'s' if len(files) > 1 else ''} ({kinds})"
