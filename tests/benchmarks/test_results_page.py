"""Tables and sentences of the generated results pages (benchmarks.results_page and the modules it renders with)."""

import numpy as np
import pytest
from scipy import stats

from benchmarks.budget_tables import (
    grid_coverage_lines,
    larger_budget_lines,
    operating_point_budget_lines,
    wider_budget_lines,
)
from benchmarks.paper_status import cut_and_baselines, not_run
from benchmarks.results_page import render_run
from benchmarks.run_sections import detector_evasion_lines, did_not_hold_lines
from benchmarks.selection import matched_comparison, with_sweeps
from tests.benchmarks import point_records


def _point(seed, attack, defence, parameter, validation, clone, misinformation=None):
    return point_records.point(
        defence, parameter, validation, validation, clone, seed=seed, attack=attack, misinformation_rate=misinformation
    )


def _points():
    points = []
    for seed in range(3):
        for attack in ("jbda", "jbda-aware"):
            points += [
                _point(seed, attack, "undefended", None, 0.98, 0.70 + 0.01 * seed),
                _point(seed, attack, "am_detector", 0.002, 0.978, 0.50, 0.2 + 0.1 * seed),  # costs 0.2 pp
                # costs 1.5 pp; the aware attacker ran it on seeds 0 and 1 only
                _point(seed, attack, "am_detector", 0.01, 0.965, 0.10, 0.8),
            ]
    return [p for p in points if not (p["attack"] == "jbda-aware" and p["seed"] == 2 and p["parameter"] == 0.01)]


def _row(lines, attack):
    (row,) = [line for line in lines if line.startswith(f"| {attack} |")]
    return [cell.strip() for cell in row.strip("|").split("|")]


def test_a_larger_budget_picks_the_stronger_setting_on_the_seeds_where_it_ran():
    lines = larger_budget_lines(_points())
    plain = _row(lines, "jbda")
    # within 0.5 pp only tau 0.002 qualifies; from 2 pp on, tau 0.01 (cut: undefended clone minus 0.10, per seed)
    assert plain[2] == f"{100 * (0.71 - 0.50):.1f} ± {100 * 0.01:.1f} (0.002, 0.002, 0.002)"
    assert plain[4] == plain[5] == f"{100 * (0.71 - 0.10):.1f} ± {100 * 0.01:.1f} (0.01, 0.01, 0.01)"
    aware = _row(lines, "jbda-aware")
    # seed 2's operating point within 2 pp is tau 0.01, which the aware attacker did not run there: left out, never
    # read at tau 0.002 in its place
    assert aware[4] == f"{100 * (0.705 - 0.10):.1f} ± {100 * 0.01 / 2**0.5:.1f} (0.01, 0.01, not run)"
    assert aware[2] == f"{100 * (0.71 - 0.50):.1f} ± {100 * 0.01:.1f} (0.002, 0.002, 0.002)"


def test_the_evasion_table_reports_the_chosen_settings_misinformation_share():
    comparison = matched_comparison(_points(), (0.5,))
    row = _row(detector_evasion_lines(comparison), "jbda")
    assert row[1] == "AM (MSP + sign detector)" and row[2] == "0.002, 0.002, 0.002"
    assert row[3] == "30.0 ± 10.0"  # the shares 0.2, 0.3, 0.4 of the chosen setting, not of tau 0.01
    assert float(row[6].split(" ± ")[0]) == pytest.approx(100 * (0.71 - 0.50))


def _oe_costly_points():
    """AM's only setting costs 3 pp on every seed (as outlier exposure does on CIFAR-10 at CPU scale); PP-MAD's
    weaker setting costs 0.2 pp, its stronger one 4 pp."""
    points = []
    for seed in range(3):
        points += [
            _point(seed, "knockoff", "undefended", None, 0.70, 0.50),
            _point(seed, "knockoff", "am", 0.3, 0.67, 0.10 + 0.01 * seed),
            _point(seed, "knockoff", "pp_extreme", 0.5, 0.698, 0.45),
            _point(seed, "knockoff", "pp_extreme", 1.0, 0.66, 0.30 - 0.02 * seed),
        ]
    return points


def test_wider_budgets_compare_am_where_no_setting_fits_half_a_point():
    lines = wider_budget_lines(_oe_costly_points())
    cut_row, row = [line for line in lines if line.startswith("| s |")]
    cut = [cell.strip() for cell in cut_row.strip("|").split("|")]
    assert cut[3:5] == ["AM", "undefended (cut)"] and cut[5:8] == ["–", "–", "–"]
    # the undefended clone 0.50 minus AM's 0.10 + 0.01 s: mean 39 pp, std 1 pp
    assert cut[8].startswith("cut 39.0 ± 1.0 [") and cut[9] == cut[8]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[:5] == ["s", "knockoff", "soft", "AM", "PP (MAD)"]
    within_half, within_one, within_two, within_five, within_ten = cells[5:]
    assert within_ten == within_five  # no stronger setting within 10 pp
    assert within_half == within_one == within_two == "–"  # AM has no operating point below 3 pp
    # within 5 pp: AM tau 0.3 against PP-MAD epsilon 1, per seed 0.10 + 0.01 s − (0.30 − 0.02 s) = −0.20 + 0.03 s
    differences = [-0.20 + 0.03 * seed for seed in range(3)]
    mean = sum(differences) / 3
    assert within_five.startswith(f"{100 * mean:.1f} ± {100 * 0.03:.1f} [")
    # AM's defender (0.67) loses 1 pp less than PP-MAD's at epsilon 1 (0.66): the cost difference is printed beside
    assert within_five.endswith(": AM lower; defender cost -1.0 pp")


def test_wider_budgets_cover_jbda_except_am_with_a_detector_which_has_its_own_table():
    points = [dict(p, attack="jbda") for p in _oe_costly_points()]
    points += [dict(p, defence="am_detector", parameter=0.01) for p in points if p["defence"] == "am"]
    rows = [line for line in wider_budget_lines(points) if line.startswith("| s |")]
    variants = {row.strip("|").split("|")[3].strip() for row in rows}
    assert variants == {"AM"}  # the plain AM variant is compared at wider budgets, the detector variant is not
    assert larger_budget_lines(points)  # ... because this table covers it


def _with_cheap_am(points, seeds):
    for point in points:
        if point["seed"] in seeds and point["defence"] == "am":
            point["defender_accuracy_validation"] = 0.697  # AM costs 0.3 pp on these seeds
    return points


def test_wider_budgets_stay_silent_only_where_am_fits_the_budget_on_every_seed():
    assert not wider_budget_lines(_with_cheap_am(_oe_costly_points(), {0, 1, 2}))
    # fitting on two seeds of three, the headline's AM comparison has no verdict: the wider table gives one
    lines = wider_budget_lines(_with_cheap_am(_oe_costly_points(), {0, 1}))
    (row,) = [line for line in lines if line.startswith("| s |") and "PP (MAD)" in line]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert "2 seeds: no verdict" in cells[5]  # within 0.5 pp: seed 2 has no AM setting
    assert ": AM lower; defender cost" in cells[8]  # within 5 pp every seed has one


def test_the_cost_of_outlier_exposure_is_read_per_scenario():
    points = []
    for scenario, oe_validation in (("a", 0.698), ("b", 0.67)):  # OE costs 0.2 pp in a, 3 pp in b
        for seed in range(3):
            points += [
                dict(_point(seed, "knockoff", "undefended", None, 0.70, 0.5), scenario=scenario),
                dict(_point(seed, "knockoff", "oe_only", None, oe_validation, 0.4), scenario=scenario),
            ]
    lines = [line for line in did_not_hold_lines(points, []) if "outlier exposure alone" in line]
    assert [line.split(":")[0] for line in lines] == [f"- b, seed {seed}" for seed in range(3)]
    single = [p for p in points if p["scenario"] == "b"]
    assert did_not_hold_lines(single, [])[0].startswith("- Seed 0: outlier exposure alone")


def test_a_run_of_one_attack_says_it_is_not_yet_against_the_strongest_attacker():
    points = [_point(seed, "knockoff", "undefended", None, 0.70, 0.5) for seed in range(3)]
    (line,) = did_not_hold_lines(points, [])
    assert line.startswith("- Only knockoff ran")
    points.append(_point(0, "jbda", "undefended", None, 0.70, 0.3))
    assert did_not_hold_lines(points, []) == ["- Nothing: every check above holds."]


def test_a_run_of_two_scenarios_gets_one_headline_per_scenario():
    """Both scenarios attack with the same name; one table for both would mix (or overwrite) their clones."""
    points = []
    for scenario, clone in (("a", 0.30), ("b", 0.60)):
        for seed in range(3):
            points += [
                dict(_point(seed, "knockoff", "undefended", None, 0.70, 0.65), scenario=scenario),
                dict(_point(seed, "knockoff", "am", 0.5, 0.698, clone), scenario=scenario),
            ]
    page = render_run("r", {}, points)
    for scenario, clone in (("a", "30.0 ± 0.0"), ("b", "60.0 ± 0.0")):
        section = page.split(f"### Against the strongest attacker (`results/r`, scenario `{scenario}`)")[1]
        am_row = _row(section.split("###")[0].splitlines(), "AM")
        assert am_row[1] == clone


def test_the_am_against_baselines_sentence_quotes_the_cut_and_each_difference_by_hand():
    points = []
    for seed in range(3):
        points += [
            _point(seed, "knockoff:x", "undefended", None, 0.70, 0.50),
            _point(seed, "knockoff:x", "am", 0.3, 0.67, 0.10 + 0.02 * seed),  # costs 3 pp
            _point(seed, "knockoff:x", "pp_extreme", 1.0, 0.68, 0.30),  # costs 2 pp
        ]
    # cuts 40, 38, 36 pp; AM minus PP -20, -18, -16 pp: both spread 2 pp, half-width t(0.975, 2) * 2 / sqrt(3)
    half = 4.302652729911275 * 2.0 / 3**0.5
    sentence = cut_and_baselines(points, "s", "knockoff:x", "soft", 5.0, ("pp_extreme", "dcp"))
    assert sentence == (
        "AM cuts the clone by 38.0 ± 2.0 pp (3 seeds), and AM's clone minus PP (MAD)'s -18.0 ± 2.0 pp "
        f"(95 % [{-18 - half:.1f}, {-18 + half:.1f}], 3 seeds: AM lower), minus DCP's not run"
    )
    # within 0.5 pp no AM setting fits: nothing to quote, and the sentence says why
    assert cut_and_baselines(points, "s", "knockoff:x", "soft", 0.5, ("pp_extreme",)).startswith("no AM clone")


def test_the_not_run_list_names_what_the_points_lack():
    def point(scenario, attack, defence):
        return {"scenario": scenario, "attack": attack, "defence": defence, "seed": 0}

    flowers = [point("flowers17-cpu", "knockoff:x", "am"), point("flowers17-cpu-pretrained", "knockoff:x", "oe_only")]
    cifar = [point("cifar10-cpu", "jbda", "am"), point("cifar10-cpu-conservative", "knockoff:x", "am")]
    runs = {"cifar10-cpu": ({}, cifar, []), "flowers17-cpu": ({}, flowers, [])}
    _, headline = not_run(runs)
    for missing in ("JBDA on Flowers-17", "conservative outliers", "pretrained Flowers-17 scenario's defended clones"):
        assert missing in headline
    flowers += [point("flowers17-cpu", "jbda", "am"), point("flowers17-cpu-pretrained", "knockoff:x", "dcp")]
    cifar.append(point("cifar10-cpu-conservative", "jbda", "undefended"))
    _, headline = not_run(runs)
    assert "have not run" not in headline and "flowers17-cpu-pretrained: 1 seed)" in headline


def _grid_cells(lines, defence):
    row = next(line for line in lines if line.startswith(f"| s | {defence} |"))
    return [cell.strip() for cell in row.strip("|").split("|")][3:]


def test_grid_coverage_reads_the_validation_cost_nearest_each_budget():
    points = []
    for seed in range(3):
        points += [
            _point(seed, "knockoff", "undefended", None, 0.90, 0.5),
            # AM costs 0.3, 0.9 and 2.5 pp on every seed (and 1.8 pp on seed 2 only)
            *(_point(seed, "knockoff", "am", tau, 0.90 - cost, 0.1) for tau, cost in ((0.2, 0.003), (0.3, 0.009))),
            _point(seed, "knockoff", "am", 0.4, 0.875, 0.1),
            # PP-argmax keeps every top-1 class: it costs nothing; PP-MAD costs 3 pp at its weakest setting
            _point(seed, "knockoff", "pp_argmax", 1.0, 0.90, 0.4),
            _point(seed, "knockoff", "pp_extreme", 0.5, 0.87, 0.4),
        ]
        # the same settings measured by another attack do not count twice
        points.append(_point(seed, "jbda", "am", 0.2, 0.897, 0.2))
    points.append(_point(2, "knockoff", "am", 0.35, 0.882, 0.1))
    lines = grid_coverage_lines(points)
    assert lines[0].startswith("| scenario | defence | seeds | cost nearest 0.5 pp")
    half, one, two = _grid_cells(lines, "AM")
    assert half == "0.30, 0.30, 0.30: within" and one == "0.90, 0.90, 0.90: within"
    # 2 pp: 2.5 pp on seeds 0 and 1 (0.5 away), 1.8 pp on seed 2 (0.2 away)
    assert two == "2.50, 2.50, 1.80: gap on 2 of 3 seeds"
    assert set(_grid_cells(lines, "PP (MAD-argmax)")) == {"never costs that much (at most 0.00)"}
    assert set(_grid_cells(lines, "PP (MAD)")) == {"every setting costs more (at least 3.00)"}


def test_grid_coverage_reads_the_sweep_where_clones_ran_at_a_few_settings():
    """A run that trained clones at the chosen settings only: the grid is the sweep's, not the clones' settings."""
    points = [_point(0, "knockoff", "undefended", None, 0.90, 0.5), _point(0, "knockoff", "am", 0.2, 0.897, 0.1)]
    # without the sweep, the one clone setting is all the grid there is
    assert _grid_cells(grid_coverage_lines(points), "AM")[1] == "never costs that much (at most 0.30)"
    sweep = [
        {"scenario": "s", "seed": 0, "defence": "am", "parameter": tau, "defender_accuracy": 0.9,
         "defender_accuracy_validation": 0.90 - cost}
        for tau, cost in ((0.2, 0.003), (0.3, 0.009), (0.4, 0.021))
    ]  # fmt: skip
    half, one, two = _grid_cells(grid_coverage_lines(with_sweeps(points, {("s", 0): sweep})), "AM")
    assert (half, one, two) == ("0.30: within", "0.90: within", "2.10: within")


@pytest.mark.parametrize("trial", range(10))
def test_the_larger_budget_clone_table_reads_each_seeds_strongest_setting_within_each_budget(trial):
    """The 1 and 2 pp clone columns against a reference computed another way: per seed, every setting checked one by
    one against the budget, the clones of the chosen ones summarised with scipy's t interval."""
    rng = np.random.default_rng(trial)
    points, settings = [], {}
    for seed in range(3):
        points.append(_point(seed, "knockoff:q", "undefended", None, 0.95, 0.6))
        for defence, parameters in (("am", (0.1, 0.2, 0.3, 0.4, 0.5)), ("pp_extreme", (0.2, 0.3, 0.4))):
            for parameter in parameters:
                validation, clone = 0.95 - float(rng.uniform(0, 0.03)), float(rng.uniform(0, 0.6))
                points.append(_point(seed, "knockoff:q", defence, parameter, validation, clone))
                settings.setdefault((defence, seed), []).append((parameter, validation, clone))
    (am_row,) = [
        line for line in operating_point_budget_lines(matched_comparison(points, (1.0, 2.0))) if "| AM |" in line
    ]
    cells = [cell.strip() for cell in am_row.strip("|").split("|")][4:]
    for budget, cell in zip((0.01, 0.02), cells):
        chosen = []
        for seed in range(3):
            within = [s for s in settings[("am", seed)] if 0.95 - s[1] <= budget + 1e-12]
            chosen.append(max(within) if within else None)
        ran = [c for c in chosen if c is not None]
        clones = np.array([c[2] for c in ran])
        parameters = ", ".join("none" if c is None else f"{c[0]:g}" for c in chosen)
        if len(ran) == 0:
            assert cell == f"– ({parameters})"
            continue
        if len(ran) == 1:
            assert cell == f"{100 * clones[0]:.1f} ({parameters})"
            continue
        low, high = stats.t.interval(0.95, len(ran) - 1, loc=clones.mean(), scale=stats.sem(clones))
        mean, std = 100 * clones.mean(), 100 * clones.std(ddof=1)
        assert cell == f"{mean:.1f} ± {std:.1f} [{100 * low:.1f}, {100 * high:.1f}] ({parameters})"
