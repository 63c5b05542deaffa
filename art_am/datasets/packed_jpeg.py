# MIT License
#
# Copyright (C) The Adversarial Robustness Toolbox (ART) Authors 2026
#
# Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
# documentation files (the "Software"), to deal in the Software without restriction, including without limitation the
# rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit
# persons to whom the Software is furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in all copies or substantial portions of the
# Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
# WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
# AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
# TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
# SOFTWARE.
"""
Image sets stored as packed JPEG files (``.npz`` with ``jpeg``: every file's bytes back to back, ``offsets``: N + 1
boundaries, ``y``: labels; optionally ``classes``), decoded once and cached as ``uint8`` arrays, so that later loads
cost a file read instead of tens of thousands of JPEG decodes.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os

import numpy as np

from art_am.atomic import write_npz_atomic
from art_am.datasets.npz import class_labels, read_npz_arrays

logger = logging.getLogger(__name__)

CACHE_VARIABLE = "ART_AM_CACHE"


def default_cache_dir() -> str:
    """
    :return: ``$ART_AM_CACHE/decoded`` if the variable is set, else ``~/.cache/art_am/decoded`` (the data folder may be
             read-only, so decoded arrays are never written beside it).
    """
    root = os.environ.get(CACHE_VARIABLE) or os.path.join(os.path.expanduser("~"), ".cache", "art_am")
    return os.path.join(root, "decoded")


def _file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def decode_packed_jpeg(
    path: str | os.PathLike, size: int | None = None, cache_dir: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """
    Decode a packed JPEG archive, or read its cached decoding.

    :param path: The ``*_jpeg.npz`` file.
    :param size: Side of the square output images; images of another size are resized with a box filter (the mean of
                 the covered source pixels, i.e. anti-aliased downsampling). None keeps the stored size.
    :param cache_dir: Folder of decoded arrays (:func:`default_cache_dir` by default). The cache key is the archive's
                      content digest and ``size``, so a changed archive is decoded again.
    :return: ``(x, y)``: ``x`` ``uint8`` ``(N, H, W, 3)`` RGB (greyscale files are converted), ``y`` int64 ``(N,)``.
    :raises FileNotFoundError: If the archive does not exist.
    :raises ValueError: If it lacks a key, its offsets do not bound the bytes, or ``size`` is not a positive integer.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No packed JPEG archive at '{path}' (expected keys 'jpeg', 'offsets', 'y').")
    if size is not None and (isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1):
        raise ValueError(f"size must be a positive integer or None, got {size!r}.")
    folder = os.fspath(cache_dir) if cache_dir is not None else default_cache_dir()
    stem = os.path.basename(path)[: -len(".npz")] if path.endswith(".npz") else os.path.basename(path)
    cached = os.path.join(folder, f"{stem}-{_file_digest(path)}-{size or 'native'}.npz")
    if os.path.isfile(cached):
        try:
            x, y = read_npz_arrays(cached, ("x", "y"))
            if x.ndim != 4 or x.dtype != np.uint8 or len(x) != len(y):
                raise ValueError(f"'{cached}' holds x {x.dtype} {x.shape} and y {y.shape}, not a decoding")
            return x, y
        except ValueError as error:  # damaged (a killed writer before atomic writes, a full disk): decode again
            logger.warning("decode cache %s is damaged (%s); decoding %s again", cached, error, path)
    x, y = _decode(path, size)
    write_npz_atomic(cached, {"x": x, "y": y})
    logger.info("decoded %d images of %s into %s", len(x), path, cached)
    return x, y


def read_packed_files(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    The stored files of a packed JPEG archive, undecoded, with its offsets checked.

    :param path: The ``*_jpeg.npz`` file.
    :return: ``(data, offsets, labels)``: file ``i`` is ``data[offsets[i]:offsets[i + 1]]`` (int64 offsets).
    :raises ValueError: If it lacks a key, holds no images, or its offsets do not bound the bytes strictly increasing.
    """
    data, offsets, labels = read_npz_arrays(path, ("jpeg", "offsets", "y"))
    offsets = offsets.astype(np.int64)
    if len(labels) == 0:
        raise ValueError(f"'{path}' holds no images (its 'y' is empty).")
    if offsets.ndim != 1 or len(offsets) != len(labels) + 1 or offsets[0] != 0 or offsets[-1] != len(data):
        raise ValueError(
            f"'{path}': offsets must hold N + 1 = {len(labels) + 1} boundaries from 0 to {len(data)}, "
            f"got {len(offsets)} from {offsets[:1]} to {offsets[-1:]}."
        )
    if (np.diff(offsets) <= 0).any():
        raise ValueError(f"'{path}': offsets must increase strictly (every image has bytes).")
    return data, offsets, labels


def _decode(path: str, size: int | None) -> tuple[np.ndarray, np.ndarray]:
    from PIL import Image, UnidentifiedImageError  # pylint: disable=import-outside-toplevel

    data, offsets, labels = read_packed_files(path)
    images = []
    for index, (begin, end) in enumerate(zip(offsets[:-1], offsets[1:])):
        try:
            with Image.open(io.BytesIO(data[begin:end].tobytes())) as image:
                rgb = image.convert("RGB")
                if size is not None and rgb.size != (size, size):
                    rgb = rgb.resize((size, size), Image.Resampling.BOX)
                images.append(np.asarray(rgb, dtype=np.uint8))
        except (OSError, ValueError, SyntaxError) as error:  # PIL: unidentified or truncated files
            reason = "PIL cannot identify it" if isinstance(error, UnidentifiedImageError) else str(error)
            raise ValueError(
                f"'{path}': image {index} (bytes {begin}-{end}) is not a decodable JPEG: {reason}"
            ) from error
    shapes = sorted({image.shape for image in images})
    if len(shapes) > 1:
        raise ValueError(
            f"'{path}' holds images of {len(shapes)} sizes ({shapes[0][:2]}, {shapes[1][:2]}, ...); pass size= to "
            "resize them to one."
        )
    return np.stack(images), class_labels(labels, f"'{path}': 'y'")
