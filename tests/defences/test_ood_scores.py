"""Out-of-distribution scores: values against references computed another way, invariants, fit round trips,
calibration, and their use inside Adaptive Misinformation in the plain ART call."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from art_am.defences import (
    AdaptiveMisinformation,
    adaptive_misinformation_answer,
    misinformation_weight,
    threshold_for_accuracy_budget,
    threshold_for_false_positive_rate,
)
from art_am.defences.ood_scores import (
    CombinedScore,
    Energy,
    KNearestNeighbours,
    Mahalanobis,
    MaxLogit,
    MaxSoftmaxProbability,
    NoiseLevel,
    SignStepDetector,
    sign_step_perturbation,
)
from art_am.defences.probabilities import softmax
from art_am.inference import batched_logits
from art_am.models import LeNet5
from art_am.training import load_checkpoint, load_extra_state, save_checkpoint
from tests.helpers import classifier, tiny_cnn


@pytest.fixture(scope="module")
def lenet():
    torch.manual_seed(0)
    return LeNet5().eval()


@pytest.fixture(scope="module")
def fit_data():
    rng = np.random.default_rng(1)
    return rng.random((300, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 300)


def smooth_blobs(count, rng):
    images = np.zeros((count, 1, 28, 28), dtype=np.float32)
    centres = rng.integers(6, 22, (count, 2))
    rows, cols = np.mgrid[:28, :28]
    images[:, 0] = np.exp(-((rows - centres[:, :1, None]) ** 2 + (cols - centres[:, 1:, None]) ** 2) / 20.0)
    return np.round(images * 255) / 255


def outputs(model, x):
    logits = batched_logits(model, x).numpy().astype(np.float64)
    return softmax(logits), logits


def test_output_scores_equal_their_formulas(rng):
    logits = rng.normal(0, 5, (50, 10))
    probabilities = softmax(logits)
    np.testing.assert_allclose(MaxSoftmaxProbability()(probabilities), probabilities.max(1))
    np.testing.assert_allclose(MaxLogit()(probabilities, logits), logits.max(1))
    reference = np.log(np.exp(logits).sum(1))
    np.testing.assert_allclose(Energy()(probabilities, logits), reference, rtol=1e-12)
    np.testing.assert_allclose(Energy(2.0)(probabilities, logits), 2.0 * np.log(np.exp(logits / 2.0).sum(1)))
    # A shift of every logit moves energy and max-logit by it, and leaves the softmax (hence MSP) unchanged.
    np.testing.assert_allclose(Energy()(probabilities, logits + 3.0), reference + 3.0)
    assert np.all(MaxLogit()(probabilities, logits) <= Energy()(probabilities, logits) + 1e-12)
    assert np.all(Energy()(probabilities, logits) <= MaxLogit()(probabilities, logits) + np.log(10) + 1e-12)


def test_energy_is_finite_for_huge_logits():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    scores = Energy()(softmax(logits), logits)
    np.testing.assert_allclose(scores, logsumexp(logits, axis=1))


def test_logit_scores_refuse_probabilities(rng):
    probabilities = softmax(rng.normal(size=(4, 3)))
    with pytest.raises(ValueError, match="needs the model's logits.*preds_type='logits'"):
        Energy()(probabilities)


def test_mahalanobis_equals_explicit_distances(lenet, fit_data):
    x, y = fit_data
    score = Mahalanobis(lenet.features, shrinkage=0.0).fit(x, y)
    features = torch.cat([lenet.features(torch.as_tensor(x[i : i + 100])) for i in range(0, 300, 100)]).detach()
    features = features.double().numpy()
    means = np.stack([features[y == c].mean(0) for c in range(10)])
    centred = features - means[y]
    precision = np.linalg.pinv(centred.T @ centred / len(x))
    queries = x[:20]
    expected = [
        -min(float((features[i] - m) @ precision @ (features[i] - m)) for m in means) for i in range(len(queries))
    ]
    np.testing.assert_allclose(score(*outputs(lenet, queries), queries), expected, rtol=1e-4, atol=1e-4)


def test_mahalanobis_score_falls_away_from_the_class_means(lenet, fit_data):
    x, y = fit_data
    score = Mahalanobis(lenet.features).fit(x, y)
    queries = np.stack([np.clip(x[0] * scale, 0, None) for scale in (1.0, 4.0, 16.0, 64.0)])
    values = score(*outputs(lenet, queries), queries)
    assert np.all(np.diff(values) < 0)


def test_knn_equals_brute_force(lenet, fit_data):
    x, _ = fit_data
    score = KNearestNeighbours(lenet.features, k=5, batch_size=64).fit(x)
    bank = torch.nn.functional.normalize(lenet.features(torch.as_tensor(x)).detach(), dim=1).numpy()
    queries = x[:30] * 0.5
    features = torch.nn.functional.normalize(lenet.features(torch.as_tensor(queries)).detach(), dim=1).numpy()
    distances, _ = NearestNeighbors(n_neighbors=5).fit(bank).kneighbors(features)
    np.testing.assert_allclose(score(*outputs(lenet, queries), queries), -distances[:, -1], atol=1e-5)


@pytest.mark.parametrize(
    "make_score",
    [
        lambda model, x, y: Mahalanobis(model.features, batch_size=7).fit(x, y),
        lambda model, x, y: KNearestNeighbours(model.features, k=3, batch_size=7).fit(x),
        lambda model, x, y: NoiseLevel(),
        lambda model, x, y: MaxSoftmaxProbability(),
        lambda model, x, y: Energy(),
    ],
)
def test_scores_are_finite_and_batch_independent(lenet, fit_data, make_score):
    x, y = fit_data
    score = make_score(lenet, x, y)
    probabilities, logits = outputs(lenet, x[:40])
    whole = score(probabilities, logits, x[:40])
    queries = x[:40]
    parts = np.concatenate(
        [score(probabilities[i : i + 9], logits[i : i + 9], queries[i : i + 9]) for i in range(0, 40, 9)]
    )
    assert np.isfinite(whole).all()
    # float32 features differ in the last bits between batch compositions
    np.testing.assert_allclose(whole, parts, rtol=1e-4, atol=1e-5)


def test_noise_level_of_a_sign_step_is_its_size(rng):
    clean = np.full((3, 1, 64, 64), 0.5)
    assert np.all(NoiseLevel()(np.ones((3, 2)) / 2, x=clean) == 0)
    values = []
    for step in (0.01, 0.03, 0.1):
        noisy = clean + step * rng.choice([-1.0, 1.0], size=clean.shape)
        # |HH| of four random signs is 0, step or 2 step with probabilities 6/16, 8/16, 2/16: its median is step.
        np.testing.assert_allclose(NoiseLevel().noise_level(noisy), step * 255 / 0.6745, rtol=1e-9)
        values.append(NoiseLevel()(np.ones((3, 2)) / 2, x=noisy)[0])
    assert values[0] > values[1] > values[2]
    np.testing.assert_allclose(
        NoiseLevel(input_range=255.0).noise_level(noisy * 255.0), NoiseLevel().noise_level(noisy)
    )


def test_noise_level_ignores_edges_but_not_noise(rng):
    images = np.zeros((2, 1, 28, 28))
    images[:, :, 5:21, 9:13] = 1.0  # a bar with sharp (odd-aligned) edges, like a digit stroke
    images[:, :, 3:24:2, 14] = 0.7
    assert np.all(NoiseLevel().noise_level(images) == 0)
    noisy = np.clip(images + 0.1 * rng.choice([-1.0, 1.0], size=images.shape), 0, 1)
    assert np.all(NoiseLevel().noise_level(noisy) > 5)


def test_noise_level_layouts_and_bad_shapes(rng):
    x = rng.random((4, 3, 10, 12))
    first = NoiseLevel().noise_level(x)
    np.testing.assert_allclose(NoiseLevel(channels_first=False).noise_level(x.transpose(0, 2, 3, 1)), first)
    np.testing.assert_allclose(NoiseLevel().noise_level(x[:, 0]), NoiseLevel().noise_level(x[:, :1]))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        NoiseLevel().noise_level(rng.random((4, 10)))
    with pytest.raises(ValueError, match="input_range"):
        NoiseLevel(input_range=0)


def test_combined_is_the_smallest_reference_rank(rng):
    logits = rng.normal(0, 3, (400, 10))
    probabilities = softmax(logits)
    combined = CombinedScore([MaxSoftmaxProbability(), MaxLogit()]).fit(
        probabilities=probabilities[:200], logits=logits[:200]
    )
    ranks = combined.component_ranks(probabilities[200:], logits[200:])
    assert np.all((ranks >= 0) & (ranks <= 1))
    expected = [np.mean(MaxSoftmaxProbability()(probabilities[:200]) < v) for v in probabilities[200:].max(1)]
    np.testing.assert_allclose(ranks[:, 0], expected, atol=1 / 200)
    np.testing.assert_allclose(combined(probabilities[200:], logits[200:]), ranks.min(axis=1))
    assert combined.needs_logits and not combined.needs_input and combined.name == "msp+max-logit"


def test_combined_score_is_the_smallest_mid_rank_of_its_components(lenet, fit_data, rng):
    x, _ = fit_data
    reference = x[:200]
    msp, noise = MaxSoftmaxProbability(), NoiseLevel()
    combined = CombinedScore([msp, noise]).fit(reference, None, *outputs(lenet, reference))
    clean = np.zeros((10, 1, 28, 28), dtype=np.float32)
    clean[:, :, 8:20, 8:20] = 1.0
    noisy = np.clip(clean + 0.1 * rng.choice([-1.0, 1.0], size=clean.shape), 0, 1).astype(np.float32)
    queries = np.concatenate([noisy, x[200:230]])
    # reference: each component's mid-rank among its own reference scores, counted pairwise, then the minimum
    expected = []
    for component in (msp, noise):
        ref_scores = component(*outputs(lenet, reference), reference)
        scores = component(*outputs(lenet, queries), queries)
        below = (ref_scores[None, :] < scores[:, None]).sum(1)
        ties = (ref_scores[None, :] == scores[:, None]).sum(1)
        expected.append((below + ties / 2.0) / len(ref_scores))
    np.testing.assert_allclose(combined(*outputs(lenet, queries), queries), np.minimum(*expected), atol=1e-12)


def test_fitted_scores_round_trip_through_a_checkpoint(lenet, fit_data, tmp_path):
    x, y = fit_data
    scores = {
        "mahalanobis": Mahalanobis(lenet.features).fit(x, y),
        "knn": KNearestNeighbours(lenet.features, k=4, max_bank=100).fit(x),
    }
    scores["combined"] = CombinedScore([scores["knn"], NoiseLevel()]).fit(x[:50], None, *outputs(lenet, x[:50]))
    path = tmp_path / "defender.pt"
    save_checkpoint(path, lenet, {"architecture": "lenet5"}, {k: s.state_dict() for k, s in scores.items()})
    model, _ = load_checkpoint(path)
    extra = load_extra_state(path)
    fresh = {
        "mahalanobis": Mahalanobis(model.features).load_state_dict(extra["mahalanobis"]),
        "knn": KNearestNeighbours(model.features, k=4).load_state_dict(extra["knn"]),
    }
    fresh["combined"] = CombinedScore([KNearestNeighbours(model.features, k=4), NoiseLevel()]).load_state_dict(
        extra["combined"]
    )
    queries = x[100:130]
    for name, score in scores.items():
        np.testing.assert_allclose(
            fresh[name](*outputs(model, queries), queries), score(*outputs(lenet, queries), queries)
        )


def test_unfitted_and_bad_states_are_errors(lenet, fit_data):
    x, y = fit_data
    with pytest.raises(ValueError, match="not fitted"):
        Mahalanobis(lenet.features)(*outputs(lenet, x[:2]), x[:2])
    with pytest.raises(ValueError, match="not fitted: nothing to save"):
        KNearestNeighbours(lenet.features).state_dict()
    with pytest.raises(ValueError, match="needs keys"):
        Mahalanobis(lenet.features).load_state_dict({"bank": torch.zeros(3, 3)})
    with pytest.raises(ValueError, match="no fitted state"):
        NoiseLevel().load_state_dict({"bank": torch.zeros(1)})
    with pytest.raises(ValueError, match="every class"):
        Mahalanobis(lenet.features).fit(x, np.zeros(len(x), dtype=int))
    with pytest.raises(ValueError, match="one label per row"):
        Mahalanobis(lenet.features).fit(x, y[:5])
    with pytest.raises(ValueError, match="at least k"):
        KNearestNeighbours(lenet.features, k=50).fit(x[:10])
    with pytest.raises(ValueError, match="method of one"):
        KNearestNeighbours(lambda t: t)
    with pytest.raises(ValueError, match="two or more"):
        CombinedScore([NoiseLevel()])
    with pytest.raises(ValueError, match="needs the queries"):
        NoiseLevel()(np.ones((2, 2)) / 2)


@pytest.mark.parametrize("name", ["msp", "energy", "mahalanobis", "knn", "noise-level", "combined"])
def test_false_positive_calibration_holds_on_held_out_data(lenet, fit_data, name):
    x, y = fit_data
    rng = np.random.default_rng(5)
    # In-distribution: smooth blobs with a little noise, so that every score (noise level included) varies.
    benign = smooth_blobs(4000, rng)
    benign += rng.normal(0, rng.uniform(0.001, 0.05, (4000, 1, 1, 1)), benign.shape).astype(np.float32)
    score = {
        "msp": MaxSoftmaxProbability(),
        "energy": Energy(),
        "mahalanobis": Mahalanobis(lenet.features).fit(x, y),
        "knn": KNearestNeighbours(lenet.features, k=5).fit(x),
        "noise-level": NoiseLevel(),
        "combined": CombinedScore([MaxSoftmaxProbability(), NoiseLevel()]),
    }[name]
    probabilities, logits = outputs(lenet, benign)
    if isinstance(score, CombinedScore):
        score.fit(benign[:1000], probabilities=probabilities[:1000], logits=logits[:1000])
    values = score(probabilities, logits, benign)
    rate = 0.05
    tau = threshold_for_false_positive_rate(values[1000:2500], rate)
    held_out = float((values[2500:] < tau).mean())
    assert abs(held_out - rate) <= 3 * np.sqrt(rate * (1 - rate) / 1500) + 1 / 1500


def test_am_with_each_score_in_the_plain_art_call(lenet, fit_data, x_random):
    x, y = fit_data
    victim_model = copy.deepcopy(lenet)
    victim_model.classifier.weight.data *= 50.0  # logits spread widely enough for a clear switch
    queries = x_random * np.linspace(0.05, 1.0, len(x_random), dtype=np.float32)[:, None, None, None]
    misinformation_model = tiny_cnn(seed=3)
    scores = [
        Energy(),
        Mahalanobis(victim_model.features).fit(x, y),
        KNearestNeighbours(victim_model.features, k=3).fit(x),
        NoiseLevel(),
        CombinedScore([MaxSoftmaxProbability(), NoiseLevel()]).fit(queries, None, *outputs(victim_model, queries)),
    ]
    truth = softmax(batched_logits(victim_model, queries).numpy().astype(np.float64))
    fake = softmax(batched_logits(misinformation_model, queries).numpy().astype(np.float64))
    for score in scores:
        values = score(*outputs(victim_model, queries), queries)
        tau = float(np.median(values))
        am = AdaptiveMisinformation(misinformation_model, tau, preds_type="logits", score=score)
        served = classifier(victim_model, [am]).predict(queries)
        direct = am(batched_logits(victim_model, queries).numpy(), x=queries)
        np.testing.assert_allclose(served, direct, atol=1e-6)
        # nu = 1000: 0.03 from the threshold the weight is below 1e-13 (or above 1 - 1e-13).
        clear_in, clear_out = values > tau + 0.03, values < tau - 0.03
        assert clear_in.sum() > 10 and clear_out.sum() > 10, score
        np.testing.assert_allclose(served[clear_in], truth[clear_in], atol=1e-5)
        np.testing.assert_allclose(served[clear_out], fake[clear_out], atol=1e-5)


def test_am_default_score_is_msp_and_thresholds_are_checked(lenet):
    am = AdaptiveMisinformation(tiny_cnn(), 0.5)
    assert am.score is None and isinstance(am.switch_score, MaxSoftmaxProbability)  # stored as given
    with pytest.raises(ValueError, match="threshold must be at most 1.0 for the msp score"):
        AdaptiveMisinformation(tiny_cnn(), 1.5)
    with pytest.raises(ValueError, match="for the noise-level score"):
        AdaptiveMisinformation(tiny_cnn(), 0.5, score=NoiseLevel())
    # Below the score's range: nothing is misinformed (a budget that no threshold fits).
    victim = tiny_cnn(seed=4)
    x = np.random.default_rng(0).random((20, 1, 28, 28), dtype=np.float32)
    served = AdaptiveMisinformation(tiny_cnn(), -0.05, preds_type="logits")(batched_logits(victim, x).numpy(), x=x)
    np.testing.assert_allclose(served, softmax(batched_logits(victim, x).numpy().astype(np.float64)), atol=1e-6)
    assert AdaptiveMisinformation(tiny_cnn(), -40.0, score=Energy()).threshold == -40.0
    with pytest.raises(ValueError, match="finite number"):
        AdaptiveMisinformation(tiny_cnn(), float("nan"), score=Energy())
    with pytest.raises(ValueError, match="score must be"):
        AdaptiveMisinformation(tiny_cnn(), 0.5, score="energy")  # type: ignore[arg-type]


def test_am_with_a_logit_score_on_a_softmax_victim_is_an_error(x_random):
    victim = classifier(torch.nn.Sequential(tiny_cnn(), torch.nn.Softmax(dim=1)))
    victim.set_params(postprocessing_defences=[AdaptiveMisinformation(tiny_cnn(seed=2), 0.0, score=Energy())])
    with pytest.raises(ValueError, match="needs the model's logits"):
        victim.predict(x_random[:4])


def test_accuracy_budget_calibration_for_scores_below_zero(rng):
    probabilities = softmax(rng.normal(0, 4, (500, 10)))
    misinformation = softmax(rng.normal(0, 4, (500, 10)))
    labels = probabilities.argmax(1)
    # Every benign query has the top score 0 (a clean image's noise level): only a tau below 0 keeps them all.
    tau, accuracy = threshold_for_accuracy_budget(probabilities, misinformation, labels, 0.0, scores=np.zeros(500))
    assert tau < 0 and accuracy == 1.0


def test_sign_step_perturbation_stays_on_the_grid_and_in_range(rng):
    clean = torch.as_tensor(smooth_blobs(64, rng))
    perturbed = sign_step_perturbation(clean, torch.Generator().manual_seed(0), (0.01, 0.1), max_steps=3)
    assert perturbed.shape == clean.shape and perturbed.min() >= 0 and perturbed.max() <= 1
    torch.testing.assert_close(torch.round(perturbed * 255), perturbed * 255, atol=1e-4, rtol=0)
    change = (perturbed - clean).abs().amax(dim=(1, 2, 3))
    assert torch.all(change <= 3 * 0.1 + 0.5 / 255 + 1e-6) and torch.all(change >= 0.01 - 0.5 / 255 - 1e-6)
    again = sign_step_perturbation(clean, torch.Generator().manual_seed(0), (0.01, 0.1), max_steps=3)
    torch.testing.assert_close(again, perturbed)


@pytest.mark.slow
def test_sign_detector_learns_steps_and_round_trips(rng, tmp_path):
    train = smooth_blobs(1024, rng)
    detector = SignStepDetector(epochs=3, batch_size=64, seed=0).fit(train)
    clean = smooth_blobs(300, rng)
    # JBDA-like queries: a single step of 0.03 with independent signs, clipped and on the grid
    steps = 0.03 * rng.choice([-1.0, 1.0], size=clean.shape)
    stepped = (np.round(np.clip(clean + steps, 0, 1) * 255) / 255).astype(np.float32)
    uniform = np.full((300, 10), 0.1)
    clean_scores, stepped_scores = detector(uniform, x=clean), detector(uniform, x=stepped)
    labels = np.r_[np.ones(300), np.zeros(300)]
    assert roc_auc_score(labels, np.r_[clean_scores, stepped_scores]) > 0.9
    path = tmp_path / "detector.pt"
    torch.save(detector.state_dict(), path)
    restored = SignStepDetector(seed=1).load_state_dict(torch.load(path, weights_only=True))
    np.testing.assert_allclose(restored(uniform, x=stepped), stepped_scores, rtol=1e-5, atol=1e-5)


def test_sign_detector_errors():
    with pytest.raises(ValueError, match="step_range"):
        SignStepDetector(step_range=(0.1, 0.01))
    with pytest.raises(ValueError, match="max_steps"):
        SignStepDetector(max_steps=0)
    with pytest.raises(ValueError, match="not fitted"):
        SignStepDetector()(np.full((2, 10), 0.1), x=np.zeros((2, 1, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match="does not fit its network"):
        SignStepDetector(in_channels=3).load_state_dict(SignStepDetector().network.state_dict())


def test_accuracy_budget_counts_from_the_reference_accuracy(rng):
    probabilities = softmax(rng.normal(0, 2, (2000, 10)))
    misinformation = softmax(rng.normal(0, 2, (2000, 10)))
    labels = np.where(rng.random(2000) < 0.9, probabilities.argmax(1), rng.integers(0, 10, 2000))
    own = float((probabilities.argmax(1) == labels).mean())
    tau_own, accuracy_own = threshold_for_accuracy_budget(probabilities, misinformation, labels, 0.01)
    # A reference 0.5 pp above the model's own accuracy leaves only 0.5 pp for misinformation.
    tau_ref, accuracy_ref = threshold_for_accuracy_budget(
        probabilities, misinformation, labels, 0.01, reference_accuracy=own + 0.005
    )
    assert tau_ref < tau_own
    assert accuracy_own >= own - 0.01 and accuracy_ref >= own - 0.005


def test_every_score_has_the_interfaces_fit_signature():
    import inspect  # pylint: disable=import-outside-toplevel

    from art_am.defences import ood_scores  # pylint: disable=import-outside-toplevel

    expected = list(inspect.signature(ood_scores.OODScore.fit).parameters)
    assert expected == ["self", "x", "y", "probabilities", "logits"]
    classes = [getattr(ood_scores, name) for name in ood_scores.__all__]
    scores = [c for c in classes if inspect.isclass(c) and issubclass(c, ood_scores.OODScore)]
    assert len(scores) >= 8
    for score in scores:
        assert list(inspect.signature(score.fit).parameters) == expected, score.__name__
    # scores without fitted state accept the call and return themselves
    msp = ood_scores.MaxSoftmaxProbability()
    assert msp.fit(np.zeros((2, 1, 28, 28)), probabilities=np.full((2, 10), 0.1)) is msp


def test_nu_counts_in_each_scores_unit(rng):
    """The default nu = 1000 is a hard switch on the rank scale too (unit: a percentile), where per unit of rank it
    would blend a query 0.1 % of ranks above tau (weight 0.27). Reference: the reverse sigmoid written out."""
    logits = rng.normal(0, 3, (600, 10))
    probabilities = softmax(logits)
    combined = CombinedScore([MaxSoftmaxProbability(), MaxLogit()]).fit(
        probabilities=probabilities[:400], logits=logits[:400]
    )
    assert combined.unit == 0.01 and MaxSoftmaxProbability.unit == 1.0
    misinformation = softmax(rng.normal(0, 3, (200, 10)))
    tau = 0.3
    values = combined(probabilities[400:], logits[400:])
    expected_weight = 1.0 / (1.0 + np.exp(np.clip(1000.0 / 0.01 * (values - tau), -700, 700)))
    served, weight = adaptive_misinformation_answer(
        probabilities[400:], misinformation, values, tau, 1000.0, unit=combined.unit
    )
    np.testing.assert_allclose(weight, expected_weight, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(
        served, (1 - expected_weight[:, None]) * probabilities[400:] + expected_weight[:, None] * misinformation
    )
    # 0.1 % of ranks from tau: a hard switch on the rank unit, a blend on a unit of 1
    assert misinformation_weight(np.array([tau + 0.001]), tau, 1000.0, combined.unit)[0] < 1e-40
    np.testing.assert_allclose(misinformation_weight(np.array([tau + 0.001]), tau, 1000.0)[0], 1 / (1 + np.e))
    # the live postprocessor switches on the same unit
    x = rng.random((200, 1, 28, 28), dtype=np.float32)
    am = AdaptiveMisinformation(tiny_cnn(seed=3), tau, preds_type="logits", score=combined, negligible_weight=0.0)
    served_live = am(logits[400:].astype(np.float32), x=x)
    f_hat = softmax(batched_logits(tiny_cnn(seed=3), x).numpy().astype(np.float64))
    np.testing.assert_allclose(
        served_live,
        (1 - expected_weight[:, None]) * probabilities[400:] + expected_weight[:, None] * f_hat,
        atol=1e-5,
    )


def test_fit_names_the_missing_argument(lenet, fit_data):
    x, y = fit_data
    probabilities = outputs(lenet, x[:4])[0]
    cases = [
        (Mahalanobis(lenet.features), {"x": x}, "fit needs y"),
        (Mahalanobis(lenet.features), {}, "fit needs x and y"),
        (KNearestNeighbours(lenet.features), {"y": y}, "fit needs x"),
        (CombinedScore([MaxSoftmaxProbability(), NoiseLevel()]), {"x": x[:4]}, "fit needs probabilities"),
        (SignStepDetector(), {"probabilities": probabilities}, "fit needs x"),
    ]
    for score, given, message in cases:
        with pytest.raises(ValueError, match=message):
            score.fit(**given)
        assert not score.is_fitted, type(score).__name__
    # what is needed and given fits, and fit still returns the score itself
    knn = KNearestNeighbours(lenet.features, k=2)
    assert knn.fit(x[:8]) is knn and knn.is_fitted
