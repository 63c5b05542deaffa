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
Jacobian-based dataset augmentation (JBDA, Papernot et al. 2017) as an ART extraction attack, with Papernot's periodic
step-sign flip and reservoir sampling, a hard query budget, and the PRADA variants (Juuti et al. 2019).

| Paper link: https://arxiv.org/abs/1602.02697 (JBDA), https://arxiv.org/abs/1805.02628 (PRADA variants)
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import numpy as np
from art.attacks.attack import ExtractionAttack
from art.estimators.classification.classifier import ClassifierMixin
from art.estimators.estimator import BaseEstimator
from tqdm.auto import tqdm

from art_am.attacks.checks import check_attacker_images, check_thief, check_thief_classes, victim_labels
from art_am.validation import check_bool, check_integer, check_real

if TYPE_CHECKING:
    from art.utils import CLASSIFIER_TYPE

logger = logging.getLogger(__name__)

_VARIANT_PATTERN = re.compile(r"^(jbda|jbself|t-rnd|jbtop(\d+))$")


class JacobianDatasetAugmentation(ExtractionAttack):
    """
    Extraction by Jacobian-based dataset augmentation. Starting from a small seed set, each round labels the new points
    with the victim, trains the thief on all points so far, and then creates one synthetic point per point (per target
    class for ``jbtop{k}``) by a signed step along the thief's input Jacobian:

    - ``"jbda"`` (Papernot): ``x' = x + lambda * sign(d F_c(x) / dx)`` with ``c`` the victim's label of ``x`` and
      ``F`` the thief's output (the authors' code, and Adaptive Misinformation's evaluation);
    - ``"jbself"``: the same step for the thief's own predicted class;
    - ``"jbtop{k}"``: targeted steps towards each of the thief's ``k`` most likely classes other than ``c``;
    - ``"t-rnd"``: a targeted step towards a random class other than ``c``.

    Points are clipped to the victim's ``clip_values``. Every victim query counts: only new points are labelled, and
    the number is reported in :attr:`queries_used`.

    Soft labels: with ``use_probability=True`` the thief is trained on the victim's probability vectors. ART's
    ``PyTorchClassifier.fit`` keeps such soft targets only with ``torch.nn.CrossEntropyLoss`` (other losses reduce them
    to the argmax), so a PyTorch thief with another loss is refused; the victim must return probabilities (a model
    ending in a softmax, or a defence postprocessor), which is checked at every query.

    | Paper link: https://arxiv.org/abs/1602.02697
    """

    attack_params = ExtractionAttack.attack_params + [
        "nb_rounds",
        "step_size",
        "nb_epochs",
        "batch_size_fit",
        "batch_size_query",
        "use_probability",
        "variant",
        "sign_flip_period",
        "max_new_per_round",
        "query_budget",
        "seed",
        "verbose",
    ]
    _estimator_requirements = (BaseEstimator, ClassifierMixin)

    def __init__(
        self,
        classifier: CLASSIFIER_TYPE,
        nb_rounds: int = 6,
        step_size: float = 0.1,
        nb_epochs: int = 10,
        batch_size_fit: int = 64,
        batch_size_query: int = 128,
        use_probability: bool = True,
        variant: str = "jbda",
        sign_flip_period: int | None = None,
        max_new_per_round: int | None = None,
        query_budget: int | None = None,
        seed: int | None = None,
        verbose: bool = True,
    ) -> None:
        """
        :param classifier: The victim classifier (only its ``predict`` is used).
        :param nb_rounds: Number of training rounds; the set is augmented between rounds (``nb_rounds - 1`` times).
        :param step_size: The step lambda (> 0), in input units.
        :param nb_epochs: Thief training epochs per round.
        :param batch_size_fit: Batch size of thief training.
        :param batch_size_query: Batch size of victim queries.
        :param use_probability: Train on the victim's probabilities (True) or on one-hot argmax labels (False).
        :param variant: ``"jbda"``, ``"jbself"``, ``"jbtop{k}"`` (k >= 1) or ``"t-rnd"``.
        :param sign_flip_period: Papernot's tau: the step's sign flips every this many augmentations; None never flips.
        :param max_new_per_round: Papernot's reservoir sampling: at most this many new points (queries) per round,
                                  drawn uniformly from the candidates; None keeps all.
        :param query_budget: Hard cap on the total number of victim queries, seeds included; None for no cap.
        :param seed: Seed of the random choices (reservoir, t-rnd targets, budget truncation).
        :param verbose: Show a progress bar.
        """
        super().__init__(estimator=classifier)
        self.nb_rounds = nb_rounds
        self.step_size = step_size
        self.nb_epochs = nb_epochs
        self.batch_size_fit = batch_size_fit
        self.batch_size_query = batch_size_query
        self.use_probability = use_probability
        self.variant = variant
        self.sign_flip_period = sign_flip_period
        self.max_new_per_round = max_new_per_round
        self.query_budget = query_budget
        self.seed = seed
        self.verbose = verbose
        self.queries_used = 0
        self.history: list[dict] = []
        self._check_params()

    def extract(self, x: np.ndarray, y: np.ndarray | None = None, **kwargs) -> CLASSIFIER_TYPE:
        """
        Steal the victim into ``thieved_classifier``.

        :param x: Seed images (the paper: 150 in-distribution images); they are queried too.
        :param y: Unused: the seeds are labelled by the victim, as the attacker would.
        :param thieved_classifier: The thief, an ART classifier with class gradients (e.g. ``PyTorchClassifier``).
        :return: The trained thief.
        :raises ValueError: Without a suitable thief, with seeds over the query budget, or if the victim returns
                            non-probabilities while ``use_probability=True``.
        """
        self._check_params()  # parameters may have been reassigned since construction
        thief = kwargs.get("thieved_classifier")
        self._check_thief(thief)
        assert thief is not None  # for type checkers: _check_thief raised otherwise
        points = self._check_seeds(x)
        if self.query_budget is not None and len(points) > self.query_budget:
            raise ValueError(f"The {len(points)} seeds exceed query_budget={self.query_budget}.")
        rng = np.random.default_rng(self.seed)
        self.queries_used, self.history = 0, []
        labels = self._query(points)
        self._check_classes(thief, labels.shape[1])
        for round_index in tqdm(range(self.nb_rounds), desc="JBDA", disable=not self.verbose):
            thief.fit(points, labels, nb_epochs=self.nb_epochs, batch_size=self.batch_size_fit)
            self.history.append({"round": round_index + 1, "points": len(points), "queries": self.queries_used})
            if round_index == self.nb_rounds - 1:
                break
            new_points = self._augment(thief, points, labels, round_index, rng)
            if len(new_points) == 0:
                logger.info("JBDA: no query budget left after round %d.", round_index + 1)
                break
            points = np.concatenate([points, new_points])
            labels = np.concatenate([labels, self._query(new_points)])
        return thief

    def _query(self, x: np.ndarray) -> np.ndarray:
        outputs = self.estimator.predict(x, batch_size=self.batch_size_query)
        self.queries_used += len(x)
        return victim_labels(outputs, self.use_probability)

    def _targets(
        self, thief: CLASSIFIER_TYPE, points: np.ndarray, labels: np.ndarray, rng
    ) -> tuple[np.ndarray, np.ndarray]:
        """
        :return: ``(source index, target class)`` of every synthetic point of this round.
        """
        victim_labels = labels.argmax(axis=1)
        index = np.arange(len(points))
        if self.variant == "jbda":
            return index, victim_labels
        if self.variant == "jbself":
            return index, thief.predict(points, batch_size=self.batch_size_query).argmax(axis=1)
        nb_classes = labels.shape[1]
        if self.variant == "t-rnd":
            shift = rng.integers(1, nb_classes, size=len(points))
            return index, (victim_labels + shift) % nb_classes
        k = int(self.variant[len("jbtop") :])
        scores = thief.predict(points, batch_size=self.batch_size_query).astype(np.float64)
        scores[index, victim_labels] = -np.inf
        ranked = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.repeat(index, k), ranked.ravel()

    def _augment(
        self, thief: CLASSIFIER_TYPE, points: np.ndarray, labels: np.ndarray, round_index: int, rng
    ) -> np.ndarray:
        sources, targets = self._targets(thief, points, labels, rng)
        room = len(sources)
        if self.max_new_per_round is not None:
            room = min(room, self.max_new_per_round)
        if self.query_budget is not None:
            room = min(room, self.query_budget - self.queries_used)
        if room <= 0:
            return points[:0]
        if room < len(sources):
            keep = np.sort(rng.choice(len(sources), size=room, replace=False))
            sources, targets = sources[keep], targets[keep]
        flips = 0 if self.sign_flip_period is None else round_index // self.sign_flip_period
        step = self.step_size * (-1.0) ** flips
        gradients = thief.class_gradient(points[sources], label=targets)[:, 0]
        synthetic = self._step(points[sources], gradients, step)
        clip_values = self.estimator.clip_values if self.estimator.clip_values is not None else thief.clip_values
        if clip_values is not None:
            synthetic = np.clip(synthetic, clip_values[0], clip_values[1])
        return synthetic.astype(np.float32)

    def _step(self, points: np.ndarray, gradients: np.ndarray, step: float) -> np.ndarray:
        """
        The synthetic points before clipping: Papernot's signed step. Subclasses change the step's form here.

        :param points: The source points.
        :param gradients: The thief's input gradient of each point's target class.
        :param step: The signed step size of this round.
        :return: ``points + step * sign(gradients)``.
        """
        return points + step * np.sign(gradients)

    def _check_seeds(self, x: np.ndarray) -> np.ndarray:
        """
        :return: The seeds as float32, checked to be non-empty, finite and inside the victim's ``clip_values``.
        """
        return check_attacker_images(x, self.estimator, "x (the seed images)")

    def _check_classes(self, thief: CLASSIFIER_TYPE, nb_classes: int) -> None:
        """
        :raises ValueError: If the thief's class count differs from the victim's, or ``jbtop{k}`` asks for more
                            classes than there are besides the victim's label.
        """
        check_thief_classes(thief, nb_classes)
        if self.variant.startswith("jbtop") and int(self.variant[len("jbtop") :]) > nb_classes - 1:
            raise ValueError(
                f"variant={self.variant!r} asks for more target classes than the {nb_classes - 1} other than the "
                f"victim's label; use k <= {nb_classes - 1}."
            )

    def _check_thief(self, thief: object) -> None:
        check_thief(thief, self.use_probability, needs_gradients=True)

    def _check_params(self) -> None:
        for name in ("nb_rounds", "nb_epochs", "batch_size_fit", "batch_size_query"):
            check_integer(getattr(self, name), name, low=1)
        check_real(self.step_size, "step_size", low=0.0, low_open=True)
        check_bool(self.use_probability, "use_probability")
        match = _VARIANT_PATTERN.match(self.variant) if isinstance(self.variant, str) else None
        if match is None or (match.group(2) is not None and int(match.group(2)) < 1):
            raise ValueError(f"variant must be 'jbda', 'jbself', 'jbtop<k>' (k >= 1) or 't-rnd', got {self.variant!r}.")
        for name in ("sign_flip_period", "max_new_per_round", "query_budget"):
            check_integer(getattr(self, name), name, low=1, allow_none=True)
        check_integer(self.seed, "seed", low=0, allow_none=True)
        check_bool(self.verbose, "verbose")
