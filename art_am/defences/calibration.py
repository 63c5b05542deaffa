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
Choosing Adaptive Misinformation's threshold tau on held-out in-distribution data, for a benign false-positive rate
or for a benign-accuracy budget. Works for any in-distribution-ness score (the maximum softmax probability by default).
"""

from __future__ import annotations

import numpy as np

from art_am.defences.adaptive_misinformation import adaptive_misinformation_answer
from art_am.validation import check_real


def threshold_for_false_positive_rate(scores: np.ndarray, max_false_positive_rate: float) -> float:
    """
    The largest tau at which at most ``max_false_positive_rate`` of the given benign queries score below tau (and so
    get misinformation).

    :param scores: In-distribution-ness scores of held-out benign queries.
    :param max_false_positive_rate: Allowed fraction in [0, 1).
    :return: tau.
    :raises ValueError: On an empty or non-finite score array or a rate outside [0, 1).
    """
    values = np.sort(np.asarray(scores, dtype=np.float64).ravel())
    if values.size == 0 or not np.isfinite(values).all():
        raise ValueError("scores must be a non-empty array of finite numbers.")
    check_real(max_false_positive_rate, "max_false_positive_rate", low=0.0, high=1.0, high_open=True)
    # Exactly floor(rate * n) scores lie strictly below values[k] when values are distinct.
    return float(values[int(np.floor(max_false_positive_rate * values.size))])


def threshold_for_accuracy_budget(
    victim_probs: np.ndarray,
    misinformation_probs: np.ndarray,
    labels: np.ndarray,
    max_accuracy_drop: float,
    nu: float = 1000.0,
    scores: np.ndarray | None = None,
    reference_accuracy: float | None = None,
    unit: float = 1.0,
) -> tuple[float, float]:
    """
    The largest tau whose defended accuracy on the held-out benign data stays within ``max_accuracy_drop`` of the
    undefended accuracy. Every tau that changes the answer (each distinct score) is tried with the exact formula.

    :param victim_probs: ``(N, K)`` probabilities of the true model on held-out benign data.
    :param misinformation_probs: ``(N, K)`` probabilities of the misinformation model on the same data.
    :param labels: ``(N,)`` true labels.
    :param max_accuracy_drop: Allowed accuracy loss as a fraction (0.005 for half a percentage point).
    :param nu: Steepness of the switch.
    :param scores: In-distribution-ness scores of the rows (any score of :mod:`art_am.defences.ood_scores`); the
                   maximum softmax probability of ``victim_probs`` by default.
    :param reference_accuracy: The accuracy the budget counts from, e.g. that of a normally trained model the defender
                               replaces; the undefended accuracy of ``victim_probs`` by default.
    :param unit: The unit of ``scores`` (``OODScore.unit`` of the score that made them; 1 for the maximum softmax
                 probability).
    :return: ``(tau, defended accuracy at tau)``; the lowest candidate tau when no tau meets the budget.
    :raises ValueError: On mismatched shapes or a budget outside [0, 1].
    """
    if victim_probs.shape != misinformation_probs.shape or len(labels) != len(victim_probs):
        raise ValueError("victim_probs, misinformation_probs and labels must describe the same rows and classes.")
    check_real(max_accuracy_drop, "max_accuracy_drop", low=0.0, high=1.0)
    score = victim_probs.max(axis=1) if scores is None else np.asarray(scores, dtype=np.float64)
    if score.shape != labels.shape or not np.isfinite(score).all():
        raise ValueError(f"scores must be {len(labels)} finite numbers, one per row, got shape {score.shape}.")
    if reference_accuracy is None:
        reference_accuracy = float((victim_probs.argmax(1) == labels).mean())
    target = reference_accuracy - max_accuracy_drop
    # The lowest candidate misinforms nothing: 0 for the maximum softmax probability, else far enough below the lowest
    # score that the switch gives every row a weight below 1e-21.
    check_real(unit, "unit", low=0.0, low_open=True)
    candidates = np.unique(np.concatenate([[min(0.0, float(score.min()) - 50.0 * unit / nu)], score]))

    def defended_accuracy(tau: float) -> float:
        served, _ = adaptive_misinformation_answer(victim_probs, misinformation_probs, score, tau, nu, unit=unit)
        return float((served.argmax(1) == labels).mean())

    best = (float(candidates[0]), defended_accuracy(float(candidates[0])))
    # Defended accuracy falls as tau rises, so bisect on the sorted candidates.
    low, high = 1, len(candidates) - 1
    while low <= high:
        middle = (low + high) // 2
        tau = float(candidates[middle])
        accuracy = defended_accuracy(tau)
        if accuracy >= target:
            best = (tau, accuracy)
            low = middle + 1
        else:
            high = middle - 1
    return best
