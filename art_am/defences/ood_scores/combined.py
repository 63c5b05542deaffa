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
A combination of in-distribution-ness scores: each component's score is mapped to its rank among in-distribution
reference queries (its empirical distribution function, so every component lands on the same [0, 1] scale whatever its
units), and the combination is the smallest of these ranks: a query counts as out-of-distribution as soon as one
component finds it so. Different detectors catch different attacks (the softmax confidence catches natural
out-of-distribution images, an input-space score catches synthetic perturbations), and the minimum keeps both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from art_am.defences.ood_scores.base import OODScore

if TYPE_CHECKING:
    import torch


class CombinedScore(OODScore):
    """
    The smallest in-distribution rank of several scores. Fit it on held-out in-distribution queries (not the
    defender's training data, on which a model is over-confident), after fitting its components.
    """

    name = "combined"
    fit_needs = ("probabilities",)
    fit_needs_what = "the protected model's probabilities on the reference queries"
    bounds = (0.0, 1.0)
    # One percentile of the references: with nu = 1000 a query 0.1 % of ranks above tau gets weight expit(-100), a
    # hard switch (with a unit of 1 it would get expit(-1) = 0.27, a blended answer).
    unit = 0.01

    def __init__(self, components: list[OODScore]) -> None:
        """
        :param components: Two or more scores.
        """
        if not isinstance(components, (list, tuple)) or len(components) < 2:
            raise ValueError(f"components must be a list of two or more scores, got {components!r}.")
        for component in components:
            if not isinstance(component, OODScore):
                raise ValueError(f"every component must be an OODScore, got {type(component).__name__}.")
        self.components = list(components)
        self.needs_logits = any(c.needs_logits for c in self.components)
        self.needs_input = any(c.needs_input for c in self.components)
        self.name = "+".join(c.name for c in self.components)
        self.references: list[np.ndarray] | None = None

    def _fit(
        self, x: np.ndarray | None, y: np.ndarray | None, probabilities: np.ndarray | None, logits: np.ndarray | None
    ) -> None:
        """
        Record each component's scores on in-distribution reference queries.

        :param x: The reference queries, where a component needs them.
        :param probabilities: ``(N, K)`` probabilities of the protected model on the reference queries.
        :param logits: Its logits, where a component needs them.
        """
        del y
        assert probabilities is not None  # fit checked fit_needs
        if len(probabilities) < 2:
            raise ValueError(f"fit needs at least 2 reference queries, got {len(probabilities)}.")
        self.references = [np.sort(component(probabilities, logits, x)) for component in self.components]

    @property
    def is_fitted(self) -> bool:
        return self.references is not None and all(c.is_fitted for c in self.components)

    def component_ranks(
        self, probabilities: np.ndarray, logits: np.ndarray | None = None, x: np.ndarray | None = None
    ) -> np.ndarray:
        """
        :return: ``(N, C)`` each component's in-distribution rank (mid-rank among the references, in [0, 1]).
        """
        assert self.references is not None
        ranks = []
        for component, reference in zip(self.components, self.references):
            scores = component(probabilities, logits, x)
            below = np.searchsorted(reference, scores, side="left")
            not_above = np.searchsorted(reference, scores, side="right")
            ranks.append((below + not_above) / (2.0 * len(reference)))
        return np.stack(ranks, axis=1)

    def _score(self, probabilities: np.ndarray, logits: np.ndarray | None, x: np.ndarray | None) -> np.ndarray:
        return self.component_ranks(probabilities, logits, x).min(axis=1)

    def state_dict(self) -> dict[str, torch.Tensor]:
        if self.references is None:
            raise ValueError("The combined score is not fitted: nothing to save.")
        import torch  # pylint: disable=import-outside-toplevel  (only saving state needs torch)

        state = {f"reference.{i}": torch.from_numpy(r.copy()) for i, r in enumerate(self.references)}
        for i, component in enumerate(self.components):
            state.update({f"component.{i}.{key}": value for key, value in component.state_dict().items()})
        return state

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> CombinedScore:
        expected = {f"reference.{i}" for i in range(len(self.components))}
        prefixes = tuple(f"component.{i}." for i in range(len(self.components)))
        unknown = [key for key in state if key not in expected and not key.startswith(prefixes)]
        if not expected <= set(state) or unknown:
            raise ValueError(f"The combined score's state needs keys {sorted(expected)}, got {sorted(state)}.")
        for i, component in enumerate(self.components):
            prefix = f"component.{i}."
            component.load_state_dict({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})
        self.references = [state[f"reference.{i}"].double().numpy() for i in range(len(self.components))]
        return self

    def __repr__(self) -> str:
        return f"CombinedScore({self.components!r})"
