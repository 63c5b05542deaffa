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
LeNet-5 as used for MNIST and Fashion-MNIST in the Adaptive Misinformation paper and its authors' code.
"""

from __future__ import annotations

import torch
from torch import nn


class LeNet5(nn.Module):
    """
    LeNet-5 for 28x28 inputs: two 5x5 convolutions (6 and 16 channels, the first padded) with max pooling, then fully
    connected layers of 120 and 84 units and a linear classifier. Returns logits.

    The penultimate features (84 units, after ReLU) are exposed by :meth:`features`, and the last layer is
    ``self.classifier``, which Prediction Poisoning's closed-form Jacobian uses.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1) -> None:
        """
        :param num_classes: Number of output classes.
        :param in_channels: Number of input channels.
        """
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
        )
        self.classifier = nn.Linear(84, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """
        :param x: Input batch ``(N, C, 28, 28)``.
        :return: Penultimate features ``(N, 84)``.
        """
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """
        :param x: Input batch.
        :return: Logits ``(N, num_classes)``.
        """
        return self.classifier(self.body(x))
