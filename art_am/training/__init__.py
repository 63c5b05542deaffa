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
Training of the defender with outlier exposure and of the misinformation model, and their checkpoints.
"""

from art_am.training.checkpoint import (
    load_checkpoint,
    load_checkpoint_payload,
    load_extra_state,
    save_checkpoint,
)
from art_am.training.loop import TrainingConfig
from art_am.training.misinformation import misinformation_loss, train_misinformation_model
from art_am.training.outlier_exposure import train_defender, uniform_cross_entropy
from art_am.training.recipes import fast_fine_tuning, fast_recipe
from art_am.training.synthetic_outliers import class_blends, shuffled_patches

__all__ = [
    "TrainingConfig",
    "class_blends",
    "fast_fine_tuning",
    "fast_recipe",
    "load_checkpoint",
    "load_checkpoint_payload",
    "load_extra_state",
    "misinformation_loss",
    "save_checkpoint",
    "shuffled_patches",
    "train_defender",
    "train_misinformation_model",
    "uniform_cross_entropy",
]
