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
Conversion of image arrays of any common layout to the library's convention: float32, ``N x C x H x W``, in [0, 1].
"""

from __future__ import annotations

import numpy as np


def to_float_images(images: np.ndarray, source: str = "images") -> np.ndarray:
    """
    Convert an image array to float32 ``(N, C, H, W)`` with values in [0, 1].

    :param images: ``uint8`` or other integer (0-255) or floating point (already in [0, 1]) array shaped
                   ``(N, H, W)``, ``(N, C, H, W)`` or ``(N, H, W, C)`` with C in {1, 3}.
    :param source: Name used in error messages.
    :return: The converted array.
    :raises ValueError: On an unsupported shape or dtype, integer values outside [0, 255] (or integer images whose
                        largest value is 1, which could be either scale), or floating point values outside [0, 1].
    """
    array = np.asarray(images)
    if array.dtype == np.bool_ or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise ValueError(
            f"{source}: images must be integer (0-255) or floating point (0-1) numbers, got {array.dtype}."
        )
    if array.ndim == 3:
        array = array[:, None, :, :]
    elif array.ndim == 4 and array.shape[1] not in (1, 3) and array.shape[-1] in (1, 3):
        array = np.transpose(array, (0, 3, 1, 2))
    if array.ndim != 4 or array.shape[1] not in (1, 3):
        raise ValueError(
            f"{source}: expected images shaped (N, H, W), (N, C, H, W) or (N, H, W, C) with C in {{1, 3}}, "
            f"got {np.asarray(images).shape}."
        )
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array, dtype=np.float32) / np.float32(255.0)
    if np.issubdtype(array.dtype, np.integer):
        low, high = (int(array.min()), int(array.max())) if array.size else (0, 255)
        if low < 0 or high > 255:
            raise ValueError(f"{source}: integer images must hold 0-255 pixel values, got values in [{low}, {high}].")
        if high <= 1:
            raise ValueError(
                f"{source}: integer images whose values are all 0 or 1 are ambiguous (0-1 or 0-255 scale?); store them "
                "as uint8 0-255 or as floating point in [0, 1]."
            )
        return np.ascontiguousarray(array, dtype=np.float32) / np.float32(255.0)
    array = np.ascontiguousarray(array, dtype=np.float32)
    if array.size and (not np.isfinite(array).all() or array.min() < 0.0 or array.max() > 1.0):
        raise ValueError(f"{source}: floating point images must be finite and in [0, 1].")
    return array
