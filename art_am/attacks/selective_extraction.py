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
Extraction by an attacker who suspects misinformation and keeps only the answers it judges truthful (the
Adaptive Misinformation paper's Section 6 attacker and a label-consistency attacker). Queries are drawn at random from
the attacker's data, as KnockoffNets' random policy draws them, and the clone is trained on the kept answers:

- ``selection="confidence"``: keep the ``keep_fraction`` of answers with the highest maximum probability (the paper's
  Section 6: misinformation may be less confident than true answers);
- ``selection="low_confidence"``: keep the ``keep_fraction`` with the lowest maximum probability, for a defence whose
  misinformation is the more confident answer (measured on Flowers-17, where AM's true answers to out-of-distribution
  queries sit just above its threshold and the misinformation model answers with confidence);
- ``selection="consistency"``: query every point together with ``nb_views`` slightly transformed copies (a shift of
  up to one pixel and Gaussian noise) and keep the points whose copies all get the same top-1 class; every copy is a
  query, so at the same budget fewer distinct points are labelled.

| Paper link: https://arxiv.org/abs/1911.07100 (Adaptive Misinformation, Section 6)
"""

from __future__ import annotations

import numpy as np
from art.attacks.attack import ExtractionAttack
from art.estimators.classification.classifier import ClassifierMixin
from art.estimators.estimator import BaseEstimator

from art_am.attacks.checks import check_attacker_images, check_thief, check_thief_classes, victim_labels
from art_am.validation import check_bool, check_choice, check_integer, check_real

SELECTIONS = ("confidence", "low_confidence", "consistency")
# The selections that rank answers by their maximum probability: the most confident first, or the least.
CONFIDENCE_ORDER = {"confidence": -1.0, "low_confidence": 1.0}


def shifted_views(x: np.ndarray, nb_views: int, noise: float, rng: np.random.Generator, clip_values) -> np.ndarray:
    """
    :param x: Images ``(N, C, H, W)``.
    :param nb_views: Copies per image.
    :param noise: Standard deviation of the added Gaussian noise, in input units.
    :param rng: Random generator.
    :param clip_values: ``(low, high)`` or None.
    :return: ``(nb_views, N, C, H, W)``: each copy rolled by -1, 0 or 1 pixels along each image axis, plus noise.
    """
    views = []
    for _ in range(nb_views):
        shift = tuple(int(s) for s in rng.integers(-1, 2, size=2))
        view = np.roll(x, shift, axis=(2, 3)) + rng.normal(0.0, noise, size=x.shape)
        if clip_values is not None:
            view = np.clip(view, clip_values[0], clip_values[1])
        views.append(view.astype(np.float32))
    return np.stack(views)


class SelectiveExtraction(ExtractionAttack):
    """
    Random-query extraction that trains only on the answers it judges truthful (see the module description).

    | Paper link: https://arxiv.org/abs/1911.07100
    """

    attack_params = ExtractionAttack.attack_params + [
        "selection",
        "nb_stolen",
        "keep_fraction",
        "nb_views",
        "view_noise",
        "nb_epochs",
        "batch_size_fit",
        "batch_size_query",
        "use_probability",
        "seed",
    ]
    _estimator_requirements = (BaseEstimator, ClassifierMixin)

    def __init__(
        self,
        classifier,
        selection: str = "confidence",
        nb_stolen: int = 1000,
        keep_fraction: float = 0.5,
        nb_views: int = 2,
        view_noise: float = 0.02,
        nb_epochs: int = 10,
        batch_size_fit: int = 128,
        batch_size_query: int = 1024,
        use_probability: bool = True,
        seed: int | None = None,
    ) -> None:
        """
        :param classifier: The victim classifier (only its ``predict`` is used).
        :param selection: ``"confidence"``, ``"low_confidence"`` or ``"consistency"``.
        :param nb_stolen: Query budget (every transformed copy counts).
        :param keep_fraction: For ``confidence`` and ``low_confidence``: the share of answers kept, in (0, 1].
        :param nb_views: For ``consistency``: transformed copies per point (>= 1).
        :param view_noise: For ``consistency``: standard deviation of the copies' noise (>= 0).
        :param nb_epochs: Clone training epochs.
        :param batch_size_fit: Batch size of clone training.
        :param batch_size_query: Batch size of victim queries.
        :param use_probability: Train on the victim's probabilities (True) or one-hot top-1 labels (False).
        :param seed: Seed of the query draw and the transformations.
        """
        super().__init__(estimator=classifier)
        self.selection = selection
        self.nb_stolen = nb_stolen
        self.keep_fraction = keep_fraction
        self.nb_views = nb_views
        self.view_noise = view_noise
        self.nb_epochs = nb_epochs
        self.batch_size_fit = batch_size_fit
        self.batch_size_query = batch_size_query
        self.use_probability = use_probability
        self.seed = seed
        self.queries_used = 0
        self.kept = 0
        self._check_params()

    def extract(self, x: np.ndarray, y: np.ndarray | None = None, **kwargs):
        """
        :param x: The attacker's data to draw queries from.
        :param y: Unused.
        :param thieved_classifier: The clone, an ART classifier with ``fit``.
        :return: The trained clone.
        :raises ValueError: Without a clone (or one with another class count, or a loss that cannot learn soft
                            labels), on a bad pool (empty, NaN, outside the victim's ``clip_values``, not images for
                            ``consistency``), logits with ``use_probability=True``, or when nothing is kept.
        """
        self._check_params()
        thief = kwargs.get("thieved_classifier")
        check_thief(thief, self.use_probability)
        assert thief is not None  # for type checkers: check_thief raised otherwise
        pool = check_attacker_images(x, self.estimator, "x (the query pool)")
        if self.selection == "consistency" and pool.ndim != 4:
            raise ValueError(
                f"selection='consistency' shifts images: x (the query pool) must be shaped (N, C, H, W), got "
                f"{pool.shape}; use selection='confidence' or 'low_confidence' for other data."
            )
        self.queries_used, self.kept = 0, 0  # per extract() call
        rng = np.random.default_rng(self.seed)
        per_point = 1 + (self.nb_views if self.selection == "consistency" else 0)
        count = min(len(pool), self.nb_stolen // per_point)
        if count == 0:
            raise ValueError(f"nb_stolen={self.nb_stolen} buys no point at {per_point} queries per point.")
        queries = pool[np.sort(rng.choice(len(pool), size=count, replace=False))]
        answers = self._query(queries)
        check_thief_classes(thief, answers.shape[1])
        if self.selection in CONFIDENCE_ORDER:
            kept = int(np.ceil(self.keep_fraction * count))
            keep = np.zeros(count, dtype=bool)
            keep[np.argsort(CONFIDENCE_ORDER[self.selection] * answers.max(axis=1), kind="stable")[:kept]] = True
        else:
            views = shifted_views(queries, self.nb_views, self.view_noise, rng, self.estimator.clip_values)
            top = answers.argmax(axis=1)
            keep = np.ones(count, dtype=bool)
            for view in views:
                keep &= self._query(view).argmax(axis=1) == top
        self.kept = int(keep.sum())
        if self.kept == 0:
            raise ValueError("SelectiveExtraction kept no answer: every point failed the selection.")
        labels = victim_labels(answers[keep], self.use_probability)
        thief.fit(queries[keep], labels, nb_epochs=self.nb_epochs, batch_size=self.batch_size_fit)
        return thief

    def _query(self, x: np.ndarray) -> np.ndarray:
        self.queries_used += len(x)
        return np.asarray(self.estimator.predict(x, batch_size=self.batch_size_query), dtype=np.float32)

    def _check_params(self) -> None:
        check_choice(self.selection, "selection", SELECTIONS)
        check_integer(self.nb_stolen, "nb_stolen", low=1)
        check_real(self.keep_fraction, "keep_fraction", low=0.0, high=1.0, low_open=True)
        check_integer(self.nb_views, "nb_views", low=1)
        check_real(self.view_noise, "view_noise", low=0.0)
        for name in ("nb_epochs", "batch_size_fit", "batch_size_query"):
            check_integer(getattr(self, name), name, low=1)
        check_bool(self.use_probability, "use_probability")
        if self.seed is not None:
            check_integer(self.seed, "seed", low=0)
