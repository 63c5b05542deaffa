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
Keeping the top-1 class of a perturbed posterior: the guarantee of Deceptive Perturbation and MAD-argmax.
"""

from __future__ import annotations

import numpy as np

# Largest lead (in probability) a retreat asks of the top-1 class over a competitor it had to be restored against:
# well above float32 resolution, so the served float32 answer keeps the top-1 without a further correction.
MARGIN = 1e-6


def keep_top1(original: np.ndarray, perturbed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    Restore the top-1 class of ``original`` in ``perturbed`` by the smallest retreat along the segment back to
    ``original``: ``y'' = (1 - t) y' + t y``. Both ends are on the simplex, so ``y''`` is.

    A competitor ``j`` must trail the top class by ``min(MARGIN, lead_j / 2)``, ``lead_j`` being its lead in
    ``original`` (a tie is enough for a competitor after the top class, since the first argmax wins). The comparison
    is not exact, so the last bits that a budget step leaves on a tie (``1e-17``) cannot hide a violation, and the
    half lead keeps ``t < 1``: a near-tie in ``original`` never sends the undefended answer back. The lead is linear
    in ``t``, so the needed ``t`` is a closed form. Finally, where float32 cannot represent so small a lead (top two
    logits one ulp apart), the top class is raised to the next float32 value that wins the argmax, which moves the row
    by a few float32 ulps and never changes its top-1.

    :param original: ``(N, K)`` probabilities ``y``; their first argmax is the class to keep.
    :param perturbed: ``(N, K)`` probabilities ``y'``.
    :return: ``(y'', t)``: the corrected rows (float64, with the top-1 kept in their float32 cast) and each row's
             retreat ``t`` (0 where nothing changed).
    """
    original = np.asarray(original, dtype=np.float64)
    perturbed = np.asarray(perturbed, dtype=np.float64)
    rows = np.arange(len(original))
    top = original.argmax(axis=1)
    lead_perturbed = perturbed[rows, top][:, None] - perturbed
    lead_original = original[rows, top][:, None] - original  # > 0 before top (first argmax), >= 0 after
    wanted_lead = np.minimum(MARGIN, 0.5 * lead_original)
    violates = lead_perturbed < wanted_lead
    violates[rows, top] = False
    slope = lead_original - lead_perturbed  # > 0 wherever violated: lead_perturbed < wanted_lead <= lead_original
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = np.where(violates, (wanted_lead - lead_perturbed) / slope, 0.0)
    retreat = np.clip(np.nan_to_num(needed, nan=0.0, posinf=1.0).max(axis=1, initial=0.0), 0.0, 1.0)
    corrected = (1.0 - retreat[:, None]) * perturbed + retreat[:, None] * original
    return _top1_in_float32(corrected, top), retreat


def _top1_in_float32(rows_64: np.ndarray, top: np.ndarray) -> np.ndarray:
    """
    :param rows_64: ``(N, K)`` float64 answers.
    :param top: The class each row's float32 cast must have as its first argmax.
    :return: ``rows_64``, where needed with the top class raised to the smallest float32 value that wins.
    """
    rows_32 = rows_64.astype(np.float32)
    wrong = np.flatnonzero(rows_32.argmax(axis=1) != top)
    if len(wrong) == 0:
        return rows_64
    fixed = rows_32[wrong]
    before_top = np.arange(fixed.shape[1])[None, :] < top[wrong, None]
    # Competitors before the top class must be strictly below it; those after may tie.
    needed = np.where(before_top, np.nextafter(fixed, np.float32(np.inf)), fixed)
    needed[np.arange(len(wrong)), top[wrong]] = -np.inf
    fixed[np.arange(len(wrong)), top[wrong]] = needed.max(axis=1)
    result = rows_64.copy()
    result[wrong] = fixed
    return result
