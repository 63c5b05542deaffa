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
Base class of postprocessors that need the query ``x`` as well as the model outputs, and the evaluation of the
auxiliary model such a defence runs on ``x`` (a misinformation model, a surrogate).
"""

from __future__ import annotations

import abc
from typing import Any

import numpy as np
from art.defences.postprocessor.postprocessor import Postprocessor
from torch import nn

from art_am.defences.probabilities import PREDS_TYPES, as_logits, to_probabilities
from art_am.defences.query_input import find_query_input
from art_am.inference import batched_logits


def check_auxiliary_model(model: Any, name: str) -> None:
    """
    :param model: A ``torch.nn.Module`` returning logits or an ART ``PyTorchClassifier``.
    :param name: Argument name for error messages.
    :raises ValueError: For anything else.
    """
    from art.estimators.classification import PyTorchClassifier  # pylint: disable=import-outside-toplevel

    if not isinstance(model, (nn.Module, PyTorchClassifier)):
        raise ValueError(
            f"{name} must be a torch.nn.Module returning logits or an ART PyTorchClassifier, got {type(model)}."
        )


def auxiliary_probabilities(model: Any, x: np.ndarray, batch_size: int, name: str, nb_classes: int) -> np.ndarray:
    """
    Probabilities of an auxiliary model on the raw query.

    :param model: A ``torch.nn.Module`` returning logits (run in eval mode, without gradients, on its own device) or an
                  ART ``PyTorchClassifier`` (its own preprocessing applies; its outputs are auto-detected as logits or
                  probabilities).
    :param x: Raw query.
    :param batch_size: Rows per forward pass.
    :param name: Argument name for error messages.
    :param nb_classes: Number of classes of the protected model, which the auxiliary model must match.
    :return: ``(N, K)`` float64 probabilities.
    :raises ValueError: If the class counts differ or the outputs are not finite.
    """
    if isinstance(model, nn.Module):
        return to_probabilities(batched_logits(model, x, batch_size).numpy(), "logits", f"{name} output", nb_classes)
    outputs = model.predict(np.asarray(x, dtype=np.float32), batch_size=batch_size)
    return to_probabilities(outputs, "auto", f"{name} output", nb_classes)


class InputAwarePostprocessor(Postprocessor, abc.ABC):
    """
    A postprocessor computed from the model outputs and the query that produced them. In the plain ART call
    (``PyTorchClassifier(..., postprocessing_defences=[defence])``) the query is found as described in
    :mod:`art_am.defences.query_input`; a direct call passes it: ``defence(preds, x=x)``. Subclasses implement
    :meth:`_postprocess` on validated probabilities.
    """

    def __init__(
        self, preds_type: str = "auto", batch_size: int = 512, apply_fit: bool = False, apply_predict: bool = True
    ):
        """
        :param preds_type: What the protected model returns: ``"logits"``, ``"probabilities"`` or ``"auto"``
                           (see :mod:`art_am.defences.probabilities`).
        :param batch_size: Rows per forward pass of the auxiliary model.
        :param apply_fit: Apply during training (never needed; ART ignores it in ``fit``).
        :param apply_predict: Apply at prediction time.
        """
        super().__init__(is_fitted=True, apply_fit=apply_fit, apply_predict=apply_predict)
        self.preds_type = preds_type
        self.batch_size = batch_size

    def __call__(self, preds: np.ndarray, x: np.ndarray | None = None) -> np.ndarray:  # type: ignore[override]
        """
        Defend the outputs ``preds`` of the query ``x``.

        :param preds: ``(N, K)`` outputs of the protected model (logits or probabilities, see ``preds_type``).
        :param x: The query; found in the calling ART ``predict`` when omitted.
        :return: ``(N, K)`` float32 probabilities.
        :raises ValueError: On bad outputs, or when ``x`` is omitted outside an ART ``predict``.
        """
        query, estimator = find_query_input(self, preds, x)
        probabilities = to_probabilities(preds, self.preds_type, "preds")
        if len(probabilities) == 0:
            return probabilities.astype(np.float32)
        logits = as_logits(preds, self.preds_type)
        return self._postprocess(probabilities, query, estimator, logits).astype(np.float32)

    @abc.abstractmethod
    def _postprocess(
        self, probabilities: np.ndarray, x: np.ndarray, estimator: Any, logits: np.ndarray | None
    ) -> np.ndarray:
        """
        :param probabilities: ``(N, K)`` float64 probabilities of the protected model.
        :param x: The query.
        :param estimator: The calling ART estimator, or None for a direct call.
        :param logits: ``(N, K)`` float64 logits when the protected model returns logits, else None.
        :return: ``(N, K)`` defended probabilities.
        """
        raise NotImplementedError

    def _check_params(self) -> None:
        if self.preds_type not in PREDS_TYPES:
            raise ValueError(f"preds_type must be one of {PREDS_TYPES}, got {self.preds_type!r}.")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}.")
