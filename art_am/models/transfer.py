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
Initialising a model from another one trained on other classes: every weight but the classification head, the way the
paper starts its ResNet-18 defenders and clones from ImageNet weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn


def load_backbone(model: nn.Module, state_dict: Mapping[str, torch.Tensor], head: str = "classifier") -> nn.Module:
    """
    Copy every parameter and buffer of ``state_dict`` into ``model``, except those of the head, which keeps its own
    (fresh) weights: the head of a pretrained model answers in another class space.

    | Paper link: https://arxiv.org/abs/1911.07100 (Section 5: ResNet-18 models start from ImageNet weights)

    :param model: The model to initialise, e.g. built by :func:`~art_am.models.create_model` for the task's classes.
    :param state_dict: Weights of a model of the same architecture, trained on any number of classes.
    :param head: Name of the classification head's submodule in both (``classifier`` in every art_am model).
    :return: ``model``, initialised in place.
    :raises ValueError: If ``model`` has no submodule ``head``, or the non-head entries of ``state_dict`` do not match
                        the model's by name and shape.
    """
    own = model.state_dict()
    prefix = head + "."
    if not any(name.startswith(prefix) for name in own):
        raise ValueError(f"head '{head}' names no submodule with weights of the model; give the head's submodule name.")
    own_backbone = {name: value for name, value in own.items() if not name.startswith(prefix)}
    given = {name: value for name, value in state_dict.items() if not name.startswith(prefix)}
    missing, unexpected = sorted(set(own_backbone) - set(given)), sorted(set(given) - set(own_backbone))
    if missing or unexpected:
        raise ValueError(
            f"state_dict is not a backbone of this model's architecture: missing {missing[:4]}, "
            f"unexpected {unexpected[:4]} ({len(missing)} and {len(unexpected)} entries)."
        )
    resized = [name for name, value in own_backbone.items() if tuple(given[name].shape) != tuple(value.shape)]
    if resized:
        name = resized[0]
        raise ValueError(
            f"state_dict entry '{name}' has shape {tuple(given[name].shape)}, the model's has "
            f"{tuple(own_backbone[name].shape)} ({len(resized)} entries differ): a backbone of another width or depth."
        )
    model.load_state_dict({**own, **given})
    return model
