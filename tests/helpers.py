"""
Small models shared by the tests (imported as ``tests.helpers``; fixtures live in ``conftest.py``, which pytest
discourages importing from).
"""

from __future__ import annotations

import os

import torch
from art.estimators.classification import PyTorchClassifier
from torch import nn

# The repository root, wherever a test module sits below tests/.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny_cnn(num_classes: int = 10, seed: int = 0) -> nn.Module:
    """ART's test victim shape: Conv2d(1,1,7) -> ReLU -> MaxPool(4) -> Linear(25, K)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 1, 7), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(), nn.Linear(25, num_classes))


def classifier(model: nn.Module, defences=None, num_classes: int = 10) -> PyTorchClassifier:
    return PyTorchClassifier(
        model=model,
        loss=nn.CrossEntropyLoss(),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
        input_shape=(1, 28, 28),
        nb_classes=num_classes,
        clip_values=(0.0, 1.0),
        postprocessing_defences=defences,
    )
