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
Batched, gradient-free forward passes of a PyTorch model on NumPy inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn


def model_device(model: nn.Module) -> torch.device:
    """
    :param model: A PyTorch module.
    :return: The device of its first parameter or buffer (CPU for a module without any).
    """
    for parameter in model.parameters():
        return parameter.device
    for buffer in model.buffers():
        return buffer.device
    return torch.device("cpu")


def batched_logits(model: nn.Module, x: np.ndarray | torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """
    Evaluate ``model`` in eval mode without gradients, batch by batch, on the model's device.

    The module's train/eval flag is restored afterwards, so calling this from inside a training loop is harmless.

    :param model: Module returning logits.
    :param x: Inputs, ``(N, ...)``.
    :param batch_size: Rows per forward pass.
    :return: Logits ``(N, K)`` as a float32 CPU tensor.
    """
    return batched_outputs(model, model, x, batch_size)


def batched_outputs(
    function: Callable[[torch.Tensor], torch.Tensor],
    owner: nn.Module,
    x: np.ndarray | torch.Tensor,
    batch_size: int = 512,
) -> torch.Tensor:
    """
    Evaluate ``function`` (a module, or a method of one such as ``model.features``) batch by batch, with ``owner`` in
    eval mode (its flag restored afterwards), without gradients, on ``owner``'s device.

    :param function: Maps a float32 batch of ``B`` rows to outputs, which are flattened to ``(B, D)``.
    :param owner: The module whose device and train/eval flag apply.
    :param x: Inputs, ``(N, ...)``.
    :param batch_size: Rows per forward pass.
    :return: ``(N, D)`` float32 CPU tensor.
    """
    device = model_device(owner)
    inputs = torch.as_tensor(x)
    was_training = owner.training
    owner.eval()
    outputs = []
    try:
        with torch.inference_mode():
            for begin in range(0, len(inputs), batch_size):
                batch = inputs[begin : begin + batch_size].to(device, torch.float32)
                outputs.append(function(batch).float().reshape(len(batch), -1).cpu())
    finally:
        owner.train(was_training)
    if not outputs:
        return torch.empty((0, 0))
    return torch.cat(outputs)


def predict_proba(model: nn.Module, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """
    :param model: Module returning logits.
    :param x: Inputs.
    :param batch_size: Rows per forward pass.
    :return: Softmax probabilities ``(N, K)``, float32 NumPy.
    """
    return torch.softmax(batched_logits(model, x, batch_size), dim=1).numpy()


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray, batch_size: int = 512) -> float:
    """
    :param model: Module returning logits.
    :param x: Inputs.
    :param y: Integer labels.
    :return: Top-1 accuracy in [0, 1].
    """
    return float((batched_logits(model, x, batch_size).argmax(1).numpy() == np.asarray(y)).mean())
