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
Loader for image sets stored as a NumPy ``.npz`` archive with ``x`` and ``y`` arrays.
"""

from __future__ import annotations

import logging
import os
import zipfile

import numpy as np

from art_am.datasets.arrays import to_float_images

logger = logging.getLogger(__name__)


def load_npz(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """
    Load an image set from a ``.npz`` file holding an image array ``x`` and an integer label array ``y``.

    Images may be ``uint8`` (0-255) or floating point in [0, 1], laid out ``N x H x W``, ``N x C x H x W`` or
    ``N x H x W x C`` (C in {1, 3}).

    :param path: Path of the ``.npz`` file.
    :return: Tuple ``(x, y)``: ``x`` float32 of shape ``(N, C, H, W)`` in [0, 1], ``y`` int64 of shape ``(N,)``.
    :raises FileNotFoundError: If the file does not exist.
    :raises ValueError: If the archive lacks ``x`` or ``y`` or their shapes disagree.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No .npz file at '{path}'. Expected a NumPy archive with arrays 'x' and 'y'.")
    x, y = read_npz_arrays(path, ("x", "y"))
    if len(x) == 0:
        raise ValueError(f"'{path}' holds no images ('x' has shape {x.shape}).")
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"'{path}': 'y' must be 1-D with one label per image, got shapes x {x.shape}, y {y.shape}.")
    return to_float_images(x, source=str(path)), class_labels(y, f"'{path}': 'y'")


def read_npz_arrays(path: str | os.PathLike, keys: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """
    Read arrays from a NumPy archive, with every way the file can be damaged named as such.

    :param path: The ``.npz`` file.
    :param keys: The arrays to read.
    :return: The arrays, in the order of ``keys``.
    :raises ValueError: Naming the file, if it is not a readable NumPy archive (empty, truncated, not a zip, a member
                        that fails its checksum, pickled objects) or lacks one of ``keys``.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not hasattr(archive, "files"):
                raise ValueError("it holds a single array, not an archive of named arrays")
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise ValueError(f"it lacks the array(s) {missing} (it holds {archive.files})")
            return tuple(archive[key] for key in keys)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as error:
        raise ValueError(f"'{path}' is not a readable NumPy archive with {list(keys)}: {error}") from error


def class_labels(y: np.ndarray, name: str) -> np.ndarray:
    """
    :param y: Labels: integers >= 0 (or floats holding such integers exactly).
    :param name: Name used in error messages.
    :return: ``y`` as int64.
    :raises ValueError: For non-numeric, fractional, non-finite or negative labels.
    """
    array = np.asarray(y)
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all() or (array != np.round(array)).any():
            raise ValueError(f"{name} must hold integer class labels, got fractional or non-finite values.")
    elif array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class labels, got dtype {array.dtype}.")
    if array.size and array.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0, got {array.min()}.")
    return array.astype(np.int64)
