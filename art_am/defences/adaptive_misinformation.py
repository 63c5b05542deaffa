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
Adaptive Misinformation (Kariyappa & Qureshi, CVPR 2020): answer queries that look out-of-distribution with a
misinformation model's prediction, and in-distribution queries with the true model's, switched by a steep reverse
sigmoid of the true model's maximum softmax probability::

    y' = (1 - a) f(x) + a f_hat(x),   a = S(max_i f(x)_i - tau),   S(z) = 1 / (1 + exp(nu z))     (paper Eqs. 8-11)

The score ``max_i f(x)_i`` is the default of a pluggable in-distribution-ness score (:mod:`art_am.defences.ood_scores`):
``a = S((score(x) - tau) / unit)`` with the same meaning for every score, where each score sets its ``unit`` (1 for
the maximum softmax probability) so that the paper's ``nu = 1000`` is a hard switch on its scale.

| Paper link: https://arxiv.org/abs/1911.07100
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from scipy.special import expit

from art_am.defences.input_aware import InputAwarePostprocessor, auxiliary_probabilities, check_auxiliary_model
from art_am.defences.ood_scores import MaxSoftmaxProbability, OODScore
from art_am.defences.probabilities import softmax
from art_am.validation import check_real

logger = logging.getLogger(__name__)

# The paper's score; stateless, so one instance serves every defence constructed with score=None.
_MAX_SOFTMAX_PROBABILITY = MaxSoftmaxProbability()


def misinformation_weight(score: np.ndarray, threshold: float, nu: float, unit: float = 1.0) -> np.ndarray:
    """
    The switch ``a = S((score - threshold) / unit)``, ``S(z) = 1 / (1 + exp(nu z))``, without overflow for any ``nu``.

    :param score: In-distribution-ness, e.g. the maximum softmax probability of the true model.
    :param threshold: tau.
    :param nu: Steepness (> 0), per ``unit`` of score.
    :param unit: The score's unit (:attr:`OODScore.unit <art_am.defences.ood_scores.OODScore.unit>`; 1 for the maximum
                 softmax probability).
    :return: Weight of the misinformation answer, in [0, 1], float64.
    """
    return expit(-(nu / unit) * (np.asarray(score, dtype=np.float64) - threshold))


def tempered(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """
    :param probabilities: ``(N, K)`` probabilities.
    :param temperature: > 1 smooths, < 1 sharpens, 1 is the identity.
    :return: ``softmax(log(p) / temperature)``.
    """
    if temperature == 1.0:
        return probabilities
    return softmax(np.log(np.clip(probabilities, 1e-300, None)), temperature)


def blend(
    victim_probs: np.ndarray,
    misinformation_probs: np.ndarray,
    weight: np.ndarray,
    victim_temperature: float = 1.0,
    misinformation_temperature: float = 1.0,
) -> np.ndarray:
    """
    ``(1 - a) f + a f_hat``, with the optional confidence-matching temperatures applied to each answer.

    :param victim_probs: ``(N, K)`` probabilities of the true model ``f``.
    :param misinformation_probs: ``(N, K)`` probabilities of ``f_hat``.
    :param weight: ``(N,)`` weights ``a``.
    :param victim_temperature: Temperature applied to ``f``'s answer (not to the score).
    :param misinformation_temperature: Temperature applied to ``f_hat``'s answer.
    :return: ``(N, K)`` served probabilities.
    """
    weight = weight[:, None]
    return (1.0 - weight) * tempered(victim_probs, victim_temperature) + weight * tempered(
        misinformation_probs, misinformation_temperature
    )


def adaptive_misinformation_answer(
    victim_probs: np.ndarray,
    misinformation_probs: np.ndarray,
    score: np.ndarray,
    threshold: float,
    nu: float,
    victim_temperature: float = 1.0,
    misinformation_temperature: float = 1.0,
    negligible_weight: float = 0.0,
    unit: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """
    AM's answer, paper Eqs. 8-11: ``y' = (1 - a) f + a f_hat`` with ``a = S((score - tau) / unit)``. The one place the
    formula lives: :class:`AdaptiveMisinformation` and every benchmark sweep call it.

    :param victim_probs: ``(N, K)`` probabilities of the true model ``f``.
    :param misinformation_probs: ``(N, K)`` probabilities of ``f_hat`` (rows whose weight is negligible are not read).
    :param score: ``(N,)`` in-distribution-ness of each query (the maximum softmax probability of ``f`` in the paper).
    :param threshold: tau.
    :param nu: Steepness of the switch.
    :param victim_temperature: Temperature of ``f``'s answer (1: the paper's defence).
    :param misinformation_temperature: Temperature of ``f_hat``'s answer.
    :param negligible_weight: Rows whose weight is at most this are answered by ``f`` alone.
    :param unit: The score's unit (``OODScore.unit``; 1 for the maximum softmax probability).
    :return: ``(served (N, K) probabilities, weights a (N,))``.
    """
    weight = misinformation_weight(score, threshold, nu, unit)
    weight = np.where(weight > negligible_weight, weight, 0.0)
    return blend(victim_probs, misinformation_probs, weight, victim_temperature, misinformation_temperature), weight


class AdaptiveMisinformation(InputAwarePostprocessor):
    """
    Adaptive Misinformation as an ART postprocessor. Use it in the plain call::

        am = AdaptiveMisinformation(misinformation_model=f_hat, threshold=0.9)
        victim = PyTorchClassifier(model=f, ..., postprocessing_defences=[am])
        victim.predict(x)   # defended probabilities

    The query ``x`` is found in the calling ``predict`` (see :mod:`art_am.defences.input_aware`), or passed
    directly: ``am(preds, x=x)``. ``f`` should be trained with outlier exposure and ``f_hat`` with
    :func:`art_am.training.train_misinformation_model`. The out-of-distribution score is the paper's maximum softmax
    probability unless ``score`` names another (:mod:`art_am.defences.ood_scores`); calibrate ``threshold`` for it
    with :func:`~art_am.defences.threshold_for_accuracy_budget` or
    :func:`~art_am.defences.threshold_for_false_positive_rate`.

    | Paper link: https://arxiv.org/abs/1911.07100
    """

    params = [
        "misinformation_model",
        "threshold",
        "nu",
        "preds_type",
        "batch_size",
        "victim_temperature",
        "misinformation_temperature",
        "negligible_weight",
        "score",
    ]

    def __init__(
        self,
        misinformation_model: Any,
        threshold: float,
        nu: float = 1000.0,
        preds_type: str = "auto",
        batch_size: int = 512,
        victim_temperature: float = 1.0,
        misinformation_temperature: float = 1.0,
        negligible_weight: float = 1e-12,
        score: OODScore | None = None,
        apply_fit: bool = False,
        apply_predict: bool = True,
    ) -> None:
        """
        :param misinformation_model: ``f_hat``: a ``torch.nn.Module`` returning logits for the same raw input the
               victim's estimator receives (include any normalisation in it), or any ART classifier of any
               framework (whose own preprocessing then applies). AM itself needs no torch.
        :param threshold: tau: queries whose score is below it get misinformation; in [0, 1] for the maximum softmax
               probability.
        :param nu: Steepness of the reverse sigmoid (> 0) per unit of the score (``score.unit``: 1 for the maximum
               softmax probability, so the paper's 1000 by default is a hard switch for every score).
        :param preds_type: What the victim returns: ``"logits"``, ``"probabilities"`` or ``"auto"``.
        :param batch_size: Rows per forward pass of ``f_hat``.
        :param victim_temperature: Temperature of ``f``'s served answer (> 1 smooths); 1 is the paper's defence.
        :param misinformation_temperature: Temperature of ``f_hat``'s served answer (< 1 sharpens); see
               :func:`art_am.defences.fit_confidence_matching` (the paper's Section 6 countermeasure).
        :param negligible_weight: Rows whose weight ``a`` is below this are answered by ``f`` alone, without running
               ``f_hat`` on them: every served probability then differs from the formula's by less than this (the
               default 1e-12 is below float32 resolution for probabilities above 1e-5). 0 evaluates ``f_hat`` on every
               row with a non-zero weight.
        :param score: The in-distribution-ness score; None for the paper's maximum softmax probability. Scores from
               logits need ``preds_type="logits"`` (or a model returning logits under ``"auto"``).
        :param apply_fit: Apply during training.
        :param apply_predict: Apply at prediction time.
        """
        super().__init__(preds_type=preds_type, batch_size=batch_size, apply_fit=apply_fit, apply_predict=apply_predict)
        self.misinformation_model = misinformation_model
        self.threshold = threshold
        self.nu = nu
        self.victim_temperature = victim_temperature
        self.misinformation_temperature = misinformation_temperature
        self.negligible_weight = negligible_weight
        self.score = score
        self._nb_queries = 0
        self._nb_misinformed = 0
        self._sum_weight = 0.0
        self._check_params()

    def _postprocess(
        self, probabilities: np.ndarray, x: np.ndarray, estimator: Any, logits: np.ndarray | None
    ) -> np.ndarray:
        switch_score = self.switch_score
        score = switch_score(probabilities, logits, x)
        # f_hat runs only on the rows whose answer it can change by more than negligible_weight.
        needed = misinformation_weight(score, self.threshold, self.nu, switch_score.unit) > self.negligible_weight
        misinformation_probs = np.zeros_like(probabilities)
        if needed.any():
            misinformation_probs[needed] = auxiliary_probabilities(
                self.misinformation_model, x[needed], self.batch_size, "misinformation_model", probabilities.shape[1]
            )
        served, weight = adaptive_misinformation_answer(
            probabilities,
            misinformation_probs,
            score,
            self.threshold,
            self.nu,
            self.victim_temperature,
            self.misinformation_temperature,
            self.negligible_weight,
            switch_score.unit,
        )
        with self._lock:
            self._nb_queries += len(weight)
            self._nb_misinformed += int((weight > 0.5).sum())
            self._sum_weight += float(weight.sum())
        return served

    @property
    def switch_score(self) -> OODScore:
        """
        :return: The score AM switches on: ``score``, or the paper's maximum softmax probability where it is None.
        """
        return _MAX_SOFTMAX_PROBABILITY if self.score is None else self.score

    def _auxiliary_models(self, estimator: Any) -> list[tuple[str, Any]]:
        return [("misinformation_model", self.misinformation_model)]

    @property
    def statistics(self) -> dict[str, float]:
        """
        Counts since creation or :meth:`reset_statistics`; no query is stored.

        :return: ``nb_queries``, ``misinformation_rate`` (fraction with weight > 0.5) and ``mean_weight``.
        """
        with self._lock:
            count = self._nb_queries
            return {
                "nb_queries": count,
                "misinformation_rate": self._nb_misinformed / count if count else 0.0,
                "mean_weight": self._sum_weight / count if count else 0.0,
            }

    def reset_statistics(self) -> None:
        """
        Zero the per-call statistics.
        """
        with self._lock:
            self._nb_queries, self._nb_misinformed, self._sum_weight = 0, 0, 0.0

    def _check_params(self) -> None:
        super()._check_params()
        check_auxiliary_model(self.misinformation_model, "misinformation_model")
        if self.score is not None and not isinstance(self.score, OODScore):
            raise ValueError(f"score must be an art_am.defences.ood_scores.OODScore or None, got {self.score!r}.")
        self.switch_score.check_threshold(self.threshold)
        check_real(self.nu, "nu", low=0.0, low_open=True)
        check_real(self.negligible_weight, "negligible_weight", low=0.0, high=0.5, high_open=True)
        check_real(self.victim_temperature, "victim_temperature", low=0.0, low_open=True)
        check_real(self.misinformation_temperature, "misinformation_temperature", low=0.0, low_open=True)
