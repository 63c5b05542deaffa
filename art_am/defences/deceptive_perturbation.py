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
Deceptive Perturbation (Lee et al. 2019): the reverse-sigmoid perturbation of the posterior, with the top-1 class
guaranteed kept.

The perturbation itself is ART's :class:`~art.defences.postprocessor.ReverseSigmoid` formula, reused as it is. That
formula alone can change the top-1 class (see docs/design.md). The guarantee is enforced by retreating each offending
row along the segment back to the true posterior (:func:`art_am.defences.top1.keep_top1`). The cost is a smaller
perturbation on exactly those rows; rows whose top-1 ART keeps are untouched.

| Paper link: https://arxiv.org/abs/1806.00054
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from art.defences.postprocessor import ReverseSigmoid
from art.defences.postprocessor.postprocessor import Postprocessor

from art_am.defences.probabilities import PREDS_TYPES, to_probabilities
from art_am.defences.top1 import keep_top1
from art_am.validation import check_choice, check_real

logger = logging.getLogger(__name__)


class DeceptivePerturbation(Postprocessor):
    """
    Reverse-sigmoid deceptive perturbation with the top-1 class of every answer kept.

    | Paper link: https://arxiv.org/abs/1806.00054
    """

    params = ["beta", "gamma", "preds_type"]

    def __init__(
        self,
        beta: float = 1.0,
        gamma: float = 0.1,
        preds_type: str = "auto",
        apply_fit: bool = False,
        apply_predict: bool = True,
    ) -> None:
        """
        :param beta: Magnitude of the perturbation (> 0).
        :param gamma: Convergence parameter of the sigmoid (> 0).
        :param preds_type: What the protected model returns: ``"logits"``, ``"probabilities"`` or ``"auto"``.
        :param apply_fit: Apply during training.
        :param apply_predict: Apply at prediction time.
        """
        super().__init__(is_fitted=True, apply_fit=apply_fit, apply_predict=apply_predict)
        self.beta = beta
        self.gamma = gamma
        self.preds_type = preds_type
        # Per thread: concurrent predict calls (a threaded server) each read the statistic of their own last call.
        self._local = threading.local()
        self._check_params()

    @property
    def last_retreat_fraction(self) -> float:
        """
        :return: The share of rows whose perturbation had to retreat to keep the top-1 class, in this thread's last
                 call (0.0 before any call in this thread).
        """
        return getattr(self._local, "retreat_fraction", 0.0)

    def __getstate__(self) -> dict[str, Any]:
        # thread-local storage cannot be copied or pickled; copies start with their own, empty one
        state = self.__dict__.copy()
        del state["_local"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def __call__(self, preds: np.ndarray) -> np.ndarray:
        """
        :param preds: ``(N, K)`` outputs of the protected model.
        :return: ``(N, K)`` float32 perturbed probabilities with the original top-1 classes.
        :raises ValueError: On bad outputs.
        """
        self._check_params()  # parameters may have been reassigned since construction
        probabilities = to_probabilities(preds, self.preds_type, "preds")
        perturbed = ReverseSigmoid(beta=self.beta, gamma=self.gamma)(probabilities)
        corrected, retreat = keep_top1(probabilities, perturbed)
        self._local.retreat_fraction = float((retreat > 0).mean()) if len(retreat) else 0.0
        return corrected.astype(np.float32)

    def _check_params(self) -> None:
        check_real(self.beta, "beta", low=0.0, low_open=True)
        check_real(self.gamma, "gamma", low=0.0, low_open=True)
        check_choice(self.preds_type, "preds_type", PREDS_TYPES)
