"""Shared fixtures: tiny models and data, so every test runs offline in seconds."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from art.estimators.classification import PyTorchClassifier
from torch import nn

from art_am.datasets import load_embedded_default
from benchmarks.scenarios import MICRO


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


@pytest.fixture(scope="session")
def embedded():
    return load_embedded_default()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def x_random(rng):
    return rng.random((200, 1, 28, 28), dtype=np.float32)


@pytest.fixture
def micro_preset():
    return MICRO
