"""
The results page's tables over several budgets (allowed drops of the defender's validation accuracy): every defence's
clone at its operating points inside 1 and 2 pp, where AM lacks a setting inside 0.5 pp on some seed, what a larger
defender cost buys against JBDA, and each defence against its strongest attacker per seed.
"""

from __future__ import annotations

from benchmarks.attack_registry import figure_key
from benchmarks.attack_registry import names as attack_names
from benchmarks.registry import AM_VARIANTS, DEFENCE_LABELS, DETECTOR_FAMILIES
from benchmarks.selection import (
    BASELINES,
    BUDGET_PP,
    COMPARED,
    STRONGEST,
    VALIDATION_FIELD,
    Summary,
    ci95,
    matched_comparison,
    paired_text,
    pct,
    per_seed_parameters,
    with_strongest_attacker,
    with_sweep_settings,
)

JBDA_ATTACKS = attack_names("jbda")


def _by_budget_table(
    columns: list[str], budgets: tuple[float, ...], heading: str, rows: list[tuple[list[str], dict[float, str]]]
) -> list[str]:
    """
    :param columns: The headers of the leading columns.
    :param heading: The header of each budget's column, formatted with ``budget``.
    :param rows: ``(leading cells, {budget: cell})``; a budget without a cell shows "–".
    :return: The markdown table of the budget tables: leading columns, then one column per budget.
    """
    lines = [
        "| " + " | ".join([*columns, *(heading.format(budget=budget) for budget in budgets)]) + " |",
        "|" + "---|" * (len(columns) + len(budgets)),
    ]
    for leading, by_budget in rows:
        lines.append("| " + " | ".join([*leading, *(by_budget.get(budget, "–") for budget in budgets)]) + " |")
    return lines


# The budgets beyond 0.5 pp where issue 34 reads matched comparisons: each defence's clone per attack is tabled there
# too, so that a figure read at 1 or 2 pp is generated from the points, like the 0.5 pp table's.
LARGER_OPERATING_BUDGETS_PP = (1.0, 2.0)


def operating_point_budget_lines(comparison: list[dict]) -> list[str]:
    """
    Every attack's clone of each defence at its operating points inside the budgets of
    :data:`LARGER_OPERATING_BUDGETS_PP`: the 0.5 pp table's clone column, one column per budget.

    :param comparison: :func:`benchmarks.selection.matched_comparison` of the points at (at least) those budgets.
    :return: The table's lines; none where no entry is at those budgets.
    """
    cells: dict[tuple, dict[float, str]] = {}
    for entry in comparison:
        budget = entry["drop_pp"]
        if budget not in LARGER_OPERATING_BUDGETS_PP:
            continue
        group = (entry["scenario"], entry["attack"], entry["labels"])  # the order of the page's other tables
        cells.setdefault((*group, -1, "undefended"), {})[budget] = _clone_cell(entry["undefended_clone"])
        for defence, chosen in entry["defences"].items():
            cells.setdefault((*group, COMPARED.index(defence), defence), {})[
                budget
            ] = f"{_clone_cell(chosen['clone'])} ({per_seed_parameters(chosen['parameters'])})"
    rows = [
        ([scenario, attack, labels, DEFENCE_LABELS[defence]], by_budget)
        for (scenario, attack, labels, _, defence), by_budget in sorted(cells.items())
    ]
    return _by_budget_table(
        ["scenario", "attack", "labels", "defence"], LARGER_OPERATING_BUDGETS_PP, "clone within {budget:g} pp", rows
    )


def _clone_cell(clone: Summary | None) -> str:
    """
    :return: ``mean ± std [95 % interval]``, the mean alone for one seed, ``–`` for none.
    """
    interval = ci95(clone)
    return pct(clone) if interval == "–" else f"{pct(clone)} {interval}"


# Budgets of the table of what a larger defender cost buys against the JBDA attackers.
LARGER_BUDGETS_PP = (0.5, 1.0, 2.0, 3.0)


def larger_budget_lines(points: list[dict]) -> list[str]:
    """
    The cut each JBDA attacker's clone (soft labels) suffers from AM with a detector when the defender may lose more
    than the 0.5 pp budget: the operating points chosen on validation images at each budget, among every setting
    measured on the seed; a seed whose attacker did not run the chosen setting is left out (``not run``).
    """
    cells: dict[tuple, dict[float, str]] = {}
    for entry in matched_comparison(points, LARGER_BUDGETS_PP):
        if entry["labels"] != "soft" or entry["attack"] not in JBDA_ATTACKS:
            continue
        for defence in DETECTOR_FAMILIES:
            found = entry["defences"].get(defence)
            if found is None:
                continue
            key = (figure_key(entry["attack"]), AM_VARIANTS.index(defence), entry["attack"], defence)
            cells.setdefault(key, {})[
                entry["drop_pp"]
            ] = f"{pct(found['cut'])} ({per_seed_parameters(found['parameters'])})"
    if not cells:
        return []
    rows = [
        ([attack, DEFENCE_LABELS[defence]], by_budget) for (_, _, attack, defence), by_budget in sorted(cells.items())
    ]
    return _by_budget_table(
        ["attack", "defence"], LARGER_BUDGETS_PP, "cut (pp) within {budget:g} pp (parameter per seed)", rows
    )


# Budgets of the table of AM against the baselines where an AM variant lacks a 0.5 pp setting on some seed.
WIDER_BUDGETS_PP = (0.5, 1.0, 2.0, 5.0, 10.0)


def wider_budget_lines(points: list[dict]) -> list[str]:
    """
    AM against each baseline when the defender may lose more than the 0.5 pp budget, for the AM variants that lack a
    setting inside 0.5 pp on at least one seed (outlier exposure alone can cost more), so that the headline's
    comparison of them rests on fewer seeds than the run holds, or on none: AM's cut of the same attacker's undefended
    clone, and the per-seed difference of the clones at the operating points chosen on validation images within each
    budget, with its verdict. AM with a detector against JBDA has its own table (:func:`larger_budget_lines`).
    """
    comparison = matched_comparison(points, WIDER_BUDGETS_PP)
    # (scenario, attack, labels, AM variant) where the variant has no setting inside the budget on some seed
    without = {
        (entry["scenario"], entry["attack"], entry["labels"], variant)
        for entry in comparison
        if entry["drop_pp"] == BUDGET_PP
        for variant in AM_VARIANTS
        if variant in entry["defences"]
        and entry["defences"][variant]["seeds_without_setting"] > 0
        and not (entry["attack"] in JBDA_ATTACKS and variant in DETECTOR_FAMILIES)
    }
    cells: dict[tuple, dict[float, str]] = {}
    for entry in comparison:
        key = (entry["scenario"], entry["attack"], entry["labels"])
        for variant in AM_VARIANTS:
            cut = entry["defences"].get(variant, {}).get("cut")
            if (*key, variant) in without and cut is not None:
                # the row "" sorts first: what AM takes from the same attacker's undefended clone
                cells.setdefault((figure_key(entry["attack"]), *key, variant, ""), {})[
                    entry["drop_pp"]
                ] = f"cut {pct(cut)} {ci95(cut)}"
        for (variant, baseline), difference in entry["differences"].items():
            if (*key, variant) not in without:
                continue
            cells.setdefault((figure_key(entry["attack"]), *key, variant, baseline), {})[entry["drop_pp"]] = (
                paired_text(difference, entry["cost_differences"][(variant, baseline)])
            )
    if not cells:
        return []
    rows = [
        (
            [
                scenario,
                attack,
                labels,
                DEFENCE_LABELS[variant],
                DEFENCE_LABELS[baseline] if baseline else "undefended (cut)",
            ],
            by_budget,
        )
        for (_, scenario, attack, labels, variant, baseline), by_budget in sorted(cells.items())
    ]
    return _by_budget_table(
        ["scenario", "attack", "labels", "AM variant", "against"], WIDER_BUDGETS_PP, "within {budget:g} pp", rows
    )


def strongest_attacker_budget_lines(points: list[dict]) -> list[str]:
    """
    Every defence judged by its strongest attacker at each budget of :data:`WIDER_BUDGETS_PP`: per seed, the attacker
    (with its label choice) whose clone is the most accurate on the validation images against the setting chosen on
    the validation images (:func:`benchmarks.selection.with_strongest_attacker`), the cut of the strongest attacker's
    clone of the undefended model, and AM's clone minus each baseline's, paired by seed.

    :param points: The points of one scenario, :func:`with_attacker_best` applied.
    """
    if len({p["attack"] for p in points}) < 2:
        return []
    strongest = [p for p in with_strongest_attacker(points) if p["attack"] == STRONGEST]
    cells: dict[tuple, dict[float, str]] = {}
    # every setting measured on the seed chooses the operating point, also one without a strongest point
    for entry in matched_comparison(strongest, WIDER_BUDGETS_PP, settings_from=points):
        budget = entry["drop_pp"]
        seeds = sorted(entry["undefended_strongest_of"])
        undefended = entry["undefended_strongest_of"]
        cells.setdefault((0, 0, 0, "undefended", "clone"), {})[budget] = (
            f"{pct(entry['undefended_clone'])} (" + "; ".join(undefended[s] for s in seeds) + ")"
        )
        for rank, defence in enumerate(COMPARED):
            found = entry["defences"].get(defence)
            if found is None:
                continue
            winners = found.get("strongest_of", {})
            per_seed = "; ".join(
                f"{per_seed_parameters([parameter])}" + (f" {winners[s]}" if s in winners else "")
                for s, parameter in zip(seeds, found["parameters"])
            )
            cells.setdefault((1, rank, 0, defence, "clone"), {})[budget] = f"{pct(found['clone'])} ({per_seed})"
            if defence in AM_VARIANTS and found["cut"] is not None:
                cells.setdefault((1, rank, 1, defence, "cut"), {})[budget] = f"{pct(found['cut'])} {ci95(found['cut'])}"
        for (variant, baseline), difference in entry["differences"].items():
            cells.setdefault((2, COMPARED.index(variant), BASELINES.index(baseline), variant, baseline), {})[budget] = (
                paired_text(difference, entry["cost_differences"][(variant, baseline)])
            )
    if not cells:
        return []
    rows = []
    for (group, _, _, defence, what), by_budget in sorted(cells.items()):
        if group < 2:
            label = "clone (parameter and strongest attacker per seed)" if what == "clone" else "cut (pp) vs undefended"
        else:
            label = f"minus {DEFENCE_LABELS[what]} (pp)"
        rows.append(([DEFENCE_LABELS[defence], label], by_budget))
    return _by_budget_table(["defence", "row"], WIDER_BUDGETS_PP, "within {budget:g} pp", rows)


# The budgets where matched comparisons are read (issue 34: 0.5, 1 and 2 pp) and how close to each a setting must cost.
GRID_BUDGETS_PP = (0.5, 1.0, 2.0)
GRID_TOLERANCE_PP = 0.25


def _validation_costs(points: list[dict]) -> dict[tuple, dict[str, list[float]]]:
    """
    :return: ``{(scenario, seed): {defence: [validation cost of each measured setting, pp]}}``, the cost being the
             undefended model's validation accuracy minus the setting's (it depends on the setting alone, so any
             attack's point of it serves).
    """
    accuracy: dict[tuple, dict[tuple, float]] = {}
    for point in with_sweep_settings(points):  # the whole sweep where the run stored it, clone or not
        if point.get(VALIDATION_FIELD) is not None:
            setting = (point["defence"], point["parameter"])
            accuracy.setdefault((point["scenario"], point["seed"]), {}).setdefault(setting, point[VALIDATION_FIELD])
    costs: dict[tuple, dict[str, list[float]]] = {}
    for key, settings in accuracy.items():
        undefended = settings.get(("undefended", None))
        if undefended is None:
            continue
        for (defence, _), value in settings.items():
            if defence in COMPARED:
                costs.setdefault(key, {}).setdefault(defence, []).append(100 * (undefended - value))
    return costs


def _nearest(measured: list[list[float]], budget: float) -> list[float]:
    """
    :return: Per seed, the measured cost nearest the budget.
    """
    return [min(costs, key=lambda cost: abs(cost - budget)) for costs in measured]


def _grid_cell(nearest: list[float], largest: list[float], budget: float) -> str:
    """
    :param nearest: Per seed, the measured cost nearest the budget (pp).
    :param largest: Per seed, the largest measured cost (pp).
    :return: The costs and whether each seed has one within the tolerance, or why none can be.
    """
    if all(top < budget - GRID_TOLERANCE_PP for top in largest):
        return f"never costs that much (at most {max(largest):.2f})"
    if all(cost > budget + GRID_TOLERANCE_PP for cost in nearest):  # the cheapest setting of every seed costs more
        return f"every setting costs more (at least {min(nearest):.2f})"
    text = ", ".join(f"{cost:.2f}" for cost in nearest)
    gaps = sum(abs(cost - budget) > GRID_TOLERANCE_PP for cost in nearest)
    return f"{text}: " + ("within" if not gaps else f"gap on {gaps} of {len(nearest)} seeds")


def grid_coverage_lines(points: list[dict]) -> list[str]:
    """
    Whether the sweep grids are dense enough near the budgets for "matched" to mean matched: per scenario and defence,
    for each budget of :data:`GRID_BUDGETS_PP`, the measured validation cost nearest the budget on each seed and whether
    every seed has a setting within :data:`GRID_TOLERANCE_PP` of it. A defence that never costs as much (an
    argmax-preserving one costs nothing at any setting) is compared at its strongest setting instead, and says so.

    :param points: Points with validation accuracies, any scenarios and attacks.
    """
    by_defence: dict[tuple, dict[int, list[float]]] = {}
    for (scenario, seed), per_defence in _validation_costs(points).items():
        for defence, costs in per_defence.items():
            by_defence.setdefault((scenario, COMPARED.index(defence), defence), {})[seed] = costs
    rows = []
    for (scenario, _, defence), seeds in sorted(by_defence.items()):
        measured = [seeds[s] for s in sorted(seeds)]
        largest = [max(costs) for costs in measured]
        cells = {budget: _grid_cell(_nearest(measured, budget), largest, budget) for budget in GRID_BUDGETS_PP}
        rows.append(([scenario, DEFENCE_LABELS[defence], str(len(measured))], cells))
    if not rows:
        return []
    return _by_budget_table(
        ["scenario", "defence", "seeds"], GRID_BUDGETS_PP, "cost nearest {budget:g} pp, per seed (pp)", rows
    )
