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
The oracles of MAD (Orekondy et al., "Prediction Poisoning", ICLR 2020): find the vertex ``y*`` whose surrogate
gradient direction ``G y*`` deviates most, in angle, from that of the true posterior ``y``, where the columns of
``G`` are the gradients of the surrogate's per-class negative log-likelihood w.r.t. its parameters::

    maximise || G y* / |G y*| - G y / |G y| ||^2  =  2 - 2 cos(G y*, G y).

Everything is expressed through the Gram matrix ``A = G^T G`` (``K x K`` per query), given as a batched operator:

- last linear layer (the authors' choice): the gradient of ``-log p_k`` w.r.t. the weight is ``(p - e_k) h^T``, so
  ``A_ij = |h|^2 (p - e_i).(p - e_j)`` and ``h`` cancels in every cosine: only the surrogate's softmax ``p`` is
  needed, no backward pass (:class:`LastLayerGram`);
- all parameters: ``A = J J^T`` from per-sample Jacobians (:class:`DenseGram`, built with ``torch.func``).

A degenerate row: when the surrogate's posterior equals the victim's (the victim itself given as surrogate, or two
untrained copies), ``G y = 0`` and every cosine is 0/0, so the choice would be decided by rounding noise and would
depend on the rest of the batch. Such rows (``y^T A y`` below ``DEGENERATE_RATIO`` times the largest diagonal entry
of ``A``) take, deterministically, the candidate with the largest surrogate gradient ``|G y*|^2 / |y*|_1^2`` instead:
with no gradient to deviate from, the target that pushes the surrogate hardest.

| Paper link: https://arxiv.org/abs/1906.10908
"""

from __future__ import annotations

import itertools

import numpy as np

_EPS = 1e-12
# Candidates whose objectives differ by less than this are tied; the first is taken. Exact ties are common (with two
# classes every candidate's gradient is parallel to y's) and rounding noise (about 1e-16) must not break them, or a
# row's answer would depend on the rest of its batch.
TIE_TOLERANCE = 1e-9
# Rows whose y^T A y is below this fraction of max_k A_kk have (to rounding noise, about 1e-17) no gradient at y.
DEGENERATE_RATIO = 1e-14


class LastLayerGram:
    """
    ``A_ij = (p - e_i).(p - e_j)`` (the positive factor ``|h|^2`` dropped: cosines do not see it).
    """

    def __init__(self, surrogate_probs: np.ndarray) -> None:
        """
        :param surrogate_probs: ``(B, K)`` softmax of the surrogate.
        """
        self.p = surrogate_probs
        self.p_norm2 = np.sum(surrogate_probs**2, axis=1)

    def matvec(self, s: np.ndarray) -> np.ndarray:
        """
        :param s: ``(B, K, m)`` vectors.
        :return: ``A s``, ``(B, K, m)``.
        """
        total = s.sum(axis=1)[:, None, :]
        p_dot_s = np.einsum("bk,bkm->bm", self.p, s)[:, None, :]
        return self.p_norm2[:, None, None] * total - p_dot_s - self.p[:, :, None] * total + s

    def diagonal(self) -> np.ndarray:
        """
        :return: ``(B, K)`` diagonal of ``A``.
        """
        return self.p_norm2[:, None] - 2.0 * self.p + 1.0

    def subset_quadratic(self, rows: np.ndarray, sets: np.ndarray) -> np.ndarray:
        """
        ``s^T A s`` for 0/1 indicators ``s`` of class sets of size ``n``: ``n^2 |p|^2 - 2 n (p.s) + n``.

        :param rows: Batch rows.
        :param sets: ``(m, K)`` 0/1 indicators.
        :return: ``(len(rows), m)``.
        """
        sizes = sets.sum(axis=1)[None, :]
        return sizes**2 * self.p_norm2[rows, None] - 2.0 * sizes * (self.p[rows] @ sets.T) + sizes

    def column(self, rows: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """
        :param rows: Batch rows.
        :param classes: One class per row.
        :return: ``A[rows, :, classes]``, shaped ``(len(rows), K)``.
        """
        p = self.p[rows]
        column = self.p_norm2[rows, None] - p - p[np.arange(len(rows)), classes][:, None]
        column[np.arange(len(rows)), classes] += 1.0
        return column


class DenseGram:
    """
    An explicit ``(B, K, K)`` Gram matrix.
    """

    def __init__(self, gram: np.ndarray) -> None:
        """
        :param gram: ``(B, K, K)`` symmetric positive semi-definite matrices.
        """
        self.gram = gram

    def matvec(self, s: np.ndarray) -> np.ndarray:
        """
        :param s: ``(B, K, m)`` vectors.
        :return: ``A s``, ``(B, K, m)``.
        """
        return self.gram @ s

    def diagonal(self) -> np.ndarray:
        """
        :return: ``(B, K)`` diagonal of ``A``.
        """
        return np.diagonal(self.gram, axis1=1, axis2=2)

    def column(self, rows: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """
        :param rows: Batch rows.
        :param classes: One class per row.
        :return: ``A[rows, :, classes]``, shaped ``(len(rows), K)``.
        """
        return self.gram[rows, :, classes]

    def subset_quadratic(self, rows: np.ndarray, sets: np.ndarray) -> np.ndarray:
        """
        :param rows: Batch rows.
        :param sets: ``(m, K)`` 0/1 indicators of class sets.
        :return: ``s^T A s`` for every set, ``(len(rows), m)``.
        """
        return np.einsum("mk,bkl,ml->bm", sets, self.gram[rows], sets, optimize=True)


def _cosine(dot: np.ndarray, quad: np.ndarray, y_quad: np.ndarray) -> np.ndarray:
    return dot / np.sqrt(np.maximum(quad, _EPS) * np.maximum(y_quad, _EPS))


def first_minimum(values: np.ndarray) -> np.ndarray:
    """
    :param values: ``(B, m)`` objectives.
    :return: ``(B,)`` index of the first candidate within ``TIE_TOLERANCE`` of each row's minimum.
    """
    near_best = values <= values.min(axis=1, keepdims=True) + TIE_TOLERANCE
    return np.argmax(near_best, axis=1)


def degenerate_rows(diagonal: np.ndarray, y_quad: np.ndarray) -> np.ndarray:
    """
    :param diagonal: ``(B, K)`` diagonal of the batch's Gram matrices.
    :param y_quad: ``(B,)`` values ``y^T A y``.
    :return: ``(B,)`` booleans: the surrogate has no gradient at ``y`` (its posterior equals the victim's).
    """
    return y_quad <= DEGENERATE_RATIO * diagonal.max(axis=1)


def _objective(dot: np.ndarray, quad: np.ndarray, sizes: np.ndarray, y_quad: np.ndarray, degenerate: np.ndarray):
    """
    What the oracles minimise: the cosine, or on degenerate rows minus the squared gradient norm of the normalised
    candidate (``quad / sizes^2``).
    """
    return np.where(degenerate[:, None], -quad / sizes**2, _cosine(dot, quad, y_quad[:, None]))


def extreme_oracle(gram: LastLayerGram | DenseGram, y: np.ndarray) -> np.ndarray:
    """
    MAD: the one-hot vertex ``e_k`` minimising ``cos(G e_k, G y)``.

    :param gram: The batch's Gram operator.
    :param y: ``(B, K)`` true posteriors.
    :return: ``(B, K)`` one-hot targets ``y*``.
    """
    a_y = gram.matvec(y[:, :, None])[:, :, 0]
    y_quad = np.sum(y * a_y, axis=1)
    diagonal = gram.diagonal()
    degenerate = degenerate_rows(diagonal, y_quad)
    best = first_minimum(_objective(a_y, diagonal, np.ones(1), y_quad, degenerate))
    return np.eye(y.shape[1])[best]


def _subsets_containing(top: int, classes: int) -> np.ndarray:
    """
    :return: ``(2^(K-1), K)`` 0/1 indicators of every class set that contains ``top``.
    """
    others = np.array(list(itertools.product((0.0, 1.0), repeat=classes - 1)))
    return np.insert(others, top, 1.0, axis=1)


def _enumerated_argmax_oracle(gram: LastLayerGram | DenseGram, y: np.ndarray, a_y: np.ndarray) -> np.ndarray:
    top = y.argmax(axis=1)
    y_quad = np.sum(y * a_y, axis=1)
    degenerate = degenerate_rows(gram.diagonal(), y_quad)
    targets = np.empty_like(y)
    for cls in np.unique(top):  # rows sharing a top-1 class share their candidate sets
        rows = np.flatnonzero(top == cls)
        sets = _subsets_containing(int(cls), y.shape[1])
        # The cosine is scale-invariant, so the unnormalised indicators are scored directly.
        objective = _objective(
            a_y[rows] @ sets.T, gram.subset_quadratic(rows, sets), sets.sum(axis=1), y_quad[rows], degenerate[rows]
        )
        chosen = sets[first_minimum(objective)]
        targets[rows] = chosen / chosen.sum(axis=1, keepdims=True)
    return targets


def _greedy_argmax_oracle(gram: LastLayerGram | DenseGram, y: np.ndarray, a_y: np.ndarray) -> np.ndarray:
    batch, classes = y.shape
    rows = np.arange(batch)
    members = np.zeros((batch, classes), dtype=bool)
    top = y.argmax(axis=1)
    members[rows, top] = True
    a_s = gram.column(rows, top)
    diagonal = gram.diagonal()
    y_quad = np.sum(y * a_y, axis=1)
    degenerate = degenerate_rows(diagonal, y_quad)
    quad = diagonal[rows, top].copy()
    dot = a_y[rows, top].copy()
    current = _objective(dot[:, None], quad[:, None], np.ones(1), y_quad, degenerate)[:, 0]
    active = np.ones(batch, dtype=bool)
    for size in range(2, classes + 1):
        # The cosine is scale-invariant, so the unnormalised indicator of S + {j} is scored directly.
        candidate = _objective(
            dot[:, None] + a_y, quad[:, None] + 2.0 * a_s + diagonal, np.full(1, float(size)), y_quad, degenerate
        )
        candidate[members] = np.inf
        best = first_minimum(candidate)
        active &= candidate[rows, best] < current - TIE_TOLERANCE
        if not active.any():
            break
        grow, added = rows[active], best[active]
        members[grow, added] = True
        quad[grow] += 2.0 * a_s[grow, added] + diagonal[grow, added]
        dot[grow] += a_y[grow, added]
        a_s[grow] += gram.column(grow, added)
        current[grow] = candidate[grow, added]
    chosen = members.astype(np.float64)
    return chosen / chosen.sum(axis=1, keepdims=True)


def argmax_oracle(gram: LastLayerGram | DenseGram, y: np.ndarray, enumeration_limit: int = 10) -> np.ndarray:
    """
    MAD-argmax: the best target among the uniform distributions over class sets that contain the top-1 class of
    ``y``, so that any step towards it keeps the top-1. All sets are enumerated for ``K <= enumeration_limit`` (as the
    authors do); beyond, the set is grown greedily from the top-1 class while the cosine decreases.

    :param gram: The batch's Gram operator.
    :param y: ``(B, K)`` true posteriors.
    :param enumeration_limit: Largest ``K`` searched exhaustively (``2^(K-1)`` sets).
    :return: ``(B, K)`` targets ``y*``.
    """
    a_y = gram.matvec(y[:, :, None])[:, :, 0]
    if y.shape[1] <= enumeration_limit:
        return _enumerated_argmax_oracle(gram, y, a_y)
    return _greedy_argmax_oracle(gram, y, a_y)
