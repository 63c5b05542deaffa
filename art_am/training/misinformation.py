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
Training of the misinformation model ``f_hat`` (Adaptive Misinformation paper Eq. 7): minimise
``-log(1 - f_hat(x)_y)`` so that it puts little probability on the true class.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from art_am.inference import batched_logits
from art_am.training.loop import TrainingConfig, check_training_arrays, run_sgd


def misinformation_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """
    Mean of ``-log(1 - softmax(logits)_y)``, computed stably as ``logsumexp(all) - logsumexp(all but y)``.

    :param logits: ``(N, K)`` logits.
    :param labels: ``(N,)`` class indices to avoid.
    :return: Scalar loss.
    """
    others = logits.scatter(1, labels[:, None], float("-inf"))
    return (torch.logsumexp(logits, dim=1) - torch.logsumexp(others, dim=1)).mean()


def train_misinformation_model(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    x_outliers: np.ndarray | None = None,
    defender: nn.Module | None = None,
    config: TrainingConfig | None = None,
    epoch_callback: Callable[[nn.Module, dict], None] | None = None,
) -> list[dict]:
    """
    Train ``f_hat`` in place on the in-distribution data with its labels and, as the authors do, on outliers
    labelled with the defender's prediction (so that ``f_hat`` also avoids what ``f`` would say on them).

    | Paper link: https://arxiv.org/abs/1911.07100

    :param model: Misinformation model returning logits.
    :param x: In-distribution images.
    :param y: True labels.
    :param x_outliers: Optional outlier images; they need ``defender``.
    :param defender: Trained defender whose argmax labels the outliers.
    :param config: Training recipe (``oe_weight`` and ``label_smoothing`` are unused here).
    :param epoch_callback: See :func:`~art_am.training.loop.run_sgd`.
    :return: Per-epoch history.
    :raises ValueError: On bad arrays, or outliers without a defender.
    """
    config = config or TrainingConfig()
    check_training_arrays(x, y)
    if x_outliers is not None:
        if defender is None:
            raise ValueError("x_outliers needs a defender to label them; pass defender=<trained f>.")
        outlier_labels = batched_logits(defender, x_outliers).argmax(1).numpy()
        x = np.concatenate([x, x_outliers])
        y = np.concatenate([y, outlier_labels])

    def batch_loss(net: nn.Module, x_batch, y_batch, _outliers) -> torch.Tensor:
        return misinformation_loss(net(x_batch), y_batch)

    return run_sgd(model, x, y, batch_loss, config, description="misinformation", epoch_callback=epoch_callback)
