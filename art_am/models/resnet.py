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
ResNet-18 from torchvision, with a CIFAR-style stem option and optional ImageNet weights read from a local file.
"""

from __future__ import annotations

import logging
import os

import torch
import torchvision
from torch import nn

logger = logging.getLogger(__name__)


class ResNet18(nn.Module):
    """
    torchvision's ResNet-18 with ``features`` (the 512-d pooled features) and ``classifier`` (the last linear layer)
    exposed like :class:`~art_am.models.LeNet5`. Returns logits.
    """

    def __init__(self, num_classes: int = 10, cifar_stem: bool = False, weights_path: str | None = None) -> None:
        """
        :param num_classes: Number of output classes.
        :param cifar_stem: Replace the 7x7 stride-2 convolution and the max pooling by a 3x3 stride-1 convolution, as
                           usual for 32x32 inputs.
        :param weights_path: Optional local file of ImageNet weights (a torchvision ``state_dict``); loaded before the
                             head is replaced. Never downloaded. With ``cifar_stem`` the first convolution stays random.
        :raises FileNotFoundError: If ``weights_path`` is given but missing.
        """
        super().__init__()
        network = torchvision.models.resnet18(weights=None)
        if weights_path is not None:
            if not os.path.isfile(weights_path):
                raise FileNotFoundError(f"weights_path '{weights_path}' does not exist; pass None for random weights.")
            network.load_state_dict(torch.load(weights_path, map_location="cpu", weights_only=True))
        if cifar_stem:
            network.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
            network.maxpool = nn.Identity()  # type: ignore[assignment]
        self.classifier = nn.Linear(network.fc.in_features, num_classes)
        network.fc = nn.Identity()  # type: ignore[assignment]
        self.backbone = network

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """
        :param x: Input batch ``(N, 3, H, W)``.
        :return: Pooled features ``(N, 512)``.
        """
        return self.backbone(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """
        :param x: Input batch.
        :return: Logits ``(N, num_classes)``.
        """
        return self.classifier(self.backbone(x))


class _BasicBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class CifarResNet(nn.Module):
    """
    The CIFAR ResNet of He et al. (2016, Section 4.2): a 3x3 stem and three stages of basic blocks at widths ``w``,
    ``2w``, ``4w``; depth ``6n + 2``. ResNet-8 (n = 1, w = 16, 78k parameters) trains on CIFAR-10 on two CPU cores in
    minutes per epoch, the stand-in for ResNet-18 where no GPU is available. Exposes ``features`` and ``classifier``
    like the other models; returns logits.
    """

    def __init__(self, num_classes: int = 10, blocks_per_stage: int = 1, width: int = 16, in_channels: int = 3) -> None:
        """
        :param num_classes: Number of output classes.
        :param blocks_per_stage: n: basic blocks per stage (depth 6n + 2).
        :param width: Channels of the first stage (doubled at each of the two later stages).
        :param in_channels: Image channels.
        """
        super().__init__()
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
        ]
        channels = width
        for stage in range(3):
            out_channels = width * 2**stage
            for block in range(blocks_per_stage):
                layers.append(_BasicBlock(channels, out_channels, 2 if stage > 0 and block == 0 else 1))
                channels = out_channels
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.body = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """
        :param x: Input batch ``(N, C, H, W)``.
        :return: Pooled features ``(N, 4 * width)``.
        """
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """
        :param x: Input batch.
        :return: Logits ``(N, num_classes)``.
        """
        return self.classifier(self.body(x))
