"""
Property-based tests of every defence's answer (Hypothesis, derandomised so that CI is deterministic): random logits
over 2-100 classes and batches of 1-600 rows, with near-ties (top two float32 logits one ulp apart) and extreme
confidences, checked against each defence's own rule computed another way.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import expit
from torch import nn

from art_am.defences import AdaptiveMisinformation, DeceptivePerturbation, PredictionPoisoning
from art_am.defences.probabilities import softmax, top1_one_hot

PROPERTY_SETTINGS = settings(
    max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FEATURES = 4


@st.composite
def logit_batches(draw, max_rows: int = 600):
    """
    :return: ``(logits float32 (N, K), queries float32 (N, FEATURES), seed)``.
    """
    classes = draw(st.integers(2, 100))
    rows = draw(st.integers(1, max_rows))
    seed = draw(st.integers(0, 2**31 - 1))
    kind = draw(st.sampled_from(["moderate", "flat", "near_tie", "extreme"]))
    rng = np.random.default_rng(seed)
    scale = {"moderate": 3.0, "flat": 0.05, "near_tie": 1.0, "extreme": 60.0}[kind]
    logits = (scale * rng.normal(size=(rows, classes))).astype(np.float32)
    if kind == "near_tie":
        # The runner-up one float32 ulp below the top, at a random index (before or after the top).
        index = np.arange(rows)
        top = logits.argmax(axis=1)
        other = (top + rng.integers(1, classes, size=rows)) % classes
        logits[index, other] = np.nextafter(logits[index, top], np.float32(-np.inf))
    queries = rng.random((rows, FEATURES), dtype=np.float32)
    return logits, queries, seed


def _linear(classes: int, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Linear(FEATURES, classes).eval()


def _check_simplex(served: np.ndarray) -> None:
    assert served.dtype == np.float32
    assert np.isfinite(served).all()
    assert (served >= 0).all()
    np.testing.assert_allclose(served.sum(axis=1), 1.0, atol=1e-5)


def _in_chunks(defence, logits, queries, chunk):
    return np.concatenate(
        [defence(logits[i : i + chunk], x=queries[i : i + chunk]) for i in range(0, len(logits), chunk)]
    )


def _distance(a: np.ndarray, b: np.ndarray, norm: str) -> np.ndarray:
    return np.abs(a - b).sum(axis=1) if norm == "l1" else np.sqrt(((a - b) ** 2).sum(axis=1))


@pytest.mark.parametrize("oracle", ["extreme", "argmax"])
@pytest.mark.parametrize("norm", ["l1", "l2"])
@PROPERTY_SETTINGS
@given(batch=logit_batches(), epsilon=st.sampled_from([0.0, 0.05, 0.5, 1.0, 1.5, 2.0, 3.0]))
def test_prediction_poisoning_properties(oracle, norm, batch, epsilon):
    logits, queries, seed = batch
    rows, classes = logits.shape
    pp = PredictionPoisoning(_linear(classes, seed), epsilon, norm=norm, oracle=oracle, preds_type="logits")
    served = pp(logits, x=queries)
    _check_simplex(served)
    truth = softmax(logits.astype(np.float64))
    # Within the budget (float32 rounding of the answer aside).
    assert (_distance(served, truth, norm) <= epsilon + 1e-5).all()
    if oracle == "argmax":
        assert (served.argmax(axis=1) == logits.argmax(axis=1)).all()
    # The undefended answer is never served where the rule says move: the step covers at least about half of
    # min(epsilon, distance to the oracle's target) (MAD-argmax retreats at most half way to keep the top-1).
    target = pp.target_posteriors(truth, queries)
    wanted = np.minimum(epsilon, _distance(target, truth, norm))
    covered = _distance(served.astype(np.float64), truth, norm)
    assert (covered >= (0.45 if oracle == "argmax" else 0.99) * wanted - 1e-5).all()
    # The answer of a row does not depend on the rest of the batch.
    chunk = 1 + seed % 37
    np.testing.assert_allclose(_in_chunks(pp, logits, queries, chunk), served, atol=2e-6)


@PROPERTY_SETTINGS
@given(
    batch=logit_batches(),
    beta=st.sampled_from([0.1, 1.0, 5.0]),
    gamma=st.sampled_from([0.05, 0.1, 0.5, 2.0]),
)
def test_deceptive_perturbation_properties(batch, beta, gamma):
    logits, queries, seed = batch
    dcp = DeceptivePerturbation(beta=beta, gamma=gamma, preds_type="logits")
    served = dcp(logits)
    _check_simplex(served)
    assert (served.argmax(axis=1) == logits.argmax(axis=1)).all()
    chunk = 1 + seed % 37
    chunks = np.concatenate([dcp(logits[i : i + chunk]) for i in range(0, len(logits), chunk)])
    np.testing.assert_array_equal(chunks, served)


@PROPERTY_SETTINGS
@given(
    batch=logit_batches(),
    threshold=st.floats(0.0, 1.0),
    nu=st.sampled_from([1.0, 30.0, 1000.0, 1e5]),
)
def test_adaptive_misinformation_equals_its_formula_in_float64(batch, threshold, nu):
    logits, queries, seed = batch
    classes = logits.shape[1]
    f_hat = _linear(classes, seed + 1)
    am = AdaptiveMisinformation(f_hat, threshold=threshold, nu=nu, preds_type="logits")
    served = am(logits, x=queries)
    _check_simplex(served)
    # The paper's Eqs. 8-11, written out in float64 with f_hat evaluated in float64 by torch directly.
    truth = softmax(logits.astype(np.float64))
    with torch.no_grad():
        misinformation = torch.softmax(f_hat.double()(torch.as_tensor(queries, dtype=torch.float64)), 1).numpy()
    f_hat.float()
    weight = 1.0 / (1.0 + np.exp(np.clip(nu * (truth.max(axis=1) - threshold), -700, 700)))
    np.testing.assert_allclose(weight, expit(-nu * (truth.max(axis=1) - threshold)), rtol=1e-12, atol=1e-300)
    expected = (1.0 - weight[:, None]) * truth + weight[:, None] * misinformation
    np.testing.assert_allclose(served, expected, atol=2e-6)
    chunk = 1 + seed % 37
    np.testing.assert_allclose(_in_chunks(am, logits, queries, chunk), served, atol=2e-6)


@PROPERTY_SETTINGS
@given(logit_batches(max_rows=50), st.integers(0, 3))
def test_top1_one_hot_equals_torch_one_hot_of_the_first_argmax(batch, extra_columns):
    logits, _, _ = batch
    width = logits.shape[1] + extra_columns
    expected = nn.functional.one_hot(torch.from_numpy(logits).argmax(dim=1), num_classes=width).numpy()
    labels = top1_one_hot(logits, width if extra_columns else None)
    assert labels.dtype == np.float32 and np.array_equal(labels, expected)
