"""
Regression tests for the silent wrong answers a fuzz run of the public API found: each fails on the code before the fix.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from art_am.defences import AdaptiveMisinformation, DeceptivePerturbation, PredictionPoisoning
from art_am.defences.probabilities import softmax
from tests.helpers import classifier, tiny_cnn


def _one_ulp_ties(rows: int, classes: int, seed: int) -> np.ndarray:
    """Small logits whose runner-up sits one float32 ulp below the top, half of the time at a lower index."""
    rng = np.random.default_rng(seed)
    logits = (0.1 * rng.normal(size=(rows, classes))).astype(np.float32)
    index, top = np.arange(rows), logits.argmax(axis=1)
    other = (top + rng.integers(1, classes, size=rows)) % classes
    logits[index, other] = np.nextafter(logits[index, top], np.float32(-np.inf))
    return logits


@pytest.mark.parametrize("epsilon,norm", [(2.0, "l1"), (1.0, "l2"), (1.5, "l1")])
def test_mad_argmax_never_serves_the_undefended_posterior(epsilon, norm):
    rng = np.random.default_rng(0)
    logits, x = 3 * rng.normal(size=(500, 10)), rng.random((500, 4), dtype=np.float32)
    torch.manual_seed(0)
    pp = PredictionPoisoning(nn.Linear(4, 10), epsilon, norm=norm, oracle="argmax", preds_type="logits")
    served = pp(logits, x=x)
    truth = softmax(logits)
    moved_target = np.abs(pp.target_posteriors(truth, x) - truth).sum(axis=1) > 1e-6
    undefended = np.abs(served - truth).max(axis=1) < 1e-6
    assert moved_target.sum() > 400
    assert not (undefended & moved_target).any()
    assert (served.argmax(axis=1) == logits.argmax(axis=1)).all()
    one_by_one = np.concatenate([pp(logits[i : i + 1], x=x[i : i + 1]) for i in range(0, 500, 25)])
    np.testing.assert_allclose(one_by_one, served[::25], atol=1e-6)


def test_top1_kept_when_the_top_two_logits_are_one_ulp_apart():
    logits = _one_ulp_ties(300, 10, seed=0)
    plain = softmax(logits.astype(np.float64)).astype(np.float32)
    assert (plain.argmax(axis=1) != logits.argmax(axis=1)).sum() > 50  # float32 probabilities alone lose it
    dcp = DeceptivePerturbation(preds_type="logits")(logits)
    torch.manual_seed(0)
    x = np.random.default_rng(1).random((300, 4), dtype=np.float32)
    mad = PredictionPoisoning(nn.Linear(4, 10), 1.0, oracle="argmax", preds_type="logits")(logits, x=x)
    for served in (dcp, mad):
        assert (served.argmax(axis=1) == logits.argmax(axis=1)).all()
        np.testing.assert_allclose(served.sum(axis=1), 1.0, atol=1e-5)
    # Only as far as a representable margin needs: DCP still perturbs (it is not the true posterior).
    assert np.abs(dcp - plain).sum(axis=1).mean() > 1e-3


class _SoftmaxEnding(nn.Module):
    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.body(x), dim=1)


def test_softmax_ending_misinformation_model_is_not_softmaxed_again(x_random):
    victim, f_hat = tiny_cnn(seed=0).eval(), tiny_cnn(seed=1).eval()
    with torch.no_grad():
        f_hat[-1].weight.mul_(30.0)  # confident: a second softmax would visibly flatten it
    logits = classifier(victim).predict(x_random)
    reference = AdaptiveMisinformation(f_hat, threshold=1.0)(logits, x=x_random)  # every row misinformed
    with pytest.warns(UserWarning, match="misinformation_model returns probabilities"):
        served = AdaptiveMisinformation(_SoftmaxEnding(f_hat), threshold=1.0)(logits, x=x_random)
    np.testing.assert_allclose(served, reference, atol=1e-6)
    assert served.max(axis=1).mean() > 0.5  # softmaxed twice, 10 classes could not exceed e / (e + 9) = 0.23


def test_default_surrogate_of_a_softmax_ending_victim(x_random):
    victim = tiny_cnn(seed=0).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        pp = PredictionPoisoning(epsilon=0.5, surrogate_seed=3)
        served = classifier(_SoftmaxEnding(victim), [pp]).predict(x_random)
    # The same surrogate without its softmax, given explicitly, must give the same answers.
    surrogate_logits = pp.surrogate(classifier(_SoftmaxEnding(victim), [pp])).body
    probabilities = classifier(_SoftmaxEnding(victim)).predict(x_random)
    expected = PredictionPoisoning(surrogate_logits, epsilon=0.5)(probabilities, x=x_random)
    np.testing.assert_allclose(served, expected, atol=1e-6)


def _train_mode_f_hat() -> nn.Module:
    torch.manual_seed(5)
    return nn.Sequential(
        nn.Conv2d(1, 4, 5), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.5), nn.Flatten(), nn.Linear(4 * 24 * 24, 10)
    ).train()


def test_concurrent_predicts_through_a_train_mode_f_hat_match_a_single_thread():
    f_hat = _train_mode_f_hat()
    with torch.no_grad():  # non-trivial running statistics, so train-mode batch statistics would differ
        f_hat[1].running_mean.uniform_(-0.5, 0.5)
        f_hat[1].running_var.uniform_(0.5, 2.0)
    before = {key: value.clone() for key, value in f_hat.state_dict().items()}
    victim = tiny_cnn(seed=0).eval()
    am = AdaptiveMisinformation(f_hat, threshold=1.0)  # every row misinformed: every answer is f_hat's
    estimator = classifier(victim, [am])
    rng = np.random.default_rng(0)
    queries = [rng.random((50, 1, 28, 28), dtype=np.float32) for _ in range(8)]
    eval_copy = _train_mode_f_hat()
    eval_copy.load_state_dict(before)
    eval_copy.eval()
    with torch.no_grad():
        references = [torch.softmax(eval_copy(torch.as_tensor(q)), 1).numpy() for q in queries]
    mismatches, errors = [], []

    def work(index: int) -> None:
        try:
            for _ in range(10):
                served = estimator.predict(queries[index], batch_size=16)
                if not np.allclose(served, references[index], atol=1e-5):
                    mismatches.append(index)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and not mismatches
    assert f_hat.training and all(module.training for module in f_hat.modules())  # left exactly as it was
    for key, value in f_hat.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_pp_with_the_victim_as_surrogate_is_deterministic_per_row(x_random):
    victim = tiny_cnn(seed=0).eval()
    with torch.no_grad():
        victim[-1].weight.mul_(10.0)
    logits = classifier(victim).predict(x_random)
    for oracle in ("extreme", "argmax"):
        pp = PredictionPoisoning(victim, 0.8, oracle=oracle, preds_type="logits")
        served = pp(logits, x=x_random)
        rows = np.concatenate([pp(logits[i : i + 1], x=x_random[i : i + 1]) for i in range(len(logits))])
        np.testing.assert_allclose(rows, served, atol=1e-6)
        if oracle == "extreme":
            # No gradient at y to deviate from: the target is the vertex of largest gradient, the least likely class.
            target = pp.target_posteriors(softmax(logits.astype(np.float64)), x_random)
            np.testing.assert_array_equal(target.argmax(axis=1), logits.argmin(axis=1))
