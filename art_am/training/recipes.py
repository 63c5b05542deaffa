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
Named training recipes, as :class:`~art_am.training.TrainingConfig` objects.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from art_am.training.loop import TrainingConfig

# airbench's learning rate and weight decay are given per 1024 examples of a summed loss under Nesterov momentum;
# scaled to the mean loss that the loop differentiates, the learning rate is 11.5 * batch / (1024 * (1 + 1 / (1 - m)))
# and the weight-decay coefficient, applied through the learning rate, 0.0153 / 11.5 (independent of the batch).
_AIRBENCH_LR_PER_1024 = 11.5
_AIRBENCH_WEIGHT_DECAY_PER_1024 = 0.0153
# Fine-tuning starts from trained weights, so it runs at a fraction of the recipe's peak learning rate.
FINE_TUNING_LR_FACTOR = 0.25


def fast_recipe(**overrides: Any) -> TrainingConfig:
    """
    The airbench training recipe (K. Jordan, 2024) for :class:`~art_am.models.FastNet`: 10 epochs at batch 1024,
    Nesterov SGD (momentum 0.85) with a triangular schedule (20 % warm-up from 0.2, then linear decay to zero), label
    smoothing 0.2, batch-norm shifts at 64 times the learning rate, flip + 2-pixel translation with alternating flips,
    Lookahead, a data-initialised whitening layer whose bias trains for the first 3 epochs.

    | Paper link: https://arxiv.org/abs/2404.00498

    :param overrides: Any :class:`~art_am.training.TrainingConfig` field (e.g. ``epochs``, ``seed``, ``device``); the
                      learning rate follows ``batch_size`` and ``momentum`` unless ``lr`` is given.
    :return: The configuration.
    """
    batch_size = overrides.get("batch_size", 1024)
    momentum = overrides.get("momentum", 0.85)
    kilostep = 1024 * (1 + 1 / (1 - momentum))
    settings: dict[str, Any] = {
        "epochs": 10,
        "batch_size": batch_size,
        "lr": _AIRBENCH_LR_PER_1024 * batch_size / kilostep,
        "momentum": momentum,
        "nesterov": True,
        "weight_decay": _AIRBENCH_WEIGHT_DECAY_PER_1024 / _AIRBENCH_LR_PER_1024,
        "schedule": "triangular",
        "warmup_epochs": 2.0,
        "warmup_start": 0.2,
        "label_smoothing": 0.2,
        "augment": True,
        "translate": 2,
        "alternating_flip": True,
        "lookahead": True,
        "bias_lr_scale": 64.0,
        "whitening_bias_epochs": 3.0,
        "data_init": True,
    }
    settings.update(overrides)
    if "epochs" in overrides and "warmup_epochs" not in overrides:
        settings["warmup_epochs"] = 0.2 * settings["epochs"]
    return replace(TrainingConfig(), **settings)


def fast_fine_tuning(**overrides: Any) -> TrainingConfig:
    """
    Outlier-exposure fine-tuning of a :class:`~art_am.models.FastNet` trained with :func:`fast_recipe` (Hendrycks et
    al. fine-tune trained CIFAR networks with outlier exposure rather than train them anew): :func:`fast_recipe`'s
    optimiser, augmentation and triangular schedule for 3 epochs at batch 512 and a quarter of its learning rate, the
    trained whitening layer kept (``fine_tune``). On two CPU cores it costs about a third of a training from scratch.

    | Paper link: https://arxiv.org/abs/1812.04606

    :param overrides: Any :class:`~art_am.training.TrainingConfig` field; ``lr`` replaces the quartered rate.
    :return: The configuration.
    """
    batch_size = overrides.get("batch_size", 512)
    settings: dict[str, Any] = {
        "epochs": 3,
        "batch_size": batch_size,
        "lr": FINE_TUNING_LR_FACTOR * fast_recipe(batch_size=batch_size, momentum=overrides.get("momentum", 0.85)).lr,
        "data_init": False,
        "fine_tune": True,
        "whitening_bias_epochs": 0.0,
    }
    settings.update(overrides)
    return fast_recipe(**settings)


__all__ = ["fast_fine_tuning", "fast_recipe"]
