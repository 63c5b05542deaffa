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
Batched, gradient-free forward passes of a PyTorch model on NumPy inputs, without touching the caller's module.

A defence evaluates models it does not own (a misinformation model, a surrogate, a feature extractor) from many
threads at once. Flipping such a module to eval mode and back per call races: a concurrent call can run a forward
in train mode (BatchNorm statistics overwritten by queries) and the flag can end flipped. So a module that is wholly
in eval mode is run as it is, and one with any submodule in train mode is run through an eval-mode copy of its module
tree that shares its parameters and buffers (:func:`eval_view`): the user's module is never mutated.
"""

from __future__ import annotations

import copy
import itertools
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


def model_dtype(model: nn.Module) -> torch.dtype:
    """
    :param model: A PyTorch module.
    :return: The dtype of its first floating point parameter or buffer (float32 for a module without any).
    """
    for tensor in itertools.chain(model.parameters(), model.buffers()):
        if tensor.is_floating_point():
            return tensor.dtype
    return torch.float32


def eval_view(owner: nn.Module) -> nn.Module:
    """
    ``owner`` itself when every submodule is in eval mode; otherwise a copy of its module tree in eval mode whose
    parameters and buffers are ``owner``'s own tensors (nothing is copied but the modules' flags and attributes), so
    that evaluating it neither reads train-mode behaviour nor changes anything the caller sees.

    :param owner: A module.
    :return: A module in eval mode computing what ``owner.eval()`` would.
    """
    if not any(module.training for module in owner.modules()):
        return owner
    shared = {id(tensor): tensor for tensor in itertools.chain(owner.parameters(), owner.buffers())}
    try:
        return copy.deepcopy(owner, shared).eval()
    except Exception as error:  # pylint: disable=broad-exception-caught
        raise ValueError(
            f"{type(owner).__name__} is in train mode and its module tree cannot be copied to evaluate it without "
            f"changing it ({error}); call .eval() on it before handing it to a defence."
        ) from error


def _in_view(function: Callable[[torch.Tensor], torch.Tensor], owner: nn.Module, view: nn.Module) -> Callable:
    """
    :return: ``function`` (``owner``, one of its submodules, or a method of either) re-bound to ``view``.
    :raises ValueError: If ``function`` belongs to neither.
    """
    if view is owner:
        return function
    target = getattr(function, "__self__", function)
    for name, module in owner.named_modules():
        if module is target:
            counterpart = view.get_submodule(name)
            return counterpart if function is target else getattr(counterpart, function.__name__)
    raise ValueError("function must be owner, one of its submodules, or a method of one of them.")


def batched_logits(model: nn.Module, x: np.ndarray | torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """
    Evaluate ``model`` as in eval mode without gradients, batch by batch, on the model's device, without changing the
    module (see :func:`eval_view`).

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
    Evaluate ``function`` (a module, or a method of one such as ``model.features``) batch by batch, with ``owner``
    as in eval mode (through :func:`eval_view`: ``owner`` is not mutated), without gradients, on ``owner``'s device
    and in its floating point dtype.

    :param function: Maps a batch of ``B`` rows to outputs, which are flattened to ``(B, D)``.
    :param owner: The module whose device, dtype and train/eval flags apply.
    :param x: Inputs, ``(N, ...)``.
    :param batch_size: Rows per forward pass.
    :return: ``(N, D)`` float32 CPU tensor.
    """
    device, dtype = model_device(owner), model_dtype(owner)
    inputs = torch.as_tensor(x)
    view = eval_view(owner)
    evaluate = _in_view(function, owner, view)
    outputs = []
    with torch.inference_mode():
        for begin in range(0, len(inputs), batch_size):
            batch = inputs[begin : begin + batch_size].to(device, dtype)
            outputs.append(evaluate(batch).float().reshape(len(batch), -1).cpu())
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
