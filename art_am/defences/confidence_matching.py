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
The countermeasure of the Adaptive Misinformation paper's Section 6: an attacker may keep only confident answers,
since misinformation answers (served for out-of-distribution queries) can be less confident than true ones. Temperatures
for the served answers of ``f`` (smoothing) and ``f_hat`` (sharpening) are fitted so that the two maximum-probability
distributions match, measured by the AUROC of a confidence-threshold distinguisher before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from art_am.defences.adaptive_misinformation import tempered
from art_am.metrics import ood_auroc


@dataclass(frozen=True)
class ConfidenceMatch:
    """
    Result of :func:`fit_confidence_matching`.

    :param victim_temperature: Temperature for ``f``'s answers (pass to AdaptiveMisinformation).
    :param misinformation_temperature: Temperature for ``f_hat``'s answers.
    :param auroc_before: AUROC of "max probability" separating true from misinformation answers, untempered.
    :param auroc_after: The same with the fitted temperatures (0.5 means indistinguishable).
    """

    victim_temperature: float
    misinformation_temperature: float
    auroc_before: float
    auroc_after: float


def _distinguisher_auroc(true_answers: np.ndarray, misinformation_answers: np.ndarray) -> float:
    return ood_auroc(true_answers.max(axis=1), misinformation_answers.max(axis=1))


def fit_confidence_matching(
    true_answers: np.ndarray,
    misinformation_answers: np.ndarray,
    temperatures: np.ndarray | None = None,
) -> ConfidenceMatch:
    """
    Fit the two temperatures on a grid so that a confidence threshold separates the answers as little as possible
    (AUROC closest to 0.5).

    :param true_answers: ``(N, K)`` probabilities ``f`` serves (e.g. on benign in-distribution data).
    :param misinformation_answers: ``(M, K)`` probabilities ``f_hat`` serves (e.g. on attack queries).
    :param temperatures: Candidate temperatures for each model; a log-spaced grid from 0.05 to 20 by default.
    :return: The fitted temperatures and the distinguisher's AUROC before and after.
    :raises ValueError: If the class counts differ or an input is empty.
    """
    if (
        true_answers.ndim != 2
        or misinformation_answers.ndim != 2
        or true_answers.shape[1] != misinformation_answers.shape[1]
    ):
        raise ValueError("true_answers and misinformation_answers must be (N, K) arrays with the same K.")
    if len(true_answers) == 0 or len(misinformation_answers) == 0:
        raise ValueError("true_answers and misinformation_answers must not be empty.")
    grid = np.geomspace(0.05, 20.0, 25) if temperatures is None else np.asarray(temperatures, dtype=np.float64)
    before = _distinguisher_auroc(true_answers, misinformation_answers)
    best = (1.0, 1.0, before)
    for victim_temperature in grid:
        smoothed = tempered(true_answers, float(victim_temperature))
        for misinformation_temperature in grid:
            auroc = _distinguisher_auroc(smoothed, tempered(misinformation_answers, float(misinformation_temperature)))
            if abs(auroc - 0.5) < abs(best[2] - 0.5):
                best = (float(victim_temperature), float(misinformation_temperature), auroc)
    return ConfidenceMatch(best[0], best[1], before, best[2])
