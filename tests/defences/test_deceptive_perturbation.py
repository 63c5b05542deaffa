import numpy as np
import pytest
import torch
from art.defences.postprocessor import ReverseSigmoid

from art_am.defences import DeceptivePerturbation
from art_am.defences.top1 import keep_top1
from tests.helpers import classifier, tiny_cnn


@pytest.mark.parametrize("k", [2, 5, 10, 100])
@pytest.mark.parametrize("beta,gamma", [(0.5, 0.1), (1.0, 0.2), (1.0, 1.0), (3.0, 0.4)])
def test_top1_kept_on_simplex_and_finite(rng, k, beta, gamma):
    y = rng.dirichlet(np.full(k, 0.5), 5000)
    y[:50] = np.eye(k)[rng.integers(0, k, 50)]
    y[50:100] = 1.0 / k
    y[100:150, :2] = 0.5
    y[100:150, 2:] = 0.0
    y = y.astype(np.float32)
    out = DeceptivePerturbation(beta=beta, gamma=gamma, preds_type="probabilities")(y)
    assert np.isfinite(out).all() and (out >= 0).all()
    np.testing.assert_allclose(out.sum(1), 1.0, atol=1e-5)
    assert (out.argmax(1) == y.argmax(1)).all()


def test_rows_art_keeps_are_arts_answer(rng):
    y = rng.dirichlet(np.full(5, 0.3), 2000)
    art_answer = ReverseSigmoid(beta=1.0, gamma=0.2)(y)
    ours = DeceptivePerturbation(beta=1.0, gamma=0.2, preds_type="probabilities")(y)
    kept = art_answer.argmax(1) == y.argmax(1)
    assert (~kept).any()  # ART flips some rows: the guarantee has work to do
    np.testing.assert_allclose(ours[kept], art_answer[kept], atol=1e-6)


def test_keep_top1_is_the_smallest_retreat():
    y = np.array([[0.35, 0.25, 0.2, 0.2, 0.0]])
    perturbed = np.array([[0.244, 0.185, 0.156, 0.156, 0.259]])
    corrected, retreat = keep_top1(y, perturbed)
    assert corrected.argmax() == 0 and 0 < retreat[0] < 1
    smaller = (1 - 0.99 * retreat[0]) * perturbed + 0.99 * retreat[0] * y
    assert smaller.argmax() != 0


def test_plain_call_with_logits(x_random):
    victim = tiny_cnn()
    served = classifier(victim, [DeceptivePerturbation(beta=1.0, gamma=0.5)]).predict(x_random)
    with torch.no_grad():
        truth = torch.softmax(victim(torch.as_tensor(x_random)), 1).numpy()
    assert (served.argmax(1) == truth.argmax(1)).all()
    assert not np.allclose(served, truth, atol=1e-3)


@pytest.mark.parametrize(
    "kwargs,match", [({"beta": 0}, "beta"), ({"gamma": -1}, "gamma"), ({"preds_type": "x"}, "preds_type")]
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DeceptivePerturbation(**kwargs)


def test_bad_predictions():
    with pytest.raises(ValueError, match="not on the simplex"):
        DeceptivePerturbation(preds_type="probabilities")(np.array([[2.0, -1.0]]))
    with pytest.raises(ValueError, match="NaN"):
        DeceptivePerturbation()(np.array([[np.nan, 1.0]]))


def test_retreat_fraction_is_per_thread(rng):
    """Threads call one DCP at once, wait for each other, then read the statistic: each must read its own call's share
    of corrected rows (reference: keep_top1 on that thread's rows), not the last writer's."""
    import threading  # pylint: disable=import-outside-toplevel

    dcp = DeceptivePerturbation(beta=3.0, gamma=0.1, preds_type="probabilities")
    batches = [rng.dirichlet(np.full(5, 0.1 + 0.15 * i), size=40 + 7 * i) for i in range(6)]
    expected = []
    for batch in batches:
        _, retreat = keep_top1(batch, ReverseSigmoid(beta=3.0, gamma=0.1)(batch))
        expected.append(float((retreat > 0).mean()))
    assert len(set(expected)) > 1  # otherwise a shared attribute would pass too
    barrier = threading.Barrier(len(batches))
    seen = [None] * len(batches)

    def serve(i):
        dcp(batches[i])
        barrier.wait()
        seen[i] = dcp.last_retreat_fraction

    threads = [threading.Thread(target=serve, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == pytest.approx(expected)
    copied = __import__("copy").deepcopy(dcp)  # copies get their own storage
    assert copied.last_retreat_fraction == 0.0
