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
Model factories by name: ``lenet5``, ``resnet18``, ``resnet8`` (the small CIFAR ResNet of the early CPU presets) and
``fastnet`` (the airbench network, 93-94 % on CIFAR-10 in about ten epochs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from art_am.models.fastnet import FastNet, set_tta_level
from art_am.models.lenet import LeNet5
from art_am.models.reinit import reinitialised_copy
from art_am.models.resnet import CifarResNet, ResNet18
from art_am.models.transfer import load_backbone
from art_am.validation import check_integer

_FACTORIES: dict[str, Callable[..., nn.Module]] = {
    "fastnet": FastNet,
    "lenet5": LeNet5,
    "resnet18": ResNet18,
    "resnet8": CifarResNet,
}

MODEL_NAMES = tuple(sorted(_FACTORIES))


def create_model(name: str, num_classes: int = 10, **kwargs: Any) -> nn.Module:
    """
    Build a model by name.

    :param name: ``fastnet``, ``lenet5``, ``resnet18`` or ``resnet8``.
    :param num_classes: Number of output classes.
    :param kwargs: Further arguments of the model class (``in_channels``; ``cifar_stem``, ``weights_path``;
                   ``blocks_per_stage``, ``width``; ``widths``, ``tta_level``).
    :return: A freshly initialised model returning logits.
    :raises ValueError: For an unknown name or a non-positive class count.
    """
    if name not in _FACTORIES:
        raise ValueError(f"Unknown model '{name}'. Valid names: {', '.join(MODEL_NAMES)}.")
    check_integer(num_classes, "num_classes", low=2)
    return _FACTORIES[name](num_classes=num_classes, **kwargs)


__all__ = [
    "CifarResNet",
    "FastNet",
    "LeNet5",
    "MODEL_NAMES",
    "ResNet18",
    "create_model",
    "load_backbone",
    "reinitialised_copy",
    "set_tta_level",
]
