"""Facts the results page quotes from a run's points (benchmarks.run_facts), against values computed by hand."""

import numpy as np
import pytest

from benchmarks import run_facts as facts
from benchmarks.selection import Summary
from tests.benchmarks import point_records


def _point(seed, defence, parameter, validation, test, clone, labels="soft", attack="knockoff:x"):
    return point_records.point(defence, parameter, validation, test, clone, seed=seed, labels=labels, attack=attack)


def _points():
    points = []
    for seed in range(3):
        for labels in ("soft", "argmax"):
            points += [
                _point(seed, "undefended", None, 0.70 + 0.01 * seed, 0.72 + 0.01 * seed, 0.50, labels),
                _point(seed, "oe_only", None, 0.67 + 0.01 * seed, 0.69, 0.40, labels),
                _point(seed, "am", 0.3, 0.66 + 0.01 * seed, 0.68, 0.10 + 0.02 * seed, labels),
                _point(seed, "pp_extreme", 1.0, 0.67 + 0.01 * seed, 0.67, 0.30, labels),
            ]
    # another scenario must never leak in
    return points + [dict(p, scenario="other", defender_accuracy=0.0) for p in points]


def test_defender_accuracy_is_one_value_per_seed_of_the_scenario():
    accuracy = facts.defender_accuracy(_points(), "s", "undefended")
    assert accuracy.values == pytest.approx((0.72, 0.73, 0.74))  # soft and argmax points of a seed count once
    assert facts.defender_accuracy(_points(), "s", "am", 0.5) is None


def test_validation_cost_pairs_each_seed_with_its_own_undefended_model():
    cost = facts.validation_cost(_points(), "s", "oe_only")
    assert cost.values == pytest.approx((0.03, 0.03, 0.03))
    assert facts.validation_cost(_points(), "s", "am", 0.3).values == pytest.approx((0.04, 0.04, 0.04))


def test_clone_accuracy_reads_one_label_mode():
    assert facts.clone_accuracy(_points(), "s", "knockoff:x", "soft", "am", 0.3).values == pytest.approx(
        (0.10, 0.12, 0.14)
    )
    assert facts.clone_accuracy(_points(), "s", "jbda", "soft", "am", 0.3) is None


def test_jbda_floor_is_the_seeds_only_clone_of_each_seed():
    points = _points()
    for seed in range(3):
        for labels, floor in (("soft", 0.2 + 0.01 * seed), ("argmax", 0.9)):
            jbda = dict(
                _point(seed, "undefended", None, 0.7, 0.72, 0.3, labels, "jbda"), seeds_only_clone_accuracy=floor
            )
            points += [jbda, dict(jbda, scenario="other", seeds_only_clone_accuracy=0.0)]
    assert facts.jbda_floor(points, "s").values == pytest.approx((0.20, 0.21, 0.22))  # soft labels, this scenario only
    assert facts.jbda_floor(_points(), "s") is None  # no JBDA point


def test_am_minus_baseline_reads_the_operating_points_of_the_budget():
    # within 0.5 pp neither AM (4 pp) nor PP (3 pp) has a setting; within 5 pp both do
    assert facts.am_minus_baseline(_points(), "s", "knockoff:x", "soft", "pp_extreme", 0.5) is None
    difference = facts.am_minus_baseline(_points(), "s", "knockoff:x", "soft", "pp_extreme", 5.0)
    assert difference.values == pytest.approx(tuple(0.10 + 0.02 * seed - 0.30 for seed in range(3)))
    # the attacker's best label mode exists where both ran
    assert facts.am_minus_baseline(_points(), "s", "knockoff:x", "best", "pp_extreme", 5.0) is not None


def test_hellinger_reads_the_saved_distances(tmp_path):
    folder = tmp_path / "points" / "s" / "seed0"
    folder.mkdir(parents=True)
    distances = np.linspace(0.0, 1.0, 11)
    np.savez(folder / "queries-x.npz", **{"hellinger/am-0.3": distances})
    np.testing.assert_array_equal(facts.hellinger(str(tmp_path), "s", "x", "am-0.3"), distances)
    assert facts.hellinger(str(tmp_path), "s", "x", "am-0.5") is None
    assert facts.hellinger(str(tmp_path), "s", "y", "am-0.3") is None


def test_quote_gives_seeds_interval_and_verdict():
    assert facts.quote(None) == "not run"
    assert facts.quote(Summary((0.5,))) == "50.0 % (1 seed)"
    assert facts.quote(Summary((-0.2, -0.1)), "pp", True) == "-15.0 ± 7.1 pp (2 seeds: no verdict)"
    values = (-0.30, -0.20, -0.25)
    half = 4.302652729911275 * np.std(values, ddof=1) / np.sqrt(3)  # t(0.975, 2)
    assert facts.quote(Summary(values), "pp", True) == (
        f"-25.0 ± 5.0 pp (95 % [{100 * (-0.25 - half):.1f}, {100 * (-0.25 + half):.1f}], 3 seeds: AM lower)"
    )


def test_cut_at_pairs_the_operating_point_with_the_same_seeds_undefended_clone():
    assert facts.cut_at(_points(), "s", "knockoff:x", "soft", 0.5) is None  # AM costs 4 pp: no setting
    cut = facts.cut_at(_points(), "s", "knockoff:x", "soft", 5.0)
    assert cut.values == pytest.approx(tuple(0.50 - (0.10 + 0.02 * seed) for seed in range(3)))
    assert facts.cut_at(_points(), "s", "knockoff:y", "soft", 5.0) is None


def test_share_below_reads_each_seeds_query_statistics(tmp_path):
    for seed, queries in enumerate(([0.1, 0.2, 0.9, 0.95], [0.1, 0.5, 0.6, 0.95])):
        folder = tmp_path / "points" / "s" / f"seed{seed}"
        folder.mkdir(parents=True)
        np.savez(folder / "queries-jbda.npz", msp_queries=np.array(queries))  # this file saved no benign images
        np.savez(folder / "queries-x.npz", msp_queries=np.ones(3), msp_benign=np.array([0.2, 0.8, 0.9, 0.99, 1.0]))
    # strictly below 0.5: 2 of 4 and 1 of 4 JBDA queries; 1 of 5 benign images on both seeds
    assert facts.share_below(str(tmp_path), "s", "jbda", 0.5).values == (0.5, 0.25)
    assert facts.share_below(str(tmp_path), "s", "benign", 0.5).values == (0.2, 0.2)
    assert facts.share_below(str(tmp_path), "s", "x", 0.5).values == (0.0, 0.0)
    assert facts.share_below(str(tmp_path), "s", "y", 0.5) is None
    assert facts.share_below(str(tmp_path), "other", "jbda", 0.5) is None
