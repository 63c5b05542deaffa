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
Outliers synthesised from the training images, for outlier exposure: images that keep the task's local statistics
(colours, textures, object parts) but not the arrangement or the single object that makes an image of one class.

Outlier exposure teaches the defender to give a low maximum softmax probability to what its outliers resemble.
Natural outliers from one source (Tiny ImageNet) teach it that source; queries that look more like the task (a few
task images varied and blended, say) then keep a high confidence and get AM's truthful answer. Two kinds of near
outliers close that gap from the defender's own data, as the outlier-exposure literature suggests:

- :func:`shuffled_patches`: each image cut into a grid of square patches, put back in a random order (never the
  original one);
- :func:`class_blends`: each image blended with an image of another class, both keeping a share drawn from
  ``weight``.

| Paper link (outlier exposure): https://arxiv.org/abs/1812.04606
| Paper link (Adaptive Misinformation): https://arxiv.org/abs/1911.07100
"""

from __future__ import annotations

import numpy as np

from art_am.validation import check_image_batch, check_integer, check_interval


def shuffled_patches(
    x: np.ndarray, patch_size: int = 8, random_state: int | np.random.Generator | None = None
) -> np.ndarray:
    """
    Cut each image into square patches of ``patch_size`` pixels and put them back in a random order that differs from
    the original one (each image its own order).

    :param x: Images ``(N, C, H, W)``, floats, with ``H`` and ``W`` multiples of ``patch_size``.
    :param patch_size: Side of a patch in pixels; the grid must hold at least two patches.
    :param random_state: Seed or generator of the orders.
    :return: The shuffled images, float32, of ``x``'s shape.
    :raises ValueError: If the images are not a float batch, or ``patch_size`` does not tile them into two or more
                        patches.
    """
    x = check_image_batch(x, "x")
    height, width = x.shape[2:]
    check_integer(patch_size, "patch_size", low=1, high=max(height, width))
    rows, columns = height // patch_size, width // patch_size
    if rows * patch_size != height or columns * patch_size != width or rows * columns < 2:
        raise ValueError(
            f"patch_size must tile the {height}x{width} images into at least two square patches (a common divisor "
            f"of {height} and {width} below the larger), got {patch_size}."
        )
    count = rows * columns
    rng = np.random.default_rng(random_state)
    orders = np.argsort(rng.random((len(x), count)), axis=1)
    unchanged = np.flatnonzero((orders == np.arange(count)).all(axis=1))
    while len(unchanged):  # the identity order would leave the image a natural one; draw those again
        orders[unchanged] = np.argsort(rng.random((len(unchanged), count)), axis=1)
        unchanged = unchanged[(orders[unchanged] == np.arange(count)).all(axis=1)]
    # (N, C, rows, p, columns, p) -> (N, rows * columns, C, p, p): one entry per patch, row by row
    patches = x.reshape(len(x), x.shape[1], rows, patch_size, columns, patch_size).transpose(0, 2, 4, 1, 3, 5)
    patches = patches.reshape(len(x), count, x.shape[1], patch_size, patch_size)
    shuffled = np.take_along_axis(patches, orders[:, :, None, None, None], axis=1)
    shuffled = shuffled.reshape(len(x), rows, columns, x.shape[1], patch_size, patch_size).transpose(0, 3, 1, 4, 2, 5)
    return shuffled.reshape(x.shape).astype(np.float32)


def class_blends(
    x: np.ndarray,
    y: np.ndarray,
    weight: tuple[float, float] = (0.35, 0.65),
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """
    Blend each image with an image of another class drawn at random: ``w * x[i] + (1 - w) * x[j]``, ``y[j] != y[i]``,
    ``w`` uniform in ``weight``.

    :param x: Images ``(N, C, H, W)``, floats.
    :param y: Their integer class labels ``(N,)``, at least two classes.
    :param weight: ``(low, high)`` of the share ``w`` each image keeps, within [0, 1].
    :param random_state: Seed or generator of the partners and shares.
    :return: The blends, float32, of ``x``'s shape.
    :raises ValueError: If ``y`` does not label ``x`` with two or more classes, or ``weight`` is out of range.
    """
    x = check_image_batch(x, "x")
    y = np.asarray(y)
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer) or len(np.unique(y)) < 2:
        raise ValueError(
            f"y must be integer labels (N,) of x's {len(x)} images with at least two classes, got shape {y.shape} "
            f"({y.dtype}) with {len(np.unique(y))} classes."
        )
    check_interval(weight, "weight", low=0.0, high=1.0)
    rng = np.random.default_rng(random_state)
    partners = rng.integers(0, len(x), size=len(x))
    same = np.flatnonzero(y[partners] == y)
    while len(same):  # another class for every image
        partners[same] = rng.integers(0, len(x), size=len(same))
        same = same[y[partners[same]] == y[same]]
    share = rng.uniform(weight[0], weight[1], size=(len(x), 1, 1, 1)).astype(np.float32)
    return share * x.astype(np.float32) + (1.0 - share) * x[partners].astype(np.float32)
