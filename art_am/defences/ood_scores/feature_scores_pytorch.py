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
Scores in the defender's feature space, fitted on in-distribution training data:

- class-conditional Mahalanobis distance with a shared covariance (Lee et al. 2018, without input preprocessing);
- distance to the k-th nearest training feature after L2 normalisation (Sun et al. 2022).

Both run a feature extractor (e.g. the penultimate layer, ``model.features``) on the query, which Adaptive
Misinformation finds in the calling ``predict``.

| Paper links: https://arxiv.org/abs/1807.03888, https://arxiv.org/abs/2204.06507
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from art_am.defences.ood_scores.base import OODScore
from art_am.inference import batched_outputs
from art_am.validation import check_integer, check_real


def _owner(feature_extractor: Any) -> nn.Module:
    if isinstance(feature_extractor, nn.Module):
        return feature_extractor
    owner = getattr(feature_extractor, "__self__", None)
    if callable(feature_extractor) and isinstance(owner, nn.Module):
        return owner
    raise ValueError(
        "feature_extractor must be a torch.nn.Module or a method of one (e.g. model.features), got "
        f"{type(feature_extractor).__name__}."
    )


class FeatureScorePyTorch(OODScore):
    """
    A score of the features ``feature_extractor(x)``, fitted on in-distribution data.
    """

    needs_input = True

    def __init__(self, feature_extractor: Callable[[torch.Tensor], torch.Tensor], batch_size: int = 512) -> None:
        """
        :param feature_extractor: A ``torch.nn.Module`` or a method of one (e.g. ``defender.features``) mapping the raw
               query, as the protected estimator receives it, to ``(N, D)`` features.
        :param batch_size: Rows per forward pass.
        """
        self.owner = _owner(feature_extractor)
        self.feature_extractor = feature_extractor
        check_integer(batch_size, "batch_size", low=1)
        self.batch_size = batch_size

    def features(self, x: np.ndarray) -> np.ndarray:
        """
        :param x: Queries.
        :return: ``(N, D)`` float64 features.
        """
        return batched_outputs(self.feature_extractor, self.owner, x, self.batch_size).numpy().astype(np.float64)

    def _check_state(self, state: dict[str, torch.Tensor], keys: tuple[str, ...]) -> None:
        if set(state) != set(keys):
            raise ValueError(f"The {self.name} score's state needs keys {sorted(keys)}, got {sorted(state)}.")


class MahalanobisPyTorch(FeatureScorePyTorch):
    """
    Minus the smallest class-conditional Mahalanobis distance of the features, with class means and one covariance
    shared by all classes (linear discriminant analysis on the features).

    | Paper link: https://arxiv.org/abs/1807.03888
    """

    name = "mahalanobis"
    fit_needs = ("x", "y")
    fit_needs_what = "the in-distribution inputs and their labels"

    def __init__(
        self, feature_extractor: Callable[[torch.Tensor], torch.Tensor], batch_size: int = 512, shrinkage: float = 1e-6
    ) -> None:
        """
        :param feature_extractor: See :class:`FeatureScorePyTorch`.
        :param batch_size: Rows per forward pass.
        :param shrinkage: Added to the covariance's diagonal, relative to its mean variance, so that features with
               dead units still give an invertible covariance.
        """
        super().__init__(feature_extractor, batch_size)
        check_real(shrinkage, "shrinkage", low=0.0)
        self.shrinkage = float(shrinkage)
        self.means: np.ndarray | None = None
        self.precision: np.ndarray | None = None

    def _fit(
        self, x: np.ndarray | None, y: np.ndarray | None, probabilities: np.ndarray | None, logits: np.ndarray | None
    ) -> None:
        """
        :param x: In-distribution training inputs.
        :param y: Their labels, as indices ``(N,)`` or one-hot ``(N, K)``.
        :raises ValueError: If the labels do not match ``x`` or a class has no example.
        """
        del probabilities, logits
        assert x is not None and y is not None  # fit checked fit_needs
        labels = np.asarray(y)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)
        elif labels.ndim != 1 or not np.issubdtype(labels.dtype, np.number) or (labels != np.round(labels)).any():
            raise ValueError(
                f"y must hold class indices (integers, shape (N,)) or one-hot rows (N, K), got {labels.dtype} "
                f"values shaped {labels.shape}"
                + (
                    f" such as {float(labels[labels != np.round(labels)][0]):g}."
                    if labels.ndim == 1 and np.issubdtype(labels.dtype, np.number)
                    else "."
                )
            )
        labels = labels.astype(np.int64)
        if labels.shape != (len(x),):
            raise ValueError(f"y must give one label per row of x ({len(x)}), got shape {np.shape(y)}.")
        features = self.features(x)
        classes = np.unique(labels)
        if len(classes) < 2 or not np.array_equal(classes, np.arange(classes.max() + 1)):
            raise ValueError(f"y must contain every class 0..K-1 (K >= 2), got classes {classes.tolist()}.")
        means = np.stack([features[labels == c].mean(axis=0) for c in classes])
        centred = features - means[labels]
        covariance = centred.T @ centred / len(features)
        covariance += (
            self.shrinkage * max(float(np.trace(covariance)) / len(covariance), 1e-12) * np.eye(len(covariance))
        )
        self.means, self.precision = means, np.linalg.pinv(covariance, hermitian=True)

    @property
    def is_fitted(self) -> bool:
        return self.means is not None

    def _score(self, probabilities: np.ndarray, logits: np.ndarray | None, x: np.ndarray | None) -> np.ndarray:
        assert self.means is not None and self.precision is not None and x is not None
        features = self.features(x)
        # (f - m)^T P (f - m) = f^T P f - 2 f^T P m + m^T P m, for all classes at once.
        projected = features @ self.precision
        distances = (
            (projected * features).sum(axis=1, keepdims=True)
            - 2.0 * projected @ self.means.T
            + ((self.means @ self.precision) * self.means).sum(axis=1)
        )
        return -distances.min(axis=1)

    def state_dict(self) -> dict[str, torch.Tensor]:
        if self.means is None or self.precision is None:
            raise ValueError("The mahalanobis score is not fitted: nothing to save.")
        return {"means": torch.from_numpy(self.means.copy()), "precision": torch.from_numpy(self.precision.copy())}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> MahalanobisPyTorch:
        self._check_state(state, ("means", "precision"))
        means, precision = state["means"].double().numpy(), state["precision"].double().numpy()
        if precision.shape != (means.shape[1], means.shape[1]):
            raise ValueError(f"precision must be {means.shape[1]}x{means.shape[1]}, got {tuple(precision.shape)}.")
        self.means, self.precision = means, precision
        return self

    def __repr__(self) -> str:
        return f"MahalanobisPyTorch(shrinkage={self.shrinkage})"


class KNearestNeighboursPyTorch(FeatureScorePyTorch):
    """
    Minus the Euclidean distance from the L2-normalised features to the ``k``-th nearest L2-normalised training
    feature.

    | Paper link: https://arxiv.org/abs/2204.06507
    """

    name = "knn"
    fit_needs = ("x",)
    fit_needs_what = "the in-distribution inputs"

    def __init__(
        self,
        feature_extractor: Callable[[torch.Tensor], torch.Tensor],
        k: int = 50,
        max_bank: int = 20000,
        batch_size: int = 512,
        seed: int = 0,
    ) -> None:
        """
        :param feature_extractor: See :class:`FeatureScorePyTorch`.
        :param k: Which neighbour's distance is the score (>= 1).
        :param max_bank: At most this many training features are kept (a uniform sample); memory is ``max_bank * D``.
        :param batch_size: Rows per forward pass and per distance block.
        :param seed: Seed of the sample.
        """
        super().__init__(feature_extractor, batch_size)
        check_integer(k, "k", low=1)
        check_integer(max_bank, "max_bank", low=1)
        check_integer(seed, "seed", low=0)
        self.k, self.max_bank, self.seed = k, max_bank, seed
        self.bank: torch.Tensor | None = None

    def _fit(
        self, x: np.ndarray | None, y: np.ndarray | None, probabilities: np.ndarray | None, logits: np.ndarray | None
    ) -> None:
        """
        :param x: In-distribution training inputs (at least ``k``); the score is label-free.
        """
        del y, probabilities, logits
        assert x is not None  # fit checked fit_needs
        if len(x) < self.k:
            raise ValueError(f"fit needs at least k={self.k} inputs, got {len(x)}.")
        if len(x) > self.max_bank:
            x = x[np.sort(np.random.default_rng(self.seed).choice(len(x), self.max_bank, replace=False))]
        self.bank = torch.nn.functional.normalize(torch.from_numpy(self.features(x)).float(), dim=1)

    @property
    def is_fitted(self) -> bool:
        return self.bank is not None

    def _score(self, probabilities: np.ndarray, logits: np.ndarray | None, x: np.ndarray | None) -> np.ndarray:
        assert self.bank is not None and x is not None
        queries = torch.nn.functional.normalize(torch.from_numpy(self.features(x)).float(), dim=1)
        similarities = [
            (queries[begin : begin + self.batch_size] @ self.bank.T).topk(self.k, dim=1).values[:, -1]
            for begin in range(0, len(queries), self.batch_size)
        ]
        # Unit vectors: |a - b|^2 = 2 - 2 a.b
        return -np.sqrt(np.clip(2.0 - 2.0 * torch.cat(similarities).double().numpy(), 0.0, None))

    def state_dict(self) -> dict[str, torch.Tensor]:
        if self.bank is None:
            raise ValueError("The knn score is not fitted: nothing to save.")
        return {"bank": self.bank.clone()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> KNearestNeighboursPyTorch:
        self._check_state(state, ("bank",))
        if state["bank"].ndim != 2 or len(state["bank"]) < self.k:
            raise ValueError(f"bank must be 2-D with at least k={self.k} rows, got {tuple(state['bank'].shape)}.")
        self.bank = state["bank"].float()
        return self

    def __repr__(self) -> str:
        return f"KNearestNeighboursPyTorch(k={self.k}, max_bank={self.max_bank})"


# The names before ART's naming rule (PyTorch-only classes carry the suffix), kept for existing code.
FeatureScore = FeatureScorePyTorch
Mahalanobis = MahalanobisPyTorch
KNearestNeighbours = KNearestNeighboursPyTorch
