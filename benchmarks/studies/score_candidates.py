"""
The out-of-distribution scores the score study puts under Adaptive Misinformation, built on one defender, and the
answers of the defender and the misinformation model to one query set that every score reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
import torch
from torch import nn

from art_am.defences import ood_scores
from art_am.defences.ood_scores import OODScore, SignStepDetector
from art_am.defences.probabilities import softmax
from art_am.inference import batched_logits, predict_proba

SCORE_NAMES = (
    "msp",
    "energy",
    "max-logit",
    "mahalanobis",
    "knn",
    "noise-level",
    "sign-detector",
    "msp+noise-level",
    "msp+sign-detector",
)


def build_scores(
    defender: nn.Module, x_train: np.ndarray, y_train: np.ndarray, detector: SignStepDetector
) -> dict[str, OODScore]:
    """
    :param defender: The outlier-exposure defender (with a ``features`` method).
    :param x_train: Its training images, for the feature scores.
    :param y_train: Their labels.
    :param detector: The fitted sign-step detector.
    :return: Every score, fitted except for the combinations (which need held-out reference queries).
    """
    noise_level = ood_scores.NoiseLevel()
    # nn.Module's __getattr__ types every attribute as Tensor | Module; the model classes define features as a method
    features = cast(Callable[[torch.Tensor], torch.Tensor], defender.features)
    return {
        "msp": ood_scores.MaxSoftmaxProbability(),
        "energy": ood_scores.Energy(),
        "max-logit": ood_scores.MaxLogit(),
        "mahalanobis": ood_scores.Mahalanobis(features).fit(x_train, y_train),
        "knn": ood_scores.KNearestNeighbours(features).fit(x_train),
        "noise-level": noise_level,
        "sign-detector": detector,
        "msp+noise-level": ood_scores.CombinedScore([ood_scores.MaxSoftmaxProbability(), noise_level]),
        "msp+sign-detector": ood_scores.CombinedScore([ood_scores.MaxSoftmaxProbability(), detector]),
    }


class ModelAnswers:
    """
    The defender's logits and probabilities and the misinformation model's probabilities on one query set.
    """

    def __init__(self, models: dict[str, nn.Module], x: np.ndarray) -> None:
        self.x = x
        self.logits = batched_logits(models["oe"], x).numpy().astype(np.float64)
        self.probabilities = softmax(self.logits)
        self.misinformation = predict_proba(models["misinformation"], x).astype(np.float64)

    def scores(self, score: OODScore) -> np.ndarray:
        """
        :return: ``score`` of every query.
        """
        return score(self.probabilities, self.logits, self.x)
