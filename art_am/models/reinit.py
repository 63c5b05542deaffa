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
A freshly initialised copy of a PyTorch model: Prediction Poisoning's default surrogate (the authors' choice).
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def reinitialised_copy(model: nn.Module, seed: int = 0) -> nn.Module:
    """
    A copy of ``model`` with the same architecture and freshly initialised weights (every submodule's
    ``reset_parameters``), e.g. Prediction Poisoning's default surrogate. The global RNG state is left untouched.

    :param model: Template module.
    :param seed: Seed of the new initialisation.
    :return: The copy, in eval mode, on the template's device.
    """
    duplicate = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for module in duplicate.modules():
            reset = getattr(module, "reset_parameters", None)
            if callable(reset):
                reset()
    return duplicate.eval()
