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
Out-of-distribution scores for Adaptive Misinformation: each maps a query (the protected model's outputs and, where
needed, the input) to its in-distribution-ness, higher for queries that look like the defender's training data.

- :class:`MaxSoftmaxProbability`: the paper's score (the default);
- :class:`Energy`, :class:`MaxLogit`: from the logits;
- :class:`Mahalanobis`, :class:`KNearestNeighbours`: in feature space, fitted on training data;
- :class:`NoiseLevel`: the input's pixel noise, aimed at gradient-sign synthetic queries (JBDA);
- :class:`SignStepDetector`: a small network trained to detect gradient-sign steps, the same target on textured images;
- :class:`CombinedScore`: the smallest in-distribution rank of several scores.
"""

import importlib
from typing import TYPE_CHECKING, Any

from art_am.defences.ood_scores.base import OODScore
from art_am.defences.ood_scores.combined import CombinedScore
from art_am.defences.ood_scores.noise_level import NoiseLevel
from art_am.defences.ood_scores.output_scores import Energy, MaxLogit, MaxSoftmaxProbability

# The scores that run a PyTorch network are imported on first use, so that importing Adaptive Misinformation (and the
# output scores) does not import torch (ART's rule for framework-independent modules).
_TORCH_SCORES = {
    **{
        name: "feature_scores_pytorch"
        for name in ("FeatureScore", "KNearestNeighbours", "Mahalanobis")
        for name in (name, name + "PyTorch")
    },
    **{
        name: "sign_step_detector_pytorch"
        for name in ("SignStepDetector", "SignStepNetwork")
        for name in (name, name + "PyTorch")
    },
    "sign_step_perturbation": "sign_step_detector_pytorch",
}

if TYPE_CHECKING:
    from art_am.defences.ood_scores.feature_scores_pytorch import (
        FeatureScore,
        FeatureScorePyTorch,
        KNearestNeighbours,
        KNearestNeighboursPyTorch,
        Mahalanobis,
        MahalanobisPyTorch,
    )
    from art_am.defences.ood_scores.sign_step_detector_pytorch import (
        SignStepDetector,
        SignStepDetectorPyTorch,
        SignStepNetwork,
        SignStepNetworkPyTorch,
        sign_step_perturbation,
    )


def __getattr__(name: str) -> Any:
    if name in _TORCH_SCORES:
        return getattr(importlib.import_module(f"{__name__}.{_TORCH_SCORES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CombinedScore",
    "Energy",
    "FeatureScore",
    "FeatureScorePyTorch",
    "KNearestNeighbours",
    "KNearestNeighboursPyTorch",
    "Mahalanobis",
    "MahalanobisPyTorch",
    "MaxLogit",
    "MaxSoftmaxProbability",
    "NoiseLevel",
    "OODScore",
    "SignStepDetector",
    "SignStepDetectorPyTorch",
    "SignStepNetwork",
    "SignStepNetworkPyTorch",
    "sign_step_perturbation",
]
