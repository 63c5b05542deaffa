import numpy as np
import pytest
import torch
from torch import nn

from art_am.attacks import JacobianDatasetAugmentation
from art_am.inference import accuracy
from art_am.training import TrainingConfig, train_defender
from tests.helpers import classifier, tiny_cnn


@pytest.fixture(scope="module")
def victim_model(embedded):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    train_defender(
        model, embedded.x_train[:3000], embedded.y_train[:3000], config=TrainingConfig(epochs=3, progress=False)
    )
    assert accuracy(model, embedded.x_test, embedded.y_test) > 0.85
    return nn.Sequential(model, nn.Softmax(dim=1)).eval()


def _thief(loss=None, seed=1):
    model = tiny_cnn(seed=seed)
    estimator = classifier(model)
    estimator._optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    if loss is not None:
        estimator._loss = loss
    return estimator


def _thief_recording_labels():
    """A thief whose fit records the labels it is given."""
    thief, seen = _thief(), []
    original = thief.fit

    def spy(x, y, **kwargs):
        seen.append(np.array(y))
        return original(x, y, **kwargs)

    thief.fit = spy
    return thief, seen


class _Recorder:
    """Wraps the victim to record every query and what it answered."""

    def __init__(self, victim):
        self.victim = victim
        self.queries, self.answers = [], []
        self.clip_values = victim.clip_values
        self.nb_classes = victim.nb_classes

    def predict(self, x, batch_size=128, **kwargs):
        out = self.victim.predict(x, batch_size=batch_size)
        self.queries.append(np.array(x))
        self.answers.append(out)
        return out


@pytest.mark.slow
def test_thief_agrees_with_victim_well_above_chance(victim_model, embedded):
    victim = classifier(victim_model)
    attack = JacobianDatasetAugmentation(victim, nb_rounds=4, nb_epochs=5, step_size=0.1, seed=0, verbose=False)
    thief = attack.extract(embedded.x_test[:150], thieved_classifier=_thief())
    agreement = (
        thief.predict(embedded.x_test[150:]).argmax(1) == victim.predict(embedded.x_test[150:]).argmax(1)
    ).mean()
    assert agreement > 0.5
    assert attack.queries_used == 150 * 2**3
    assert [h["points"] for h in attack.history] == [150, 300, 600, 1200]


@pytest.mark.parametrize("variant,factor", [("jbda", 2), ("jbself", 2), ("t-rnd", 2), ("jbtop2", 3)])
def test_query_count_and_clip_values(victim_model, embedded, variant, factor):
    recorder = _Recorder(classifier(victim_model))
    attack = JacobianDatasetAugmentation(
        classifier(victim_model), nb_rounds=3, nb_epochs=1, step_size=0.3, variant=variant, seed=0, verbose=False
    )
    attack._estimator = recorder  # record what reaches the victim
    attack.extract(embedded.x_test[:20], thieved_classifier=_thief())
    queries = np.concatenate(recorder.queries)
    assert len(queries) == attack.queries_used == 20 * factor**2
    assert queries.min() >= 0.0 and queries.max() <= 1.0
    # each query is labelled once: no point is sent twice
    assert len(np.unique(queries.reshape(len(queries), -1), axis=0)) == len(queries)


def test_reservoir_and_budget_are_never_exceeded(victim_model, embedded):
    attack = JacobianDatasetAugmentation(
        classifier(victim_model), nb_rounds=6, nb_epochs=1, max_new_per_round=25, query_budget=90, seed=0, verbose=False
    )
    attack.extract(embedded.x_test[:30], thieved_classifier=_thief())
    assert attack.queries_used == 90  # 30 seeds + 25 + 25 + 10
    assert [h["queries"] for h in attack.history] == [30, 55, 80, 90]


@pytest.mark.parametrize(
    "period, round_index, sign", [(None, 1, 1), (None, 4, 1), (1, 0, 1), (1, 1, -1), (2, 1, 1), (2, 2, -1), (2, 4, 1)]
)
def test_sign_flip_period_flips_the_step_every_period(victim_model, embedded, period, round_index, sign):
    points = embedded.x_test[:10]
    thief = _thief(seed=4)
    labels = classifier(victim_model).predict(points)
    # reference: Papernot's step with the sign (-1)^(round // period), from the thief's gradient computed here
    gradients = thief.class_gradient(points, label=labels.argmax(1))[:, 0]
    expected = np.clip(points + sign * 0.1 * np.sign(gradients), 0.0, 1.0)
    attack = JacobianDatasetAugmentation(
        classifier(victim_model), nb_rounds=6, nb_epochs=1, sign_flip_period=period, seed=0, verbose=False
    )
    synthetic = attack._augment(thief, points, labels, round_index, np.random.default_rng(0))
    np.testing.assert_allclose(synthetic, expected, atol=1e-6)


def test_argmax_mode_sends_one_hot_labels(victim_model, embedded):
    thief, seen = _thief_recording_labels()
    JacobianDatasetAugmentation(
        classifier(victim_model), nb_rounds=2, nb_epochs=1, use_probability=False, verbose=False
    ).extract(embedded.x_test[:20], thieved_classifier=thief)
    for labels in seen:
        assert set(np.unique(labels)) <= {0.0, 1.0} and (labels.sum(1) == 1).all()


def test_probability_mode_trains_on_soft_labels(victim_model, embedded):
    thief, seen = _thief_recording_labels()
    JacobianDatasetAugmentation(classifier(victim_model), nb_rounds=2, nb_epochs=1, verbose=False).extract(
        embedded.x_test[:20], thieved_classifier=thief
    )
    assert ((seen[-1] > 0) & (seen[-1] < 1)).any()
    assert thief.reduce_labels(seen[-1]).shape == seen[-1].shape  # ART keeps them soft with CrossEntropyLoss


def test_refuses_logits_and_argmaxing_losses(victim_model, embedded):
    logit_victim = classifier(victim_model[0])
    with pytest.raises(ValueError, match="not probabilities"):
        JacobianDatasetAugmentation(logit_victim, nb_rounds=1, verbose=False).extract(
            embedded.x_test[:5], thieved_classifier=_thief()
        )
    with pytest.raises(ValueError, match="CrossEntropyLoss"):
        JacobianDatasetAugmentation(classifier(victim_model), verbose=False).extract(
            embedded.x_test[:5], thieved_classifier=_thief(loss=nn.NLLLoss())
        )
    with pytest.raises(ValueError, match="class gradients"):
        JacobianDatasetAugmentation(classifier(victim_model), verbose=False).extract(
            embedded.x_test[:5], thieved_classifier=None
        )
    with pytest.raises(ValueError, match="query_budget"):
        JacobianDatasetAugmentation(classifier(victim_model), query_budget=3, verbose=False).extract(
            embedded.x_test[:5], thieved_classifier=_thief()
        )


@pytest.mark.parametrize(
    "name,value",
    [
        ("nb_rounds", 0),
        ("nb_epochs", 1.5),
        ("batch_size_fit", 0),
        ("batch_size_query", -2),
        ("step_size", 0.0),
        ("step_size", float("nan")),
        ("use_probability", "yes"),
        ("variant", "jbtop0"),
        ("variant", "fgsm"),
        ("sign_flip_period", 0),
        ("max_new_per_round", -1),
        ("query_budget", 0),
        ("seed", 1.5),
        ("verbose", None),
    ],
)
def test_bad_parameters(victim_model, name, value):
    with pytest.raises(ValueError, match=name):
        JacobianDatasetAugmentation(classifier(victim_model), **{name: value})
