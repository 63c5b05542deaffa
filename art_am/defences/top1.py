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

# Smallest lead (in probability) the top-1 class keeps over a competitor it had to be restored against: well above
# float32 resolution, so the served float32 answer has the same top-1.
MARGIN = 1e-6


def keep_top1(original: np.ndarray, perturbed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    Restore the top-1 class of ``original`` in ``perturbed`` by the smallest retreat along the segment back to
    ``original``: ``y'' = (1 - t) y' + t y``. Both ends are on the simplex, so ``y''`` is. For each competing class
    ``j`` the lead of the top class is linear in ``t``, so the needed ``t`` is a closed form; rows whose float32
    answer would still disagree (ties at float32 resolution) fall back to ``t = 1``.

    :param original: ``(N, K)`` probabilities ``y``; their first argmax is the class to keep.
    :param perturbed: ``(N, K)`` probabilities ``y'``.
    :return: ``(y'', t)``: the corrected rows (float64) and each row's retreat ``t`` (0 where nothing changed).
    """
    rows = np.arange(len(original))
    top = original.argmax(axis=1)
    lead_perturbed = perturbed[rows, top][:, None] - perturbed
    lead_original = original[rows, top][:, None] - original  # > 0 before top (first argmax), >= 0 after
    before_top = np.arange(original.shape[1])[None, :] < top[:, None]
    violates = np.where(before_top, lead_perturbed <= 0, lead_perturbed < 0)
    wanted_lead = np.minimum(MARGIN, lead_original)
    slope = lead_original - lead_perturbed
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = np.where(violates, (wanted_lead - lead_perturbed) / slope, 0.0)
    retreat = np.clip(np.nan_to_num(needed, nan=1.0, posinf=1.0).max(axis=1, initial=0.0), 0.0, 1.0)
    corrected = (1.0 - retreat[:, None]) * perturbed + retreat[:, None] * original
    still_wrong = corrected.astype(np.float32).argmax(axis=1) != top
    corrected[still_wrong] = original[still_wrong]
    retreat[still_wrong] = 1.0
    return corrected, retreat
