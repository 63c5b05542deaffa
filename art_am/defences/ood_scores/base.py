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
The interface of Adaptive Misinformation's out-of-distribution score: a per-query "in-distribution-ness" (higher means
more like the defender's training data) from the protected model's outputs and, where needed, the query itself. AM
switches to misinformation where the score is below its threshold: ``a = S(score - threshold)``.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from art_am.validation import check_real

if TYPE_CHECKING:
    import torch

# fit returns the score it was called on, typed as that subclass
_Score = TypeVar("_Score", bound="OODScore")


class OODScore(abc.ABC):
    """
    An in-distribution-ness score. Subclasses set what they need (``needs_logits``, ``needs_input``), the range of
    their values (``bounds``, None for unbounded), the ``unit`` AM's steepness ``nu`` counts in, and implement
    :meth:`_score`. Every score has one ``fit``
    signature, ``fit(x=None, y=None, probabilities=None, logits=None)`` (in-distribution inputs, their labels, and the
    protected model's outputs on them; each score reads what it needs); scores with fitted state implement it with
    :attr:`is_fitted`, :meth:`state_dict` and :meth:`load_state_dict` (tensors only, so that a checkpoint holding them
    loads with ``torch.load(..., weights_only=True)``).
    """

    name: str = "score"
    needs_logits: bool = False
    needs_input: bool = False
    bounds: tuple[float, float] | None = None
    # AM's switch is S((score - tau) / unit) with steepness nu: each score sets the unit so that the paper's nu = 1000
    # is a hard switch on its own scale (a user never picks nu per score). 1 for the maximum softmax probability (the
    # paper), a logit for logit-based scores, a grey level for the noise level, a percentile for rank combinations.
    unit: float = 1.0
    # What ``fit`` must be given (checked in one place before ``_fit`` runs), and in words what those arguments are.
    fit_needs: tuple[str, ...] = ()
    fit_needs_what: str = ""

    def __call__(
        self, probabilities: np.ndarray, logits: np.ndarray | None = None, x: np.ndarray | None = None
    ) -> np.ndarray:
        """
        :param probabilities: ``(N, K)`` probabilities of the protected model.
        :param logits: ``(N, K)`` logits of the protected model, where it returns logits.
        :param x: The queries ``(N, ...)``.
        :return: ``(N,)`` float64 scores, higher for more in-distribution queries.
        :raises ValueError: If the score needs logits or queries it was not given, is not fitted, or is not finite.
        """
        if self.needs_logits and logits is None:
            raise ValueError(
                f"The {self.name} score needs the model's logits, but the protected model returns probabilities "
                "(log-probabilities lose each row's offset): protect a model without a final softmax and pass "
                "preds_type='logits'."
            )
        if self.needs_input and x is None:
            raise ValueError(f"The {self.name} score needs the queries x.")
        if not self.is_fitted:
            raise ValueError(f"The {self.name} score is not fitted: call its fit method first.")
        if x is not None and len(x) != len(probabilities):
            raise ValueError(f"x has {len(x)} rows but the model outputs have {len(probabilities)}.")
        scores = np.asarray(self._score(probabilities, logits, x), dtype=np.float64)
        if scores.shape != (len(probabilities),) or not np.isfinite(scores).all():
            raise ValueError(f"The {self.name} score returned non-finite values or shape {scores.shape}.")
        return scores

    @abc.abstractmethod
    def _score(self, probabilities: np.ndarray, logits: np.ndarray | None, x: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def fit(
        self: _Score,
        x: np.ndarray | None = None,
        y: np.ndarray | None = None,
        probabilities: np.ndarray | None = None,
        logits: np.ndarray | None = None,
    ) -> _Score:
        """
        Fit the score on in-distribution data; scores without fitted state need nothing and return at once.

        :param x: In-distribution inputs.
        :param y: Their labels.
        :param probabilities: The protected model's probabilities on ``x``.
        :param logits: Its logits on ``x``.
        :return: self.
        :raises ValueError: If an argument the score needs (:attr:`fit_needs`) is missing.
        """
        given = {"x": x, "y": y, "probabilities": probabilities, "logits": logits}
        missing = [name for name in self.fit_needs if given[name] is None]
        if missing:
            raise ValueError(
                f"{type(self).__name__}.fit needs {' and '.join(missing)} ({self.fit_needs_what}), "
                f"got None for {', '.join(missing)}."
            )
        self._fit(x, y, probabilities, logits)
        return self

    def _fit(
        self, x: np.ndarray | None, y: np.ndarray | None, probabilities: np.ndarray | None, logits: np.ndarray | None
    ) -> None:
        """
        Fit the fitted state from what :meth:`fit` was given (its arguments listed in :attr:`fit_needs` are not None).
        """
        del x, y, probabilities, logits

    @property
    def is_fitted(self) -> bool:
        """
        :return: Whether the score can be evaluated (scores without fitted state always can).
        """
        return True

    def state_dict(self) -> dict[str, torch.Tensor]:
        """
        :return: The fitted state as tensors (empty for scores without one).
        """
        return {}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> OODScore:
        """
        :param state: A dictionary from :meth:`state_dict`.
        :return: self.
        :raises ValueError: If the state is not this score's.
        """
        if state:
            raise ValueError(f"The {self.name} score has no fitted state, got keys {sorted(state)}.")
        return self

    def check_threshold(self, threshold: Any) -> None:
        """
        :param threshold: A candidate threshold of this score. Below the score's range it misinforms nothing (what
                          :func:`~art_am.defences.threshold_for_accuracy_budget` returns for a budget nothing fits);
                          above it, everything, which is refused as a likely unit mistake.
        :raises ValueError: If it is not a finite number or lies above :attr:`bounds`.
        """
        check_real(threshold, "threshold")
        if self.bounds is not None and threshold > self.bounds[1]:
            raise ValueError(
                f"threshold must be at most {self.bounds[1]} for the {self.name} score (its values lie in "
                f"[{self.bounds[0]}, {self.bounds[1]}]; above, every query is misinformed), got {threshold!r}."
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
