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
Metrics of the defence evaluation: accuracy and agreement of labels, Hellinger distance between predictions,
out-of-distribution detection quality (AUROC, fraction of in-distribution data kept at a threshold).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import roc_auc_score


def agreement(preds_a: np.ndarray, preds_b: np.ndarray) -> float:
    """
    :param preds_a: ``(N, K)`` scores or ``(N,)`` labels.
    :param preds_b: Same for the other model.
    :return: Fraction of rows whose top-1 classes agree (fidelity of a clone when one side is the victim).
    """
    labels_a = preds_a.argmax(1) if preds_a.ndim == 2 else preds_a
    labels_b = preds_b.argmax(1) if preds_b.ndim == 2 else preds_b
    if labels_a.shape != labels_b.shape:
        raise ValueError(f"shapes differ: {labels_a.shape} vs {labels_b.shape}.")
    return float((labels_a == labels_b).mean())


def hellinger_distance(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """
    :param p: ``(N, K)`` probabilities.
    :param q: ``(N, K)`` probabilities.
    :return: ``(N,)`` Hellinger distances ``sqrt(1/2 * sum_k (sqrt p_k - sqrt q_k)^2)``, in [0, 1].
    """
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}.")
    difference = np.sqrt(np.clip(p, 0.0, None)) - np.sqrt(np.clip(q, 0.0, None))
    return np.sqrt(0.5 * np.sum(difference**2, axis=1))


def ood_auroc(scores_in: np.ndarray, scores_out: np.ndarray) -> float:
    """
    AUROC of separating in-distribution from out-of-distribution inputs by an "in-distribution-ness" score
    (higher means more in-distribution, e.g. the maximum softmax probability).

    :param scores_in: Scores of in-distribution inputs.
    :param scores_out: Scores of out-of-distribution inputs.
    :return: AUROC in [0, 1]; 0.5 is chance.
    """
    labels = np.concatenate([np.ones(len(scores_in)), np.zeros(len(scores_out))])
    return float(roc_auc_score(labels, np.concatenate([scores_in, scores_out])))


def fraction_above(scores: np.ndarray, thresholds: Sequence[float] | np.ndarray) -> dict[float, float]:
    """
    :param scores: In-distribution-ness scores.
    :param thresholds: Thresholds tau.
    :return: For each tau, the fraction of scores strictly above it (answered by the true model under AM).
    """
    return {float(tau): float((scores > tau).mean()) for tau in thresholds}
