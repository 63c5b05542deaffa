"""The benchmark's one-pass sweep serves exactly what the live ART postprocessors serve, for every defence family."""

import dataclasses

import numpy as np
import pytest

from art_am.defences import ConfidenceMatch
from art_am.defences.ood_scores import CombinedScore, MaxSoftmaxProbability, SignStepDetector
from art_am.inference import predict_proba
from art_am.models import create_model
from benchmarks.attack_runs import scenario_input_shape
from benchmarks.defence_points import DefenceFactory, DefencePoint, defence_points
from benchmarks.scenarios import defence_sweeps


@pytest.fixture(scope="module")
def models():
    import torch  # pylint: disable=import-outside-toplevel

    built = {}
    for seed, kind in enumerate(("plain", "oe", "misinformation")):
        torch.manual_seed(seed)
        built[kind] = create_model("lenet5", 10).eval()
    return built


@pytest.fixture(scope="module")
def combined_score(models):
    rng = np.random.default_rng(1)
    detector = SignStepDetector(batch_size=64).fit(rng.random((128, 1, 28, 28), dtype=np.float32))
    reference = rng.random((300, 1, 28, 28), dtype=np.float32)
    score = CombinedScore([MaxSoftmaxProbability(), detector])
    return score.fit(reference, probabilities=predict_proba(models["oe"], reference).astype(np.float64))


def test_served_answers_equal_the_live_postprocessors(micro_preset, models, combined_score, x_random):
    import torch  # pylint: disable=import-outside-toplevel

    msp = predict_proba(models["oe"], x_random).max(axis=1).astype(np.float64)
    # Thresholds inside the queries' score ranges, so that both AM variants misinform some queries and not others.
    sweeps = defence_sweeps(micro_preset.sweeps, am=(float(np.median(msp)),), am_detector=(0.3,))
    scenario = dataclasses.replace(micro_preset, sweeps=sweeps)
    # temperatures far from 1, so that confidence matching visibly changes the served answers
    match = ConfidenceMatch(victim_temperature=2.5, misinformation_temperature=0.3, auroc_before=0.9, auroc_after=0.5)
    factory = DefenceFactory(
        scenario, models, seed=0, combined_score=combined_score, confidence_match=match, broad_score=combined_score
    )
    points = defence_points(scenario)
    assert {p.defence for p in points} == {
        "undefended",
        "oe_only",
        "am",
        "am_cm",
        "am_detector",
        "am_detector_broad",
        "pp_extreme",
        "pp_argmax",
        "dcp",
    }
    served = factory.served_answers(x_random, points)
    switch_scores = factory.switch_scores(x_random, None, points)
    reused = factory.served_answers(x_random, points, switch_scores)  # the scores a caller already has
    for point in points:
        np.testing.assert_array_equal(reused[point], served[point])
    for variant, parameter in (("am", scenario.sweeps["am"][0]), ("am_detector", 0.3)):
        flagged = switch_scores[variant] < parameter
        assert 0 < flagged.sum() < len(x_random), variant
    for point in points:
        live = factory.live_victim(point, scenario_input_shape(scenario), "cpu").predict(x_random)
        np.testing.assert_allclose(served[point], live, atol=1e-4, err_msg=point.key)
        np.testing.assert_allclose(served[point].sum(axis=1), 1.0, atol=1e-6)
    # AM with confidence matching, rebuilt from the models: the switch weight of plain AM, each answer tempered
    tau = scenario.sweeps["am"][0]
    f, f_hat = (predict_proba(models[kind], x_random).astype(np.float64) for kind in ("oe", "misinformation"))
    weight = 1.0 / (1.0 + np.exp(np.clip(scenario.nu * (msp - tau), -700, 700)))
    tempered = [torch.softmax(torch.log(torch.tensor(p)) / t, dim=1).numpy() for p, t in ((f, 2.5), (f_hat, 0.3))]
    expected = (1 - weight[:, None]) * tempered[0] + weight[:, None] * tempered[1]
    np.testing.assert_allclose(served[DefencePoint("am_cm", tau)], expected, atol=1e-6)


def test_am_detector_without_its_score_is_a_clear_error(micro_preset, models, x_random):
    factory = DefenceFactory(micro_preset, models, seed=0)
    with pytest.raises(ValueError, match="combined_score"):
        factory.served_answers(x_random, [DefencePoint("am_detector", 0.01)])
    with pytest.raises(ValueError, match="combined_score"):
        factory.live_victim(DefencePoint("am_detector", 0.01), (1, 28, 28), "cpu")
    with pytest.raises(ValueError, match="broad_score"):
        factory.served_answers(x_random, [DefencePoint("am_detector_broad", 0.01)])


def test_am_cm_without_its_temperatures_is_a_clear_error(micro_preset, models, x_random):
    factory = DefenceFactory(micro_preset, models, seed=0)
    with pytest.raises(ValueError, match="confidence_match"):
        factory.served_answers(x_random, [DefencePoint("am_cm", 0.5)])


@pytest.mark.parametrize("defence", ["am", "pp_extreme", "pp_argmax", "dcp"])
def test_a_swept_defence_without_its_parameter_is_a_clear_error(micro_preset, models, x_random, defence):
    factory = DefenceFactory(micro_preset, models, seed=0)
    with pytest.raises(ValueError, match=f"defence '{defence}' needs a parameter"):
        factory.served_answers(x_random, [DefencePoint(defence)])
    with pytest.raises(ValueError, match=f"defence '{defence}' needs a parameter"):
        factory.live_victim(DefencePoint(defence), (1, 28, 28), "cpu")
