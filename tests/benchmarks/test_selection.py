"""Operating points chosen on validation images, summaries over seeds and paired verdicts (benchmarks.selection)."""

import numpy as np
import pytest
from scipy import stats

from benchmarks.selection import (
    NOT_RUN,
    STRONGEST,
    Summary,
    cost_text,
    matched_comparison,
    operating_point,
    per_seed_parameters,
    verdict,
    with_attacker_best,
    with_strongest_attacker,
    with_sweeps,
)
from tests.benchmarks import point_records


def _point(defence, parameter, validation, test, clone, seed=0, labels="soft", clone_validation=None):
    extra = {} if clone_validation is None else {"clone_accuracy_validation": clone_validation}
    return point_records.point(
        defence, parameter, validation, test, clone, seed=seed, labels=labels, attack="knockoff:q", **extra
    )


def test_summary_interval_equals_scipys_t_interval():
    values = (0.61, 0.58, 0.66, 0.70)
    expected = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert Summary(values).interval == pytest.approx(expected)
    assert Summary(values).std == pytest.approx(np.sqrt(np.sum((np.array(values) - np.mean(values)) ** 2) / 3))
    assert Summary((0.5,)).interval is None and Summary((0.5,)).std is None


@pytest.mark.parametrize("trial", range(20))
def test_operating_point_is_the_strongest_setting_within_the_validation_budget(trial):
    rng = np.random.default_rng(trial)
    points = [_point("undefended", None, 0.95, 0.94, 0.8)]
    parameters = rng.choice(np.arange(1, 30) / 10, size=8, replace=False)
    points += [
        _point("am", float(t), 0.95 - rng.uniform(0, 0.02), rng.uniform(0.5, 1), rng.uniform(0, 1)) for t in parameters
    ]
    drop = float(rng.choice([0.0, 0.005, 0.01]))
    chosen = operating_point(points, "am", drop)
    # reference: every setting checked one by one
    within = [p for p in points[1:] if 0.95 - p["defender_accuracy_validation"] <= drop + 1e-12]
    if not within:
        assert chosen is None
    else:
        assert chosen["parameter"] == max(p["parameter"] for p in within)
        # the test images never take part: changing them changes nothing
        for p in points:
            p["defender_accuracy"] = 0.0
        assert operating_point(points, "am", drop) is chosen


def test_operating_point_ignores_the_test_accuracy():
    points = [
        _point("undefended", None, 0.90, 0.90, 0.8),
        _point("pp_extreme", 0.5, 0.899, 0.80, 0.6),  # inside the budget on validation, far outside on test
        _point("pp_extreme", 1.0, 0.88, 0.90, 0.1),  # outside on validation, inside on test
    ]
    assert operating_point(points, "pp_extreme", 0.005)["parameter"] == 0.5


def test_verdict_reads_the_interval():
    assert verdict(Summary((-0.30, -0.32, -0.31))) == "AM lower"
    assert verdict(Summary((0.30, 0.32, 0.31))) == "AM higher"
    assert verdict(Summary((-0.3, 0.2, 0.05))) == "not separable"
    assert verdict(Summary((-0.3,))) == "1 seed: no verdict"
    assert verdict(Summary((-0.30, -0.32))) == "2 seeds: no verdict"  # an interval exists, but the rule wants 3


def test_matched_comparison_pairs_am_and_baselines_by_seed():
    points = []
    for seed, (am_clone, pp_clone) in enumerate([(0.20, 0.50), (0.25, 0.52), (0.22, 0.49)]):
        points += [
            _point("undefended", None, 0.95, 0.95, 0.80, seed),
            _point("am", 0.5, 0.949, 0.95, am_clone, seed) | {"misinformation_rate": 0.1 * (seed + 1)},
            # outside the budget: never chosen at 0.5 pp
            _point("am", 0.9, 0.90, 0.90, 0.01, seed) | {"misinformation_rate": 0.9},
            _point("pp_extreme", 1.0, 0.948, 0.95, pp_clone, seed),
        ]
    entry = next(e for e in matched_comparison(points, (0.5,)) if e["drop_pp"] == 0.5)
    assert entry["defences"]["am"]["parameters"] == [0.5, 0.5, 0.5]
    difference = entry["differences"][("am", "pp_extreme")]
    assert difference.values == pytest.approx((-0.30, -0.27, -0.27))
    assert verdict(difference) == "AM lower"
    assert entry["defences"]["am"]["cut"].mean == pytest.approx(0.80 - np.mean([0.20, 0.25, 0.22]))
    # the misinformation share is the chosen settings', and only AM's points carry one
    assert entry["defences"]["am"]["misinformation"].values == pytest.approx((0.1, 0.2, 0.3))
    assert entry["defences"]["pp_extreme"]["misinformation"] is None


def test_defender_cost_difference_is_ams_cost_minus_the_baselines_paired_by_seed():
    # test accuracies: undefended 0.95; AM 0.94 (costs 1.0 pp), PP 0.945 / 0.948 / 0.942 per seed
    points = []
    for seed, pp_test in enumerate((0.945, 0.948, 0.942)):
        points += [
            _point("undefended", None, 0.95, 0.95, 0.80, seed),
            _point("am", 0.5, 0.949, 0.94, 0.2, seed),
            _point("pp_extreme", 1.0, 0.948, pp_test, 0.5, seed),
        ]
    entry = matched_comparison(points, (0.5,))[0]
    cost = entry["cost_differences"][("am", "pp_extreme")]
    expected = [(0.95 - 0.94) - (0.95 - pp) for pp in (0.945, 0.948, 0.942)]  # AM's cost minus PP's, per seed
    assert cost.values == pytest.approx(expected)
    assert cost_text(cost) == f"+{100 * np.mean(expected):.1f}" == "+0.5"  # AM's defender loses more: positive
    assert cost_text(Summary((-0.0001, 0.0001, -0.0003))) == "+0.0"  # a rounded -0.0 carries no sign
    assert cost_text(None) == "–"


def test_attacker_best_chooses_on_validation_and_reports_test():
    points = [
        _point("am", 0.5, 0.9, 0.9, clone=0.40, labels="soft", clone_validation=0.60),
        _point("am", 0.5, 0.9, 0.9, clone=0.55, labels="argmax", clone_validation=0.50),
    ]
    best = [p for p in with_attacker_best(points) if p["labels"] == "best"]
    assert len(best) == 1 and best[0]["best_of"] == "soft" and best[0]["clone_accuracy"] == 0.40


def test_attacker_entries_prefer_the_best_label_mode_else_the_only_one():
    from benchmarks.selection import attacker_entries  # pylint: disable=import-outside-toplevel

    def entry(attack, labels, drop=0.5):
        return {"scenario": "s", "attack": attack, "labels": labels, "drop_pp": drop}

    comparison = [
        entry("jbda", "soft"),
        entry("jbda", "best"),
        entry("jbda", "argmax"),
        entry("knockoff-adaptive:q", "argmax"),
        entry("jbda", "soft", drop=1.0),
    ]
    chosen = {(e["attack"], e["drop_pp"]): e["labels"] for e in attacker_entries(comparison)}
    assert chosen == {("jbda", 0.5): "best", ("knockoff-adaptive:q", 0.5): "argmax", ("jbda", 1.0): "soft"}


def test_a_partial_sweep_is_not_read_at_a_weaker_setting():
    """The operating point comes from every setting measured on the seed (defender accuracy does not depend on the
    attack); an attack that did not run it is 'not run' on that seed, never compared at a weaker setting in its place.
    """
    full = [
        _point("undefended", None, 0.95, 0.95, 0.80),
        _point("am", 0.5, 0.949, 0.95, 0.40),
        _point("am", 0.8, 0.948, 0.95, 0.10),  # the strongest setting within 0.5 pp
        _point("am", 0.9, 0.90, 0.90, 0.01),
    ]
    # a second attacker ran the undefended model and AM at 0.5 only
    partial = [dict(p, attack="confident:q") for p in full[:2]]
    assert operating_point(partial, "am", 0.005) is partial[1]  # alone, it would pick 0.5
    assert operating_point(partial, "am", 0.005, full + partial) == NOT_RUN
    assert operating_point(full, "am", 0.005, full + partial) is full[2]
    entries = {e["attack"]: e for e in matched_comparison(full + partial, (0.5,))}
    assert entries["knockoff:q"]["defences"]["am"]["parameters"] == [0.8]
    am = entries["confident:q"]["defences"]["am"]
    assert am["parameters"] == [NOT_RUN] and am["seeds_not_run"] == 1 and am["clone"] is None
    assert per_seed_parameters([0.8, NOT_RUN, None]) == "0.8, not run, none"


def test_a_defence_the_seed_never_ran_is_not_run_rather_than_without_a_setting():
    seed0 = [
        _point("undefended", None, 0.95, 0.95, 0.80),
        _point("dcp", 1.0, 0.95, 0.95, 0.30),
        _point("am", 0.9, 0.90, 0.90, 0.01),  # measured, outside the budget: no setting
    ]
    seed1 = [dict(p, seed=1) for p in seed0 if p["defence"] != "dcp"]  # seed 1 never ran DCP
    assert operating_point(seed1, "dcp", 0.005) == NOT_RUN
    assert operating_point(seed1, "am", 0.005) is None
    (entry,) = matched_comparison(seed0 + seed1, (0.5,))
    assert entry["defences"]["dcp"]["parameters"] == [1.0, NOT_RUN]
    assert entry["defences"]["dcp"]["seeds_not_run"] == 1 and entry["defences"]["dcp"]["seeds_without_setting"] == 0
    assert entry["defences"]["am"]["parameters"] == [None, None]


@pytest.mark.parametrize("trial", range(10))
def test_strongest_attacker_is_chosen_on_validation_among_every_attacker_and_label_mode(trial):
    rng = np.random.default_rng(trial)
    points = []
    for seed in range(3):
        for attack, modes in (
            ("knockoff:q", ("soft", "argmax")),
            ("jbda", ("soft", "argmax")),
            ("confident:q", ("soft",)),
        ):
            for labels in modes:
                for defence, parameter in (("undefended", None), ("am", 0.5)):
                    points.append(
                        dict(
                            _point(defence, parameter, 0.9, 0.9, float(rng.uniform()), seed, labels),
                            attack=attack,
                            clone_accuracy_validation=float(rng.uniform()),
                        )
                    )
    strongest = [p for p in with_strongest_attacker(with_attacker_best(points)) if p["attack"] == STRONGEST]
    assert len(strongest) == 6  # one per (seed, setting)
    for point in strongest:
        # reference: every raw point of the setting, each attacker keeping its better label mode on validation
        same = [
            p
            for p in points
            if (p["seed"], p["defence"], p["parameter"]) == (point["seed"], point["defence"], point["parameter"])
        ]
        winner = max(same, key=lambda p: p["clone_accuracy_validation"])
        assert (point["strongest_of"], point["strongest_labels"]) == (winner["attack"], winner["labels"])
        assert point["clone_accuracy"] == winner["clone_accuracy"]  # reported on the test images
        assert point["strongest_over"] == ["confident:q", "jbda", "knockoff:q"]


def test_no_strongest_attacker_where_a_paper_attack_skipped_the_setting():
    """AM 0.8 is the operating point, but JBDA never ran it: the strongest attacker there is 'not run', not the
    KnockoffNets clone alone and not AM 0.5 in its place."""
    points = []
    for attack, clone in (("knockoff:q", 0.40), ("jbda", 0.30)):
        points += [
            dict(_point("undefended", None, 0.95, 0.95, 0.80), attack=attack),
            dict(_point("am", 0.5, 0.949, 0.95, clone), attack=attack),
        ]
    points.append(dict(_point("am", 0.8, 0.948, 0.95, 0.10), attack="knockoff:q"))
    strongest = [p for p in with_strongest_attacker(points) if p["attack"] == STRONGEST]
    assert sorted((p["defence"], p["parameter"]) for p in strongest if p["defence"] == "am") == [("am", 0.5)]
    (entry,) = matched_comparison(strongest, (0.5,), settings_from=points)
    assert entry["defences"]["am"]["parameters"] == [NOT_RUN]
    # without every measured setting the choice would fall back to the weaker one: the reason for settings_from
    (partial,) = matched_comparison(strongest, (0.5,))
    assert partial["defences"]["am"]["parameters"] == [0.5]
    assert partial["defences"]["am"]["strongest_of"] == {0: "knockoff (soft)"}


def test_a_budget_whose_setting_has_no_clone_reads_not_run_from_the_sweep():
    """A run that trained clones at the 0.5 pp settings only (two CPU cores): at 1 pp AM's strongest setting is 0.8,
    which the sweep measured without a clone; the comparison says 'not run' there instead of reusing 0.5."""
    points = [_point("undefended", None, 0.95, 0.95, 0.80), _point("am", 0.5, 0.947, 0.95, 0.05)]
    points += [_point("pp_extreme", 0.3, 0.946, 0.95, 0.40)]
    sweep = [
        {"scenario": "s", "seed": 0, "defence": d, "parameter": t, "defender_accuracy": 0.9,
         "defender_accuracy_validation": v}
        for d, t, v in (("undefended", None, 0.95), ("am", 0.5, 0.947), ("am", 0.8, 0.941), ("am", 0.9, 0.90))
        + (("pp_extreme", 0.3, 0.946), ("pp_extreme", 0.5, 0.93))
    ]  # fmt: skip
    carried = with_sweeps(points, {("s", 0): sweep, ("s", 1): sweep[:1]})
    assert all(p["sweep"] is sweep for p in carried) and "sweep" not in points[0]
    by_budget = {e["drop_pp"]: e["defences"] for e in matched_comparison(carried, (0.5, 1.0, 2.0))}
    assert by_budget[0.5]["am"]["parameters"] == [0.5] and by_budget[0.5]["pp_extreme"]["parameters"] == [0.3]
    assert by_budget[1.0]["am"]["parameters"] == [NOT_RUN] and by_budget[1.0]["am"]["seeds_not_run"] == 1
    assert by_budget[1.0]["pp_extreme"]["parameters"] == [0.3]  # its next setting costs 2 pp
    assert by_budget[2.0]["pp_extreme"]["parameters"] == [NOT_RUN]
    # without the sweep, the clones' own settings are all there is: 1 pp would silently read AM at 0.5
    assert {e["drop_pp"]: e["defences"]["am"]["parameters"] for e in matched_comparison(points, (1.0,))} == {1.0: [0.5]}


def test_the_sweep_decides_where_a_later_job_served_a_setting_from_another_copy_of_the_models():
    """The fast CPU run's later jobs served settings from float16 copies of the defenders, whose validation accuracies
    differ from the float32 sweep's by a few images. A job of those (undefended 0.953, AM 0.8 at 0.946: 0.7 pp) must
    not move the operating point that the sweep puts at 0.8 (0.950 and 0.947: 0.3 pp) within 0.5 pp."""
    sweep = [
        {"scenario": "s", "seed": 0, "defence": d, "parameter": t, "defender_accuracy": 0.9,
         "defender_accuracy_validation": v}
        for d, t, v in (("undefended", None, 0.950), ("am", 0.5, 0.948), ("am", 0.8, 0.947), ("am", 0.9, 0.94))
    ]  # fmt: skip
    float32 = [_point("undefended", None, 0.950, 0.95, 0.80), _point("am", 0.8, 0.947, 0.95, 0.30)]
    float16 = [  # another attacker's job, all its points from the float16 copies
        dict(_point(d, t, v, 0.95, c), attack="confident:q")
        for d, t, v, c in (("undefended", None, 0.953, 0.7), ("am", 0.5, 0.949, 0.2), ("am", 0.8, 0.946, 0.25))
    ]
    carried = with_sweeps(float16 + float32, {("s", 0): sweep})
    chosen = {e["attack"]: e["defences"]["am"]["parameters"] for e in matched_comparison(carried, (0.5,))}
    # the reference: the sweep alone, by hand: 0.950 − 0.947 = 0.3 pp ≤ 0.5, 0.950 − 0.94 = 1 pp > 0.5
    assert chosen == {"confident:q": [0.8], "knockoff:q": [0.8]}
    # without the sweep the float16 job's own points choose 0.5 (its 0.8 costs 0.7 pp, its 0.5 0.4 pp)
    alone = {e["attack"]: e["defences"]["am"]["parameters"] for e in matched_comparison(float16, (0.5,))}
    assert alone == {"confident:q": [0.5]}


@pytest.mark.parametrize("order", [0, 1])
def test_a_validation_tie_is_broken_by_the_points_order_never_by_the_test_images(order):
    """Seed 0 of the conservative fast run: two attackers' clones tie on the validation images; the winner is the one
    met first (a run's points arrive in sorted path order), whichever of the two tests higher."""
    tied = [
        dict(_point("undefended", None, 0.9, 0.9, clone, labels="argmax", clone_validation=0.5255), attack=attack)
        for attack, clone in (("knockoff-decoded:q", 0.521), ("knockoff:q", 0.539))
    ]
    points = tied if order == 0 else tied[::-1]
    (strongest,) = [p for p in with_strongest_attacker(with_attacker_best(points)) if p["attack"] == STRONGEST]
    assert strongest["strongest_of"] == points[0]["attack"]
    assert strongest["clone_accuracy"] == points[0]["clone_accuracy"]
    # the label modes: a tie keeps the soft labels, in either order
    modes = [
        _point("am", 0.5, 0.9, 0.9, clone=clone, labels=labels, clone_validation=0.6)
        for labels, clone in (("soft", 0.3), ("argmax", 0.7))
    ]
    for candidates in (modes, modes[::-1]):
        (best,) = [p for p in with_attacker_best(candidates) if p["labels"] == "best"]
        assert best["best_of"] == "soft" and best["clone_accuracy"] == 0.3
