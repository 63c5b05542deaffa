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
The fast CIFAR network of the airbench recipe (K. Jordan, "94% on CIFAR-10 in 3.29 seconds on a single GPU", 2024),
written from its published description: a frozen patch-whitening first layer, three convolution groups (convolution,
max pooling, batch norm, GELU, convolution, batch norm, GELU), a global max pooling and a linear head scaled by 1/9.
Test-time augmentation (horizontal flip, and flip plus one-pixel translations) is part of the module, so that ART, the
defences and the attacks all see one model.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from art_am.validation import check_integer

TTA_LEVELS = (0, 1, 2)


def _identity_start(conv: nn.Conv2d) -> nn.Conv2d:
    # The first min(in, out) filters start as the identity (a Dirac kernel), the rest at their default: each group
    # initially passes its input through, which the short schedule needs to make progress from the first epoch.
    with torch.no_grad():
        nn.init.dirac_(conv.weight[: min(conv.in_channels, conv.out_channels)])
    return conv


class _ConvGroup(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, bn_momentum: float, identity_init: bool) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.norm1 = _frozen_scale_norm(out_channels, bn_momentum)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.norm2 = _frozen_scale_norm(out_channels, bn_momentum)
        self.activation = nn.GELU()
        if identity_init:
            _identity_start(self.conv1)
            _identity_start(self.conv2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.activation(self.norm1(self.pool(self.conv1(x))))
        return self.activation(self.norm2(self.conv2(x)))


def _frozen_scale_norm(channels: int, momentum: float) -> nn.BatchNorm2d:
    # The recipe trains only the batch-norm shifts: a learnable scale adds nothing in front of a scale-invariant
    # convolution and slows the short schedule down.
    norm = nn.BatchNorm2d(channels, eps=1e-12, momentum=momentum)
    norm.weight.requires_grad_(False)
    return norm


class FastNet(nn.Module):
    """
    The airbench network. ``widths=(64, 256, 256)`` is the 94 % configuration, ``(64, 128, 128)`` a cheaper one.
    Call :meth:`init_whitening` on training images before training (the training recipe does so when
    ``TrainingConfig.data_init`` is set). Exposes ``features`` (pooled, scaled features; averaged over the test-time
    views in evaluation mode) and ``classifier`` (the bias-free linear head) like the other models; returns logits.
    """

    def __init__(
        self,
        num_classes: int = 10,
        widths: tuple[int, int, int] = (64, 256, 256),
        in_channels: int = 3,
        tta_level: int = 2,
        bn_momentum: float = 0.4,
        scale: float = 1.0 / 9.0,
        identity_init: bool = True,
        whitening_eps: float | None = None,
    ) -> None:
        """
        :param num_classes: Number of output classes.
        :param widths: Channels of the three convolution groups.
        :param in_channels: Image channels.
        :param tta_level: Test-time augmentation in evaluation mode: 0 none, 1 the mean of the image and its mirror,
                          2 also the mirrored views shifted by one pixel up-left and down-right (6 forward passes).
        :param bn_momentum: Batch-norm momentum in torch's convention (the weight of the new batch statistics).
        :param scale: Factor on the logits (the recipe's 1/9 keeps the initial softmax nearly uniform).
        :param identity_init: Start the first filters of every convolution as the identity (Dirac kernels).
        :param whitening_eps: Regulariser of :meth:`init_whitening`, relative to the mean pixel variance of the patches
                              (airbench adds 5e-4 to the eigenvalues of inputs standardised to unit variance; this is
                              the same on inputs in [0, 1]). None: 5e-4 added to the raw eigenvalues (earlier runs).
        """
        super().__init__()
        if len(widths) != 3:
            raise ValueError(f"widths must hold three channel counts, got {widths!r}.")
        for width in widths:
            check_integer(width, "widths", low=1)
        check_integer(in_channels, "in_channels", low=1)
        if tta_level not in TTA_LEVELS:
            raise ValueError(f"tta_level must be one of {TTA_LEVELS}, got {tta_level!r}.")
        self.tta_level = tta_level
        self.scale = scale
        self.whitening_eps = whitening_eps
        patch_dims = in_channels * 4
        # Whitening of 2x2 patches: each eigenvector appears with both signs so that the GELU keeps the information.
        self.whitening = nn.Conv2d(in_channels, 2 * patch_dims, kernel_size=2, padding=0, bias=True)
        self.whitening.weight.requires_grad_(False)
        self.whitening_activation = nn.GELU()
        groups = []
        channels = 2 * patch_dims
        for width in widths:
            groups.append(_ConvGroup(channels, width, bn_momentum, identity_init))
            channels = width
        self.groups = nn.Sequential(*groups)
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.classifier = nn.Linear(channels, num_classes, bias=False)
        # Channels-last convolutions are 1.3-1.4x faster on two CPU cores (and on GPUs); inputs are converted in
        # ``_pooled``, so callers pass ordinary tensors.
        self.to(memory_format=torch.channels_last)

    @torch.no_grad()
    def init_whitening(self, x: np.ndarray | torch.Tensor, max_images: int = 5000, eps: float | None = None) -> None:
        """
        Set the whitening layer from the covariance of the 2x2 patches of training images: weights
        ``V / sqrt(lambda + eps)`` of the eigen-decomposition, with both signs, and a bias that centres the patches.

        :param x: Training images ``(N, C, H, W)`` in the model's input range.
        :param max_images: Use at most this many images (the first ones).
        :param eps: Added to the eigenvalues, times the mean pixel variance of the patches; None: ``whitening_eps``
                    (and 5e-4 unscaled where that is None too).
        """
        images = torch.as_tensor(np.asarray(x[:max_images]), dtype=torch.float32)
        if images.ndim != 4 or images.shape[1] != self.whitening.in_channels:
            raise ValueError(
                f"x must be shaped (N, {self.whitening.in_channels}, H, W) for init_whitening, "
                f"got {tuple(images.shape)}."
            )
        patches = nn.functional.unfold(images, kernel_size=2).transpose(1, 2).reshape(-1, images.shape[1] * 4)
        patches = patches.double()
        mean = patches.mean(0)
        centred = patches - mean
        covariance = centred.T @ centred / len(centred)
        eigenvalues, eigenvectors = torch.linalg.eigh(covariance)
        relative = eps if eps is not None else self.whitening_eps
        regulariser = 5e-4 if relative is None else relative * float(covariance.diagonal().mean())
        filters = (eigenvectors / torch.sqrt(eigenvalues.clamp_min(0) + regulariser)).T  # one whitening filter per row
        filters = torch.cat([filters, -filters])
        weight = filters.reshape(self.whitening.weight.shape)
        self.whitening.weight.copy_(weight.float())
        bias = self.whitening.bias
        assert bias is not None  # built with bias=True
        bias.copy_((-filters @ mean).float())

    def _pooled(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous(memory_format=torch.channels_last)
        x = self.whitening_activation(self.whitening(x))
        return self.pool(self.groups(x)).flatten(1) * self.scale

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """
        :param x: Input batch ``(N, C, H, W)``.
        :return: Pooled features ``(N, widths[2])``; in evaluation mode averaged over the test-time views (the head is
                 linear and bias-free, so this equals averaging the logits).
        """
        if self.training or self.tta_level == 0:
            return self._pooled(x)
        mirrored = 0.5 * (self._pooled(x) + self._pooled(x.flip(-1)))
        if self.tta_level == 1:
            return mirrored
        height, width = x.shape[-2:]
        padded = nn.functional.pad(x, (1, 1, 1, 1), mode="reflect")
        shifted = [padded[..., :height, :width], padded[..., 2 : height + 2, 2 : width + 2]]
        translated = sum(0.5 * (self._pooled(view) + self._pooled(view.flip(-1))) for view in shifted) / 2
        return 0.5 * mirrored + 0.5 * translated

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """
        :param x: Input batch.
        :return: Logits ``(N, num_classes)``.
        """
        return self.classifier(self.features(x))


def set_tta_level(model: nn.Module, level: int) -> int | None:
    """
    :param model: Any model.
    :param level: The test-time augmentation level to set where the model has one (:data:`TTA_LEVELS`).
    :return: The previous level of a :class:`FastNet`, None for a model without test-time views (left unchanged).
    """
    if not isinstance(model, FastNet):
        return None
    if level not in TTA_LEVELS:
        raise ValueError(f"level must be one of {TTA_LEVELS}, got {level!r}.")
    previous, model.tta_level = model.tta_level, level
    return previous
