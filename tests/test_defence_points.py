"""The benchmark's one-pass sweep serves exactly what the live ART postprocessors serve, for every defence family."""

import dataclasses

import numpy as np
import pytest

from art_am.defences.ood_scores import CombinedScore, MaxSoftmaxProbability, SignStepDetector
from art_am.inference import predict_proba
from art_am.models import create_model
from benchmarks.attack_runs import scenario_input_shape
from benchmarks.defence_points import DefenceFactory, DefencePoint, defence_points


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
    return score.fit(predict_proba(models["oe"], reference).astype(np.float64), None, reference)


def test_served_answers_equal_the_live_postprocessors(micro_preset, models, combined_score, x_random):
    msp = predict_proba(models["oe"], x_random).max(axis=1)
    # Thresholds inside the queries' score ranges, so that both AM variants misinform some queries and not others.
    scenario = dataclasses.replace(micro_preset, am_thresholds=(float(np.median(msp)),), am_detector_thresholds=(0.3,))
    factory = DefenceFactory(scenario, models, seed=0, combined_score=combined_score)
    points = defence_points(scenario)
    assert {p.defence for p in points} == {
        "undefended",
        "oe_only",
        "am",
        "am_detector",
        "pp_extreme",
        "pp_argmax",
        "dcp",
    }
    served = factory.served_answers(x_random, points)
    switch_scores = factory.switch_scores(x_random, None, points)
    reused = factory.served_answers(x_random, points, switch_scores)  # the scores a caller already has
    for point in points:
        np.testing.assert_array_equal(reused[point], served[point])
    for variant, parameter in (("am", scenario.am_thresholds[0]), ("am_detector", 0.3)):
        flagged = switch_scores[variant] < parameter
        assert 0 < flagged.sum() < len(x_random), variant
    for point in points:
        live = factory.live_victim(point, scenario_input_shape(scenario), "cpu").predict(x_random)
        np.testing.assert_allclose(served[point], live, atol=1e-4, err_msg=point.key)
        np.testing.assert_allclose(served[point].sum(axis=1), 1.0, atol=1e-6)


def test_am_detector_without_its_score_is_a_clear_error(micro_preset, models, x_random):
    factory = DefenceFactory(micro_preset, models, seed=0)
    with pytest.raises(ValueError, match="combined_score"):
        factory.served_answers(x_random, [DefencePoint("am_detector", 0.01)])
    with pytest.raises(ValueError, match="combined_score"):
        factory.live_victim(DefencePoint("am_detector", 0.01), (1, 28, 28), "cpu")
