"""Shared fixtures: tiny models and data, so every test runs offline in seconds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from art.estimators.classification import PyTorchClassifier
from torch import nn

from art_am.datasets import load_embedded_default
from art_am.training import TrainingConfig
from benchmarks.scenarios import PRESETS, AttackSettings, Scenario


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
def micro_preset(monkeypatch):
    fast = TrainingConfig(epochs=1, lr=0.05, progress=False)
    scenario = Scenario(
        name="micro",
        train_source="embedded:train",
        test_source="embedded:test",
        outlier_source="embedded:outliers",
        attacks=AttackSettings(
            knockoff_sources={"fashion_mnist": "embedded:queries"},
            knockoff_queries=300,
            clone_epochs=1,
            clone_lr=0.05,
            jbda_seeds=20,
            jbda_rounds=2,
            jbda_epochs=1,
        ),
        defender_recipe=fast,
        misinformation_recipe=dataclasses.replace(fast),
        am_thresholds=(0.9,),
        am_detector_thresholds=(0.05,),
        detector_images=256,
        pp_epsilons=(0.5,),
        dcp_betas=(1.0,),
        overhead_repeats=1,
        overhead_all_parameter_rows=20,
    )
    monkeypatch.setitem(PRESETS, "micro", [scenario])
    return scenario
