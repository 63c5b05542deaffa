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
Training of the defender with outlier exposure (Hendrycks et al. 2019; Adaptive Misinformation paper Eq. 6):
cross-entropy on in-distribution data plus lambda times the cross-entropy to the uniform distribution on outliers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from art_am.training.loop import TrainingConfig, check_training_arrays, run_sgd


def uniform_cross_entropy(logits: torch.Tensor) -> torch.Tensor:
    """
    Cross-entropy between the uniform distribution and ``softmax(logits)``, averaged over the batch:
    ``-mean_k log_softmax(logits)_k``.

    :param logits: ``(N, K)`` logits.
    :return: Scalar loss.
    """
    return -torch.log_softmax(logits, dim=1).mean(dim=1).mean()


def train_defender(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    x_outliers: np.ndarray | None = None,
    config: TrainingConfig | None = None,
    epoch_callback: Callable[[nn.Module, dict], None] | None = None,
) -> list[dict]:
    """
    Train the defender ``f`` in place: plain cross-entropy, plus ``config.oe_weight`` times the uniform
    cross-entropy on a same-sized outlier batch at every step when ``x_outliers`` is given (outlier exposure).

    | Paper link: https://arxiv.org/abs/1812.04606 (outlier exposure), https://arxiv.org/abs/1911.07100 (AM)

    :param model: Model returning logits.
    :param x: In-distribution images ``(N, C, H, W)``.
    :param y: Labels ``(N,)``.
    :param x_outliers: Outlier images of the same shape per image, or None for normal training.
    :param config: Training recipe; the authors' MNIST recipe by default (:func:`~art_am.training.fast_recipe` for the
                   fast CIFAR recipe). Its ``label_smoothing`` applies to the in-distribution cross-entropy.
    :param epoch_callback: See :func:`~art_am.training.loop.run_sgd`.
    :return: Per-epoch history.
    :raises ValueError: On bad arrays.
    """
    config = config or TrainingConfig()
    check_training_arrays(x, y)
    if x_outliers is not None and x_outliers.shape[1:] != x.shape[1:]:
        raise ValueError(f"x_outliers images must have the shape of x's, {x.shape[1:]}, got {x_outliers.shape[1:]}.")

    def batch_loss(net: nn.Module, x_batch, y_batch, outlier_batch) -> torch.Tensor:
        if outlier_batch is None:
            return nn.functional.cross_entropy(net(x_batch), y_batch, label_smoothing=smoothing)
        logits = net(torch.cat([x_batch, outlier_batch]))
        n_in = len(x_batch)
        in_distribution = nn.functional.cross_entropy(logits[:n_in], y_batch, label_smoothing=smoothing)
        return in_distribution + config.oe_weight * uniform_cross_entropy(logits[n_in:])

    smoothing = config.label_smoothing
    return run_sgd(
        model, x, y, batch_loss, config, x_outliers=x_outliers, description="defender", epoch_callback=epoch_callback
    )
