"""
The defence settings a benchmark sweeps, the answers each serves, and the live defended estimator of each.

Sweeps answer a query set once: the base models' probabilities (and PP's oracle targets, and AM's combined score) are
computed in one pass, and every threshold / epsilon / beta is a cheap function of them, through the same library
functions the postprocessors use.
"""

from __future__ import annotations

import numpy as np
from art.estimators.classification import PyTorchClassifier
from torch import nn

from art_am.defences import (
    AdaptiveMisinformation,
    PredictionPoisoning,
    adaptive_misinformation_answer,
)
from art_am.defences.confidence_matching import ConfidenceMatch
from art_am.defences.ood_scores import CombinedScore, MaxSoftmaxProbability
from art_am.inference import batched_logits, predict_proba
from art_am.models import reinitialised_copy, set_tta_level
from benchmarks import registry
from benchmarks.attack_runs import defended_estimator
from benchmarks.scenarios import Scenario

# The labels (and every other property) of the defences live in the registry; re-exported for the report's imports.
DEFENCE_LABELS = registry.DEFENCE_LABELS
DefencePoint = registry.DefencePoint
defence_points = registry.defence_points
SWITCH_SCORES = registry.SWITCH_SCORES
DETECTOR_FAMILIES = registry.DETECTOR_FAMILIES
AM_VARIANTS = registry.AM_VARIANTS


class DefenceFactory:
    """
    Builds served answers and live defended estimators for a scenario's trained models.
    """

    def __init__(
        self,
        scenario: Scenario,
        models: dict[str, nn.Module],
        seed: int,
        combined_score: CombinedScore | None = None,
        confidence_match: ConfidenceMatch | None = None,
        broad_score: CombinedScore | None = None,
    ) -> None:
        """
        :param scenario: The scenario.
        :param models: ``plain``, ``oe`` and ``misinformation`` models.
        :param seed: Seed of PP's random surrogate.
        :param combined_score: The fitted score of the ``am_detector`` settings (MSP + sign-step detector); needed only
                               for them.
        :param confidence_match: The fitted temperatures of the ``am_cm`` settings; needed only for them.
        :param broad_score: The fitted score of the ``am_detector_broad`` settings (MSP + the broad-family detector).
        """
        self.scenario = scenario
        self.models = models
        self.combined_score = combined_score
        self.confidence_match = confidence_match
        self.broad_score = broad_score
        self.seed = seed
        # The authors' default: a randomly initialised copy of the victim's architecture.
        self.surrogate = reinitialised_copy(models["plain"], seed=seed + 12345)
        # a random surrogate gains nothing from averaging test-time views, which would multiply PP's cost (6x for
        # fastnet's flip + translate views): PP serves with the surrogate's plain forward pass
        set_tta_level(self.surrogate, 0)

    def prediction_poisoning(self, oracle: str, epsilon: float) -> PredictionPoisoning:
        """
        :return: PP with this factory's surrogate, on a victim returning logits.
        """
        return PredictionPoisoning(self.surrogate, epsilon=epsilon, oracle=oracle, preds_type="logits")

    def served_answers(
        self, x: np.ndarray, points: list[DefencePoint], scores: dict[str, np.ndarray] | None = None
    ) -> dict[DefencePoint, np.ndarray]:
        """
        :param x: Queries.
        :param points: Defence settings.
        :param scores: ``switch_scores(x, ...)`` where the caller has them already (the detector is the costly part).
        :return: For each setting, the probabilities it serves for ``x``.
        """
        probs = {name: predict_proba(model, x).astype(np.float64) for name, model in self.models.items()}
        if scores is None:
            scores = self.switch_scores(x, probs["oe"], points)
        context = registry.ServingContext(x, probs, scores)
        return {point: registry.defence(point.defence).serve(self, point, context) for point in points}

    def am_answers(self, point: DefencePoint, context: registry.ServingContext) -> np.ndarray:
        """
        :return: One AM setting's answers, through the formula the postprocessor uses.
        """
        victim_temperature, misinformation_temperature = self._temperatures(point.defence)
        answers, _ = adaptive_misinformation_answer(
            context.probabilities["oe"],
            context.probabilities["misinformation"],
            context.scores[point.defence],
            point.setting,
            self.scenario.nu,
            victim_temperature=victim_temperature,
            misinformation_temperature=misinformation_temperature,
            unit=self._switch_unit(point.defence),
        )
        return answers

    def am_postprocessor(self, point: DefencePoint) -> AdaptiveMisinformation:
        """
        :return: One AM setting as the postprocessor a user deploys, on a victim returning logits.
        """
        victim_temperature, misinformation_temperature = self._temperatures(point.defence)
        return AdaptiveMisinformation(
            self.models["misinformation"],
            point.setting,
            nu=self.scenario.nu,
            preds_type="logits",
            victim_temperature=victim_temperature,
            misinformation_temperature=misinformation_temperature,
            score=self._required_score(point.defence) if point.defence in DETECTOR_FAMILIES else None,
        )

    def _switch_unit(self, variant: str) -> float:
        return self._required_score(variant).unit if variant in DETECTOR_FAMILIES else MaxSoftmaxProbability.unit

    def _temperatures(self, variant: str) -> tuple[float, float]:
        """
        :return: The victim's and the misinformation model's softmax temperatures: fitted for ``am_cm``, else 1.
        """
        if variant != "am_cm":
            return 1.0, 1.0
        if self.confidence_match is None:
            raise ValueError("The am_cm settings need the DefenceFactory's confidence_match, which is None.")
        return self.confidence_match.victim_temperature, self.confidence_match.misinformation_temperature

    def _required_score(self, variant: str) -> CombinedScore:
        name = "combined_score" if variant == "am_detector" else "broad_score"
        score = getattr(self, name)
        if score is None:
            raise ValueError(f"The {variant} settings need the DefenceFactory's {name}, which is None.")
        return score

    def switch_scores(
        self, x: np.ndarray, probabilities: np.ndarray | None, points: list[DefencePoint]
    ) -> dict[str, np.ndarray]:
        """
        :param x: Queries.
        :param probabilities: The OE defender's probabilities for ``x`` (computed here when None).
        :param points: Defence settings.
        :return: The in-distribution score each AM variant among ``points`` switches on (misinformation where it is
                 below the threshold): ``am``: the OE defender's MSP; ``am_detector``: the combined score.
        """
        variants = {point.defence for point in points} & set(AM_VARIANTS)
        if not variants:
            return {}
        if probabilities is None:
            probabilities = predict_proba(self.models["oe"], x).astype(np.float64)
        scores = {}
        for variant in sorted(variants):
            if SWITCH_SCORES[variant] == "msp":
                scores[variant] = probabilities.max(axis=1)
            else:
                score = self._required_score(variant)
                logits = batched_logits(self.models["oe"], x).numpy().astype(np.float64) if score.needs_logits else None
                scores[variant] = score(probabilities, logits, x)
        return scores

    def live_victim(self, point: DefencePoint, input_shape: tuple[int, ...], device: str) -> PyTorchClassifier:
        """
        :return: The defended victim as users would deploy it: ``PyTorchClassifier(..., postprocessing_defences=...)``,
                 returning probabilities.
        """
        model, defence = registry.defence(point.defence).build(self, point)
        return defended_estimator(self.scenario, model, defence, device)
