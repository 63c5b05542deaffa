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
Defences against model stealing as ART postprocessors, and their documented helpers: AM's answer as a pure function,
threshold calibration and the Section 6 confidence matching. Internals (query discovery, MAD's budget step, the top-1
guard) stay in their modules. Importing this package does not import torch: :class:`PredictionPoisoningPyTorch`
(also exported under its earlier name ``PredictionPoisoning``), which differentiates a PyTorch surrogate, is loaded on
first use.
"""

import importlib
from typing import TYPE_CHECKING, Any

from art_am.defences.adaptive_misinformation import (
    AdaptiveMisinformation,
    adaptive_misinformation_answer,
    misinformation_weight,
)
from art_am.defences.calibration import threshold_for_accuracy_budget, threshold_for_false_positive_rate
from art_am.defences.confidence_matching import ConfidenceMatch, fit_confidence_matching
from art_am.defences.deceptive_perturbation import DeceptivePerturbation

__all__ = [
    "AdaptiveMisinformation",
    "ConfidenceMatch",
    "DeceptivePerturbation",
    "PredictionPoisoning",
    "PredictionPoisoningPyTorch",
    "adaptive_misinformation_answer",
    "fit_confidence_matching",
    "misinformation_weight",
    "threshold_for_accuracy_budget",
    "threshold_for_false_positive_rate",
]

if TYPE_CHECKING:
    from art_am.defences.prediction_poisoning_pytorch import PredictionPoisoning, PredictionPoisoningPyTorch


def __getattr__(name: str) -> Any:
    if name in ("PredictionPoisoning", "PredictionPoisoningPyTorch"):
        return getattr(importlib.import_module(f"{__name__}.prediction_poisoning_pytorch"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
