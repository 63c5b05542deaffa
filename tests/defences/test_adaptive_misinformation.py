import copy
import threading
import warnings

import numpy as np
import pytest
import torch
from art.attacks.extraction import KnockoffNets
from art.estimators.classification import PyTorchClassifier
from torch import nn

from art_am.defences import (
    AdaptiveMisinformation,
    fit_confidence_matching,
    misinformation_weight,
    threshold_for_accuracy_budget,
    threshold_for_false_positive_rate,
)
from tests.helpers import classifier, tiny_cnn


def softmax64(z):
    z = np.asarray(z, np.float64)
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def reference(victim, misinformation, x, threshold, nu):
    """The paper's Eqs. 8-11 computed directly, in float64, for every row."""
    with torch.no_grad():
        f = softmax64(victim(torch.as_tensor(x)).numpy())
        f_hat = softmax64(misinformation(torch.as_tensor(x)).numpy())
    z = nu * (f.max(1) - threshold)
    alpha = np.exp(-np.logaddexp(0.0, z))  # 1 / (1 + exp(z)), without overflow
    return (1 - alpha)[:, None] * f + alpha[:, None] * f_hat, f, f_hat, alpha


@pytest.fixture
def models():
    victim, misinformation = tiny_cnn(seed=0).eval(), tiny_cnn(seed=1).eval()
    with torch.no_grad():  # spread the random victim's confidences over (0.1, 1)
        victim[-1].weight.mul_(40.0)
        victim[-1].bias.mul_(40.0)
    return victim, misinformation


def _threshold_mid(victim, x):
    with torch.no_grad():
        msp = softmax64(victim(torch.as_tensor(x)).numpy()).max(1)
    return float(np.median(msp))


@pytest.mark.parametrize("batch_size", [1, 7, 128])
def test_plain_call_equals_formula(models, x_random, batch_size):
    victim, misinformation = models
    tau = _threshold_mid(victim, x_random)
    am = AdaptiveMisinformation(misinformation, threshold=tau, nu=50.0)
    served = classifier(victim, [am]).predict(x_random, batch_size=batch_size)
    expected, *_ = reference(victim, misinformation, x_random, tau, 50.0)
    np.testing.assert_allclose(served, expected, atol=2e-6)


def test_high_msp_answers_are_f_low_msp_are_f_hat(models, x_random):
    victim, misinformation = models
    tau = _threshold_mid(victim, x_random)
    served = AdaptiveMisinformation(misinformation, threshold=tau)(
        victim(torch.as_tensor(x_random)).detach().numpy(), x=x_random
    )
    _, f, f_hat, _ = reference(victim, misinformation, x_random, tau, 1000.0)
    confident, unsure = f.max(1) > tau + 0.05, f.max(1) < tau - 0.05
    assert confident.sum() > 10 and unsure.sum() > 10
    np.testing.assert_allclose(served[confident], f[confident], atol=1e-6)
    np.testing.assert_allclose(served[unsure], f_hat[unsure], atol=1e-6)


def test_weight_formula_is_stable_for_large_nu():
    score = np.array([0.0, 0.5, 0.9, 1.0])
    weight = misinformation_weight(score, 0.5, 1e6)
    assert np.isfinite(weight).all()
    np.testing.assert_allclose(weight, [1.0, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(misinformation_weight(score, 0.5, 2.0), 1 / (1 + np.exp(2.0 * (score - 0.5))))


def test_monotone_in_threshold_and_on_simplex(models, x_random):
    victim, misinformation = models
    preds = victim(torch.as_tensor(x_random)).detach().numpy()
    rates = []
    for tau in np.linspace(0.0, 1.0, 11):
        am = AdaptiveMisinformation(misinformation, threshold=float(tau))
        out = am(preds, x=x_random)
        assert (out >= 0).all()
        np.testing.assert_allclose(out.sum(1), 1.0, atol=1e-5)
        rates.append(am.statistics["mean_weight"])
    assert all(a <= b + 1e-12 for a, b in zip(rates, rates[1:]))
    assert rates[0] < 0.01 and rates[-1] > 0.99


def test_logits_and_probabilities_give_the_same_answer(models, x_random):
    victim, misinformation = models
    logits = victim(torch.as_tensor(x_random)).detach().numpy()
    probabilities = softmax64(logits).astype(np.float32)
    tau = _threshold_mid(victim, x_random)
    from_logits = AdaptiveMisinformation(misinformation, tau, preds_type="logits")(logits, x=x_random)
    from_auto = AdaptiveMisinformation(misinformation, tau)(logits, x=x_random)
    from_probs = AdaptiveMisinformation(misinformation, tau, preds_type="probabilities")(probabilities, x=x_random)
    np.testing.assert_allclose(from_logits, from_probs, atol=1e-5)
    np.testing.assert_allclose(from_auto, from_logits, atol=1e-7)
    with pytest.raises(ValueError, match="preds_type='logits'"):
        AdaptiveMisinformation(misinformation, tau, preds_type="probabilities")(logits, x=x_random)


def test_softmax_ending_victim_is_not_softmaxed_twice(models, x_random):
    victim, misinformation = models
    softmax_victim = nn.Sequential(victim, nn.Softmax(dim=1))
    tau = _threshold_mid(victim, x_random)
    am = AdaptiveMisinformation(misinformation, threshold=tau, nu=50.0)
    served = classifier(softmax_victim, [am]).predict(x_random)
    np.testing.assert_allclose(served, reference(victim, misinformation, x_random, tau, 50.0)[0], atol=2e-6)


def test_pytorch_classifier_as_misinformation_model(models, x_random):
    victim, misinformation = models
    tau = _threshold_mid(victim, x_random)
    am = AdaptiveMisinformation(classifier(misinformation), threshold=tau, nu=50.0)
    served = classifier(victim, [am]).predict(x_random)
    np.testing.assert_allclose(served, reference(victim, misinformation, x_random, tau, 50.0)[0], atol=2e-6)


def test_concurrent_predicts_see_their_own_queries(models, rng):
    victim, misinformation = models
    queries = [rng.random((40 + 13 * i, 1, 28, 28), dtype=np.float32) for i in range(4)]
    tau = _threshold_mid(victim, np.concatenate(queries))
    am = AdaptiveMisinformation(misinformation, threshold=tau, nu=50.0)
    estimator = classifier(victim, [am])
    errors = []

    def work(x):
        for _ in range(10):
            served = estimator.predict(x, batch_size=16)
            if not np.allclose(served, reference(victim, misinformation, x, tau, 50.0)[0], atol=2e-6):
                errors.append(len(x))

    threads = [threading.Thread(target=work, args=(x,)) for x in queries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert am.statistics["nb_queries"] == 10 * sum(len(x) for x in queries)


def test_deep_copied_estimator_still_defends(models, x_random):
    victim, misinformation = models
    tau = _threshold_mid(victim, x_random)
    estimator = copy.deepcopy(classifier(victim, [AdaptiveMisinformation(misinformation, tau, nu=50.0)]))
    served = estimator.predict(x_random)
    np.testing.assert_allclose(served, reference(victim, misinformation, x_random, tau, 50.0)[0], atol=2e-6)


def test_knockoff_clone_trains_on_served_probabilities(models, x_random):
    victim, misinformation = models
    tau = _threshold_mid(victim, x_random)
    am = AdaptiveMisinformation(misinformation, threshold=tau, nu=50.0)
    expected, *_ = reference(victim, misinformation, x_random, tau, 50.0)
    thief = classifier(tiny_cnn(seed=3))
    seen = {}
    original_fit = thief.fit

    def spy_fit(x, y, **kwargs):
        seen["y"] = np.array(y)
        return original_fit(x, y, **kwargs)

    thief.fit = spy_fit
    attack = KnockoffNets(
        classifier(victim, [am]),
        batch_size_fit=32,
        batch_size_query=32,
        nb_epochs=1,
        nb_stolen=len(x_random),
        use_probability=True,
        verbose=False,
    )
    attack.extract(x_random, thieved_classifier=thief)
    labels = seen["y"]
    order = np.lexsort(labels.T)  # KnockoffNets samples without replacement, in random order
    np.testing.assert_allclose(labels[order], expected[np.lexsort(expected.T)], atol=2e-6)
    assert ((labels > 0) & (labels < 1)).any(axis=1).all()  # soft, not one-hot
    # ART keeps fractional targets as soft labels with CrossEntropyLoss.
    assert thief.reduce_labels(labels).shape == labels.shape


def test_direct_call_without_x_outside_predict_is_an_error(models, x_random):
    victim, misinformation = models
    am = AdaptiveMisinformation(misinformation, threshold=0.5)
    preds = victim(torch.as_tensor(x_random)).detach().numpy()
    with pytest.raises(ValueError, match="x=x"):
        am(preds)
    with pytest.raises(ValueError, match="rows"):
        am(preds, x=x_random[:5])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": float("nan")}, "threshold"),
        ({"threshold": 0.5, "nu": 0.0}, "nu"),
        ({"threshold": 0.5, "nu": float("inf")}, "nu"),
        ({"threshold": 0.5, "preds_type": "scores"}, "preds_type"),
        ({"threshold": 0.5, "batch_size": 0}, "batch_size"),
        ({"threshold": 0.5, "misinformation_temperature": 0.0}, "misinformation_temperature"),
        ({"threshold": 0.5, "negligible_weight": 0.5}, "negligible_weight"),
    ],
)
def test_bad_parameters(models, kwargs, match):
    with pytest.raises(ValueError, match=match):
        AdaptiveMisinformation(models[1], **kwargs)


def test_bad_model_and_set_params(models):
    with pytest.raises(ValueError, match="misinformation_model"):
        AdaptiveMisinformation(lambda x: x, threshold=0.5)
    am = AdaptiveMisinformation(models[1], threshold=0.5)
    am.set_params(threshold=0.7)
    assert am.threshold == 0.7
    with pytest.raises(ValueError, match="threshold"):
        am.set_params(threshold=2.0)


def test_bad_predictions(models, x_random):
    am = AdaptiveMisinformation(models[1], threshold=0.5)
    good = np.full((len(x_random), 10), 0.1, np.float32)
    bad = good.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        am(bad, x=x_random)
    with pytest.raises(ValueError, match="nb_classes"):
        am(good[:, 0], x=x_random)
    with pytest.raises(ValueError, match="classes"):
        AdaptiveMisinformation(tiny_cnn(num_classes=5), threshold=1.0)(good, x=x_random)


def test_threshold_for_false_positive_rate(rng):
    scores = rng.random(10000)
    tau = threshold_for_false_positive_rate(scores[:5000], 0.05)
    held_out_rate = (scores[5000:] < tau).mean()
    assert abs(held_out_rate - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 5000)
    assert (scores[:5000] < tau).mean() <= 0.05
    with pytest.raises(ValueError, match="max_false_positive_rate"):
        threshold_for_false_positive_rate(scores, 1.0)


@pytest.mark.parametrize("budget", [0.005, 0.02, 0.08])
def test_threshold_for_accuracy_budget_is_the_largest_tau_within_the_budget(rng, budget):
    labels = rng.integers(0, 10, 600)
    victim = rng.dirichlet(np.full(10, 0.3), 600)
    victim[np.arange(600), labels] += 1.0
    victim /= victim.sum(1, keepdims=True)
    misinformation = rng.dirichlet(np.ones(10), 600)
    misinformation[np.arange(600), labels] = 0.0
    misinformation /= misinformation.sum(1, keepdims=True)
    base = (victim.argmax(1) == labels).mean()
    tau, achieved = threshold_for_accuracy_budget(victim, misinformation, labels, budget)

    def accuracy_at(threshold):  # reference: the switch written out, without the library's formula
        weight = 1.0 / (1.0 + np.exp(np.clip(1000.0 * (victim.max(1) - threshold), -700, 700)))
        served = (1 - weight[:, None]) * victim + weight[:, None] * misinformation
        return (served.argmax(1) == labels).mean()

    # every candidate tried one by one (0 misinforms nothing; each score changes the answer): the largest within budget
    candidates = np.unique(np.concatenate([[0.0], victim.max(1)]))
    within = [t for t in candidates if accuracy_at(t) >= base - budget]
    assert tau == pytest.approx(max(within))
    assert achieved == pytest.approx(accuracy_at(tau)) and base - budget <= achieved <= base
    above = candidates[candidates > tau]
    assert above.size == 0 or accuracy_at(above[0]) < base - budget  # the next candidate breaks the budget


def test_confidence_matching_hides_misinformation(rng):
    confident = rng.dirichlet(np.full(10, 0.05), 3000)
    flat = rng.dirichlet(np.full(10, 2.0), 3000)
    match = fit_confidence_matching(confident, flat)
    assert match.auroc_before > 0.9
    assert abs(match.auroc_after - 0.5) < 0.1
    assert match.misinformation_temperature < 1.0 or match.victim_temperature > 1.0


def test_skipping_negligible_rows_stays_within_its_bound(models, x_random):
    victim, misinformation = models
    tau = _threshold_mid(victim, x_random)
    preds = victim(torch.as_tensor(x_random)).detach().numpy()
    exact = AdaptiveMisinformation(misinformation, tau, nu=1000.0, negligible_weight=0.0)(preds, x=x_random)
    calls = []
    counting = nn.Sequential(misinformation)
    counting.register_forward_hook(lambda module, args, out: calls.append(len(args[0])))
    fast = AdaptiveMisinformation(counting, tau, nu=1000.0, negligible_weight=1e-12)(preds, x=x_random)
    assert sum(calls) < len(x_random)  # f_hat ran on fewer rows
    np.testing.assert_allclose(fast, exact, rtol=0, atol=1e-7)


def test_preprocessing_the_defence_does_not_see_is_warned_about_once(models, x_random):
    victim_model, misinformation = models
    plain = PyTorchClassifier(
        model=victim_model,
        loss=nn.CrossEntropyLoss(),
        input_shape=(1, 28, 28),
        nb_classes=10,
        postprocessing_defences=[AdaptiveMisinformation(misinformation, threshold=0.5)],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ART's default identity standardisation: no warning
        plain.predict(x_random[:4])
    standardised = PyTorchClassifier(
        model=victim_model,
        loss=nn.CrossEntropyLoss(),
        input_shape=(1, 28, 28),
        nb_classes=10,
        preprocessing=(0.5, 0.25),
        postprocessing_defences=[AdaptiveMisinformation(misinformation, threshold=0.5)],
    )
    with pytest.warns(UserWarning, match="preprocesses its input") as caught:
        standardised.predict(x_random[:4])
        standardised.predict(x_random[:4])
    assert sum("preprocesses its input" in str(w.message) for w in caught) == 1
