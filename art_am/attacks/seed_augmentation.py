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
In-distribution-looking queries from a few seed images: the query set of an attacker who knows that Adaptive
Misinformation answers truthfully only what looks in-distribution.

AM switches to its misinformation model when the outlier-exposure defender's maximum softmax probability is low, so a
KnockoffNets attacker querying natural images from elsewhere gets mostly misinformation. The data-limited attacker of
the paper also holds a few images of the task (JBDA's seeds). This module spends the query budget on variations of
those images that a defender trained with flip and translate augmentation still finds familiar: each query is a seed,
mirrored with probability one half, shifted by up to ``max_shift`` pixels (edges reflected), and, with probability
``mix_probability``, blended with another image (another seed, or an image of the attacker's own pool) that keeps a
minority weight. The pool brings the variety the few seeds lack; the seed's majority weight keeps the query looking
like the task.

| Paper link (Adaptive Misinformation): https://arxiv.org/abs/1911.07100
"""

from __future__ import annotations

import numpy as np

from art_am.validation import check_image_batch, check_integer, check_interval, check_real


def augment_seed_images(
    x_seeds: np.ndarray,
    nb_queries: int,
    max_shift: int = 4,
    mix_probability: float = 0.5,
    seed_weight: tuple[float, float] = (0.6, 0.9),
    pool: np.ndarray | None = None,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """
    Draw ``nb_queries`` variations of the seed images (see the module description). Every seed is used equally often
    (up to one): the seeds are cycled in a shuffled order, so a budget of ``k * len(x_seeds)`` uses each exactly ``k``
    times.

    :param x_seeds: The attacker's images ``(N, C, H, W)``, floats.
    :param nb_queries: Number of queries to draw.
    :param max_shift: Largest shift in pixels along each image axis (0: no shift); below half the image's side.
    :param mix_probability: Probability that a query is blended with a second image.
    :param seed_weight: ``(low, high)`` of the uniform weight the seed keeps in a blend, within (0.5, 1]: the seed
                        stays the majority of the query.
    :param pool: Images ``(M, C, H, W)`` of the seeds' shape to blend with; None blends seeds with other seeds.
    :param random_state: Seed or generator of the draws.
    :return: The queries ``(nb_queries, C, H, W)``, float32, within the range of the images they mix.
    :raises ValueError: If an argument is out of range or the images' shapes do not match.
    """
    x_seeds = check_image_batch(x_seeds, "x_seeds")
    check_integer(nb_queries, "nb_queries", low=1)
    check_integer(max_shift, "max_shift", low=0, high=min(x_seeds.shape[2:]) // 2 - 1)
    check_real(mix_probability, "mix_probability", low=0.0, high=1.0)
    check_interval(seed_weight, "seed_weight", low=0.5, high=1.0, low_open=True)
    if pool is not None:
        pool = np.asarray(pool)
        if pool.ndim != 4 or len(pool) == 0 or pool.shape[1:] != x_seeds.shape[1:]:
            raise ValueError(
                f"pool must be a non-empty array of images shaped like x_seeds' {x_seeds.shape[1:]}, got {pool.shape}."
            )
    rng = np.random.default_rng(random_state)

    rounds = -(-nb_queries // len(x_seeds))
    order = np.concatenate([rng.permutation(len(x_seeds)) for _ in range(rounds)])[:nb_queries]
    queries = x_seeds[order].astype(np.float32)
    flip = rng.random(nb_queries) < 0.5
    queries[flip] = queries[flip][..., ::-1]
    if max_shift > 0:
        queries = _shifted(queries, rng.integers(-max_shift, max_shift + 1, size=(nb_queries, 2)))
    mixed = np.flatnonzero(rng.random(nb_queries) < mix_probability)
    if len(mixed):
        partners = x_seeds if pool is None else pool
        other = partners[rng.integers(0, len(partners), size=len(mixed))].astype(np.float32)
        weight = rng.uniform(seed_weight[0], seed_weight[1], size=(len(mixed), 1, 1, 1)).astype(np.float32)
        queries[mixed] = weight * queries[mixed] + (1.0 - weight) * other
    return queries


def _shifted(x: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """
    :param x: Images ``(N, C, H, W)``.
    :param shifts: Integer ``(N, 2)`` shifts (rows, columns), each below half the image's side.
    :return: Each image moved by its shift, the uncovered border filled by reflecting the image at its edge.
    """
    pad = int(np.abs(shifts).max())
    if pad == 0:
        return x
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="reflect")
    height, width = x.shape[2:]
    out = np.empty_like(x)
    for i, (dy, dx) in enumerate(shifts):
        # an image shifted down by dy shows, at row r, the padded image's row r + pad - dy
        out[i] = padded[i, :, pad - dy : pad - dy + height, pad - dx : pad - dx + width]
    return out
