"""Adaptive attackers who know the defence: the detector-aware JBDA's step forms and choice, selective extraction."""

import numpy as np
import pytest
import torch
from art.estimators.classification import BlackBoxClassifier
from torch import nn

from art_am.attacks import (
    STEP_FORMS,
    DetectorAwareJBDA,
    JacobianDatasetAugmentation,
    SelectiveExtraction,
    optimised_step,
    shifted_views,
    step_forms,
)
from art_am.attacks.detector_aware_jbda_pytorch import _project_magnitudes
from tests.helpers import classifier, tiny_cnn


def _victim(seed=0):
    torch.manual_seed(seed)
    return classifier(nn.Sequential(tiny_cnn(seed=seed), nn.Softmax(dim=1)))


def _black_box(function, classes=10):
    return BlackBoxClassifier(function, (1, 28, 28), classes, clip_values=(0.0, 1.0))


@pytest.mark.parametrize("step", [0.1, -0.05])
def test_every_step_form_moves_along_the_gradient_sign_within_the_step(rng, step):
    gradients = rng.normal(size=(6, 1, 28, 28)).astype(np.float32)
    gradients[0, 0, :4] = 0.0  # pixels without gradient never move
    forms = step_forms(gradients, step)
    assert forms.shape == (len(STEP_FORMS), *gradients.shape)
    direction = np.sign(step) * np.sign(gradients)
    for name, delta in zip(STEP_FORMS, forms):
        moved = delta != 0
        assert (np.sign(delta[moved]) == direction[moved]).all(), name
        assert np.abs(delta).max() <= abs(step) + 1e-7, name
        assert (delta[0, 0, :4] == 0).all(), name
    np.testing.assert_allclose(forms[STEP_FORMS.index("sign")], step * np.sign(gradients))
    np.testing.assert_allclose(forms[STEP_FORMS.index("quarter")], 0.25 * step * np.sign(gradients), rtol=1e-6)
    sparse = forms[STEP_FORMS.index("sparse")]
    # a quarter of each image's pixels: those with the largest |gradient|
    assert np.mean(sparse[1:] != 0) == pytest.approx(0.25, abs=0.01)
    with pytest.raises(ValueError, match="step_forms"):
        step_forms(gradients, step, ("sign", "wiggle"))


def test_detector_aware_jbda_sends_the_form_its_copy_prefers_at_jbdas_budget(embedded):
    seeds = embedded.x_test[:20]
    plain = JacobianDatasetAugmentation(_victim(), nb_rounds=3, nb_epochs=1, seed=0, verbose=False)
    plain.extract(seeds, thieved_classifier=classifier(tiny_cnn(seed=1)))
    aware = DetectorAwareJBDA(_victim(), nb_rounds=3, nb_epochs=1, seed=0, verbose=False, detector_epochs=1)
    sent = []
    original = aware._step

    def choose_half(points, gradients, step):
        # the copy trained by extract is replaced by one that scores the "half" form highest
        def score(probabilities, logits, x):
            distance = np.abs(x - np.tile(points, (len(aware.forms), 1, 1, 1))).reshape(len(x), -1).max(axis=1)
            return -np.abs(distance - 0.5 * abs(step))

        aware.detector = score
        out = original(points, gradients, step)
        sent.append((points, gradients, step, out))
        return out

    aware._step = choose_half
    aware.extract(seeds, thieved_classifier=classifier(tiny_cnn(seed=1)))
    assert aware.queries_used == plain.queries_used  # the same budget as plain JBDA
    for points, gradients, step, out in sent:
        np.testing.assert_allclose(out, np.clip(points + 0.5 * step * np.sign(gradients), 0, 1), atol=1e-6)
    assert aware.chosen_forms["half"] == sum(len(p) for p, *_ in sent) and aware.chosen_forms["sign"] == 0


def test_detector_aware_jbda_trains_its_copy_on_the_seeds_only(embedded):
    aware = DetectorAwareJBDA(_victim(), nb_rounds=2, nb_epochs=1, seed=3, verbose=False, detector_epochs=1)
    aware.extract(embedded.x_test[:16], thieved_classifier=classifier(tiny_cnn(seed=1)))
    assert aware.detector is not None and aware.detector.is_fitted and aware.detector.seed == 3
    with pytest.raises(ValueError, match="forms"):
        DetectorAwareJBDA(_victim(), forms=("sign", "blur"))
    with pytest.raises(ValueError, match="detector_epochs"):
        DetectorAwareJBDA(_victim(), detector_epochs=0)


@pytest.mark.parametrize("floor", [0.0, 0.3, 0.8])
def test_magnitude_projection_is_the_euclidean_projection(rng, floor):
    from scipy.optimize import minimize  # pylint: disable=import-outside-toplevel

    rows = rng.normal(0.2, 0.6, size=(4, 1, 3, 4)).astype(np.float64)
    projected = _project_magnitudes(torch.as_tensor(rows, dtype=torch.float32), floor).numpy()
    for row, mine in zip(rows, projected):
        target = row.ravel()
        # reference: the constrained least-squares problem solved by a general-purpose solver
        reference = minimize(
            lambda m, t=target: ((m - t) ** 2).sum(),
            np.full(target.size, 0.5),
            jac=lambda m, t=target: 2 * (m - t),
            bounds=[(0.0, 1.0)] * target.size,
            constraints=[
                {"type": "ineq", "fun": lambda m: m.mean() - floor, "jac": lambda m: np.full(m.size, 1 / m.size)}
            ],
            method="SLSQP",
            options={"ftol": 1e-12, "maxiter": 500},
        ).x
        np.testing.assert_allclose(mine.ravel(), reference, atol=1e-4)
        assert mine.mean() >= floor - 1e-5


class _LinearLogit(nn.Module):
    """A detector whose logit is ``sum(weights * x)``: the magnitudes that lower it are known in closed form."""

    def __init__(self, weights):
        super().__init__()
        self.weights = nn.Parameter(torch.as_tensor(weights), requires_grad=False)

    def forward(self, x):
        return (x * self.weights).flatten(1).sum(dim=1)


def test_optimised_step_moves_only_the_pixels_that_lower_the_copys_logit(rng):
    points = np.full((3, 1, 6, 6), 0.5, dtype=np.float32)
    gradients = rng.normal(size=points.shape).astype(np.float32)
    weights = np.where(rng.random((1, 1, 6, 6)) < 0.5, 1.0, -1.0).astype(np.float32)
    delta = optimised_step(_LinearLogit(weights), points, gradients, 0.1, (0.0, 1.0), iterations=15, min_movement=0.2)
    # the logit falls where a pixel's move along sign(g) meets a negative weight: those pixels take the full step,
    # the others none (about half the pixels move, above the 0.2 floor)
    lowers = weights * np.sign(gradients) < 0
    np.testing.assert_allclose(delta, np.where(lowers, 0.1 * np.sign(gradients), 0.0), atol=1e-6)
    # a floor above the share of helpful pixels forces extra movement, still along sign(g) and within the step
    forced = optimised_step(_LinearLogit(weights), points, gradients, -0.1, None, iterations=15, min_movement=0.9)
    moved = forced != 0
    assert (np.sign(forced[moved]) == -np.sign(gradients)[moved]).all() and np.abs(forced).max() <= 0.1 + 1e-7
    assert (np.abs(forced) / 0.1).reshape(3, -1).mean(axis=1) == pytest.approx([0.9] * 3, abs=1e-4)


def test_detector_aware_jbda_optimises_against_its_copy_at_jbdas_budget(embedded):
    seeds = embedded.x_test[:16]
    plain = JacobianDatasetAugmentation(_victim(), nb_rounds=3, nb_epochs=1, seed=0, verbose=False)
    plain.extract(seeds, thieved_classifier=classifier(tiny_cnn(seed=1)))
    aware = DetectorAwareJBDA(
        _victim(), nb_rounds=3, nb_epochs=1, seed=0, verbose=False, detector_epochs=2, optimise_iterations=5
    )
    aware.extract(seeds, thieved_classifier=classifier(tiny_cnn(seed=1)))
    assert aware.queries_used == plain.queries_used
    assert set(aware.chosen_forms) == set(STEP_FORMS) | {"optimised"}
    assert sum(aware.chosen_forms.values()) == plain.queries_used - len(seeds)
    for name, value in (("optimise_iterations", -1), ("min_movement", 1.5)):
        with pytest.raises(ValueError, match=name):
            DetectorAwareJBDA(_victim(), **{name: value})


@pytest.mark.parametrize("selection", ["confidence", "low_confidence"])
def test_confidence_selections_keep_the_most_or_least_confident_answers(rng, selection):
    x = rng.random((50, 1, 28, 28), dtype=np.float32)
    confidence = np.linspace(0.15, 0.95, 50)
    rng.shuffle(confidence)

    def answers(batch):
        index = np.array([np.argmin(np.abs(x.reshape(50, -1) - row.reshape(1, -1)).sum(1)) for row in batch])
        out = np.full((len(batch), 10), 0.0, dtype=np.float32)
        out[:, 0] = confidence[index]
        out[:, 1:] = ((1 - confidence[index]) / 9)[:, None]
        return out

    seen = []
    thief = classifier(tiny_cnn(seed=1))
    original = thief.fit
    thief.fit = lambda xs, ys, **kw: (seen.append(ys), original(xs, ys, **kw))[1]
    attack = SelectiveExtraction(_black_box(answers), selection, nb_stolen=50, keep_fraction=0.3, nb_epochs=1)
    attack.extract(x, thieved_classifier=thief)
    kept = np.sort(seen[0][:, 0])
    # reference: sort all 50 answers, keep the top or the bottom 15
    expected = np.sort(confidence)[-15:] if selection == "confidence" else np.sort(confidence)[:15]
    np.testing.assert_allclose(kept, expected, rtol=1e-6)
    assert attack.kept == 15 and attack.queries_used == 50


def test_consistency_selection_keeps_points_whose_transformed_copies_agree(rng):
    x = rng.random((40, 1, 28, 28), dtype=np.float32)

    def answers(batch):  # the top-1 class is decided by one corner pixel, which a one-pixel shift can change
        out = np.full((len(batch), 10), 0.01, dtype=np.float32)
        out[np.arange(len(batch)), (batch[:, 0, 0, 0] > 0.5).astype(int)] = 0.91
        return out

    attack = SelectiveExtraction(
        _black_box(answers), "consistency", nb_stolen=120, nb_views=2, view_noise=0.0, nb_epochs=1, seed=5
    )
    attack.extract(x, thieved_classifier=classifier(tiny_cnn(seed=1)))
    # reference: the same draw and views, re-created from the seed
    generator = np.random.default_rng(5)
    queries = x[np.sort(generator.choice(40, size=40, replace=False))]
    views = shifted_views(queries, 2, 0.0, generator, (0.0, 1.0))
    top = answers(queries).argmax(1)
    expected = ((answers(views[0]).argmax(1) == top) & (answers(views[1]).argmax(1) == top)).sum()
    assert attack.kept == expected and 0 < expected < 40
    assert attack.queries_used == 120  # every copy is a query: 40 points x 3


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"selection": "loudest"}, "selection"),
        ({"keep_fraction": 0.0}, "keep_fraction"),
        ({"nb_views": 0}, "nb_views"),
        ({"view_noise": -0.1}, "view_noise"),
        ({"nb_stolen": 0}, "nb_stolen"),
        ({"use_probability": 1}, "use_probability"),
    ],
)
def test_selective_extraction_refuses_bad_parameters(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        SelectiveExtraction(_victim(), **kwargs)


@pytest.mark.slow
def test_the_broad_family_detector_flags_what_the_sign_detector_misses():
    """Trained on the broad family, the detector separates the attacker's non-sign step forms from clean images
    better than the sign-only detector does (both on held-out images; AUROC computed by ranking)."""
    from art_am.defences.ood_scores import SignStepDetector  # pylint: disable=import-outside-toplevel
    from art_am.metrics import ood_auroc  # pylint: disable=import-outside-toplevel

    rng = np.random.default_rng(0)
    blobs = np.kron(rng.random((600, 1, 7, 7)), np.ones((1, 1, 4, 4))).astype(np.float32)  # smooth 28x28 images
    train, held_out = blobs[:500], blobs[500:]
    gradients = rng.normal(size=held_out.shape).astype(np.float32)
    forms = step_forms(gradients, 0.05, ("smooth", "gradient", "quarter"))
    stepped = np.clip(held_out[None] + forms, 0, 1).reshape(-1, 1, 28, 28)
    dummy = np.zeros((len(stepped), 1))
    auroc = {}
    for family in ("sign", "broad"):
        detector = SignStepDetector(epochs=3, family=family).fit(train)
        auroc[family] = ood_auroc(detector(np.zeros((100, 1)), None, held_out), detector(dummy, None, stepped))
    assert auroc["broad"] > auroc["sign"] + 0.02, auroc
