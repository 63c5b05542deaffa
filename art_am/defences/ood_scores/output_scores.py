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
Scores computed from the protected model's outputs alone:

- maximum softmax probability ``max_i p_i`` (Hendrycks & Gimpel 2017; Adaptive Misinformation's score);
- energy ``T logsumexp(z / T)``, the negative free energy of the logits ``z`` (Liu et al. 2020);
- maximum logit ``max_i z_i`` (Hendrycks et al. 2022).

| Paper links: https://arxiv.org/abs/1610.02136, https://arxiv.org/abs/2010.03759, https://arxiv.org/abs/1911.11132
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from art_am.defences.ood_scores.base import OODScore
from art_am.validation import check_real


class MaxSoftmaxProbability(OODScore):
    """
    The maximum softmax probability, exactly as in Adaptive Misinformation (paper Eq. 8). Values lie in [0, 1].
    """

    name = "msp"
    bounds = (0.0, 1.0)

    def _score(self, probabilities: np.ndarray, logits: np.ndarray | None, x: np.ndarray | None) -> np.ndarray:
        return probabilities.max(axis=1)


class Energy(OODScore):
    """
    The negative free energy ``T logsumexp(z / T)`` of the logits: unlike the softmax it keeps the logits' scale, which
    outlier-exposure training lowers on out-of-distribution inputs. Needs a model that returns logits.

    | Paper link: https://arxiv.org/abs/2010.03759
    """

    name = "energy"
    needs_logits = True

    def __init__(self, temperature: float = 1.0) -> None:
        """
        :param temperature: T (> 0).
        """
        check_real(temperature, "temperature", low=0.0, low_open=True)
        self.temperature = float(temperature)

    def _score(self, probabilities: np.ndarray, logits: np.ndarray | None, x: np.ndarray | None) -> np.ndarray:
        assert logits is not None  # checked by __call__
        return self.temperature * logsumexp(logits / self.temperature, axis=1)

    def __repr__(self) -> str:
        return f"Energy(temperature={self.temperature})"


class MaxLogit(OODScore):
    """
    The largest logit. Needs a model that returns logits.

    | Paper link: https://arxiv.org/abs/1911.11132
    """

    name = "max-logit"
    needs_logits = True

    def _score(self, probabilities: np.ndarray, logits: np.ndarray | None, x: np.ndarray | None) -> np.ndarray:
        assert logits is not None  # checked by __call__
        return logits.max(axis=1)
