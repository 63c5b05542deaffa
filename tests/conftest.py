"""Shared fixtures: tiny models and data, so every test runs offline in seconds."""

from __future__ import annotations

import numpy as np
import pytest

from art_am.datasets import load_embedded_default
from benchmarks.presets import MICRO


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
