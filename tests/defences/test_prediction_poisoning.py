import numpy as np
import pytest
import torch
from torch import nn

from art_am.defences import PredictionPoisoning
from art_am.defences.mad_oracles import DenseGram, LastLayerGram, argmax_oracle, extreme_oracle
from art_am.defences.prediction_poisoning_pytorch import all_parameter_gram, budget_step
from art_am.models import LeNet5
from tests.helpers import classifier, tiny_cnn


def _probabilities(rng, n, k, concentration=0.3):
    return rng.dirichlet(np.full(k, concentration), n)


def _objective(G, y_star, y):
    """The MAD objective computed literally from an explicit gradient matrix G (P x K)."""
    a, b = G @ y_star, G @ y
    return np.sum((a / np.linalg.norm(a) - b / np.linalg.norm(b)) ** 2)


def test_last_layer_gram_equals_per_sample_autograd():
    torch.manual_seed(0)
    model = LeNet5().double().eval()
    x = torch.rand(4, 1, 28, 28, dtype=torch.float64)
    p = torch.softmax(model(x), 1).detach().numpy()
    closed = LastLayerGram(p)
    for i in range(4):
        rows = []
        for k in range(10):
            model.zero_grad()
            (-torch.log_softmax(model(x[i : i + 1]), 1)[0, k]).backward()
            rows.append(model.classifier.weight.grad.flatten().clone().numpy())
        J = np.stack(rows)
        h2 = float((model.features(x[i : i + 1]).detach() ** 2).sum())
        gram = J @ J.T
        s = np.eye(10)[None]
        np.testing.assert_allclose(gram, h2 * closed.matvec(np.repeat(s, 4, 0))[i], rtol=1e-8, atol=1e-12)


def test_all_parameter_gram_equals_per_sample_autograd():
    model = tiny_cnn(seed=2).double()
    x = np.random.default_rng(0).random((3, 1, 28, 28))
    grams = all_parameter_gram(model, x, chunk_size=2)
    for i in range(3):
        rows = []
        for k in range(10):
            model.zero_grad()
            (-torch.log_softmax(model(torch.as_tensor(x[i : i + 1])), 1)[0, k]).backward()
            rows.append(torch.cat([p.grad.flatten() for p in model.parameters()]).numpy())
        J = np.stack(rows)
        np.testing.assert_allclose(grams[i], J @ J.T, rtol=1e-8, atol=1e-12)


def test_oracles_are_the_best_candidates_by_brute_force(rng):
    k, p_dim = 6, 40
    for _ in range(20):
        G = rng.normal(size=(p_dim, k))
        y = _probabilities(rng, 1, k)
        gram = DenseGram((G.T @ G)[None])
        extreme = extreme_oracle(gram, y)[0]
        best_vertex = max(range(k), key=lambda j: _objective(G, np.eye(k)[j], y[0]))
        assert extreme.argmax() == best_vertex
        target = argmax_oracle(gram, y)[0]
        top = y[0].argmax()
        subsets = [np.array([(m >> j) & 1 for j in range(k)], float) for m in range(1, 2**k)]
        subsets = [s / s.sum() for s in subsets if s[top]]
        best = max(_objective(G, s, y[0]) for s in subsets)
        assert _objective(G, target, y[0]) == pytest.approx(best, rel=1e-9)


def test_greedy_argmax_oracle_matches_enumeration_quality(rng):
    y = _probabilities(rng, 200, 8)
    gram = LastLayerGram(_probabilities(rng, 200, 8, 1.0))
    exact = argmax_oracle(gram, y, enumeration_limit=10)
    greedy = argmax_oracle(gram, y, enumeration_limit=2)
    assert ((greedy > 0)[np.arange(200), y.argmax(1)]).all()
    # the greedy search may stop in a local optimum, but must find the optimum most of the time
    assert (np.abs(exact - greedy).sum(1) < 1e-9).mean() > 0.8


@pytest.mark.parametrize("k", [2, 10, 100])
@pytest.mark.parametrize("norm", ["l1", "l2"])
@pytest.mark.parametrize("oracle", ["extreme", "argmax"])
def test_invariants_on_random_posteriors(rng, k, norm, oracle):
    n = 300
    y = _probabilities(rng, n, k)
    y[:20] = np.eye(k)[rng.integers(0, k, 20)]  # one-hot rows
    y[20:40] = 1.0 / k  # complete ties
    x = rng.random((n, 3))
    surrogate = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, k))
    for epsilon in (0.0, 0.1, 0.5, 3.0):
        pp = PredictionPoisoning(surrogate, epsilon=epsilon, norm=norm, oracle=oracle, preds_type="probabilities")
        out = pp(y.astype(np.float32), x=x).astype(np.float64)
        assert (out >= 0).all() and np.isfinite(out).all()
        np.testing.assert_allclose(out.sum(1), 1.0, atol=1e-5)
        delta = out - y
        size = np.abs(delta).sum(1) if norm == "l1" else np.sqrt((delta**2).sum(1))
        assert (size <= epsilon + 1e-5).all()
        if oracle == "argmax":
            assert (out.argmax(1) == y.astype(np.float32).argmax(1)).all()


def test_budget_step_reaches_target_within_budget():
    y = np.array([[0.7, 0.2, 0.1]])
    target = np.array([[0.0, 0.0, 1.0]])
    np.testing.assert_allclose(
        budget_step(y, target, 0.4, "l1"), [[0.7 - 0.7 / 4.5, 0.2 - 0.2 / 4.5, 0.3]]
    )  # a = 0.4 / 1.8
    np.testing.assert_allclose(budget_step(y, target, 5.0, "l2"), target)


def test_plain_call_and_default_surrogate(x_random):
    victim = tiny_cnn(seed=0)
    pp = PredictionPoisoning(epsilon=0.5, oracle="argmax")
    estimator = classifier(victim, [pp])
    served = estimator.predict(x_random, batch_size=7)
    surrogate = pp.surrogate(estimator)
    assert isinstance(surrogate, nn.Module) and surrogate is not victim
    assert pp.surrogate_model is None  # the constructor argument stays as given
    assert pp.surrogate(estimator) is surrogate  # built once
    logits = classifier(victim).predict(x_random, batch_size=7)  # the same float32 logits as the plain call
    direct = PredictionPoisoning(surrogate, epsilon=0.5, oracle="argmax")(logits, x=x_random)
    np.testing.assert_allclose(served, direct, atol=1e-6)
    with torch.no_grad():
        truth = torch.softmax(victim(torch.as_tensor(x_random)), 1).numpy()
    assert (served.argmax(1) == truth.argmax(1)).all()
    assert np.abs(served - truth).sum(1).max() <= 0.5 + 1e-5


def test_default_surrogate_needs_an_estimator(x_random):
    with pytest.raises(ValueError, match="surrogate_model"):
        PredictionPoisoning(epsilon=0.1)(np.full((len(x_random), 10), 0.1), x=x_random)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"epsilon": -0.1}, "epsilon"),
        ({"epsilon": float("nan")}, "epsilon"),
        ({"norm": "linf"}, "norm"),
        ({"oracle": "random"}, "oracle"),
        ({"jacobian": "first_layer"}, "jacobian"),
        ({"jacobian_chunk_size": 0}, "jacobian_chunk_size"),
        ({"surrogate_model": "lenet"}, "surrogate_model"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PredictionPoisoning(**kwargs)


def test_bad_predictions(x_random):
    pp = PredictionPoisoning(tiny_cnn(num_classes=5), epsilon=0.1)
    with pytest.raises(ValueError, match="5 classes|classes"):
        pp(np.full((len(x_random), 10), 0.1), x=x_random)
    with pytest.raises(ValueError, match="inf"):
        pp(np.full((len(x_random), 5), np.inf), x=x_random)


def test_default_surrogate_follows_the_victim_not_its_address(x_random):
    """Victims of two architectures are created and freed in turn, so CPython reuses their addresses: each must get a
    surrogate of its own architecture (reference: the victim's parameter shapes), and a freed victim's surrogate must
    not be kept."""
    import gc  # pylint: disable=import-outside-toplevel

    pp = PredictionPoisoning(epsilon=0.5)
    for round_ in range(12):
        torch.manual_seed(round_)
        model = (
            LeNet5() if round_ % 2 else nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
        )
        victim = classifier(model, defences=[pp])
        surrogate = pp.surrogate(victim)
        assert [p.shape for p in surrogate.parameters()] == [p.shape for p in model.parameters()]
        assert victim.predict(x_random[:4]).shape == (4, 10)
        del victim, model, surrogate
        gc.collect()
    assert len(pp._default_surrogates) == 0  # pylint: disable=protected-access
    copied = __import__("pickle").loads(__import__("pickle").dumps(pp))  # picklable, surrogates rebuilt on demand
    assert len(copied._default_surrogates) == 0  # pylint: disable=protected-access
