"""
The answer first: one row per dataset and scale (run and scenario), read from the same selection as the headline
tables (operating points chosen on validation images per seed, each defence judged by its strongest attacker with the
attacker's best labels), at the tightest budget where AM has a setting on every seed. Pure rendering over point
records: no training code, no torch.
"""

from __future__ import annotations

from benchmarks.registry import BASELINES, DEFENCE_LABELS
from benchmarks.selection import (
    STRONGEST,
    Summary,
    ci95,
    matched_comparison,
    pct,
    verdict,
    with_attacker_best,
    with_strongest_attacker,
)

BUDGETS_PP = (0.5, 1.0, 2.0, 5.0, 10.0)
HEADER = (
    "| data and scale | budget | defender: undefended → AM (test) | undefended clone | AM | PP (MAD) | PP (MAD-argmax) "
    "| DCP | AM − best baseline (pp), 95 % | defender cost AM − that baseline (pp) | verdict |"
)


def _row(label: str, entry: dict) -> str | None:
    defences = entry["defences"]
    am = defences.get("am")
    if am is None or am["clone"] is None or am["seeds_without_setting"] or am["seeds_not_run"]:
        return None
    present = [b for b in BASELINES if b in defences and defences[b]["clone"] is not None]
    best = min(present, key=lambda b: defences[b]["clone"].mean) if present else None
    difference = entry["differences"].get(("am", best)) if best else None
    best_label = DEFENCE_LABELS[best] if best else "–"
    cost = (
        f"{100 * (am['defender'].mean - defences[best]['defender'].mean):+.1f}"
        if best and am["defender"] is not None and defences[best]["defender"] is not None
        else "–"
    )
    cells = [pct(defences[b]["clone"]) if b in defences else "not run" for b in BASELINES]
    return (
        f"| {label} | {entry['drop_pp']:g} pp | {pct(entry['undefended_defender'])} → {pct(am['defender'])} | "
        f"{pct(entry['undefended_clone'])} | {pct(am['clone'])} | {' | '.join(cells)} | "
        + (
            f"{pct(difference)} {ci95(difference)} vs {best_label} | {cost} | {verdict(difference)} |"
            if isinstance(difference, Summary)
            else "– | – | no baseline at this budget |"
        )
    )


def glance_rows(runs: dict[str, tuple[dict, list[dict], list[dict]]]) -> list[str]:
    """
    :param runs: ``{name: (RUN.json, points, overheads)}``.
    :return: The table's rows (markdown), one per run and scenario with three seeds or more.
    """
    rows = []
    for name, (_, points, _) in runs.items():
        for scenario in sorted({p["scenario"] for p in points}):
            mine = with_attacker_best([p for p in points if p["scenario"] == scenario])
            if len({p["seed"] for p in mine}) < 3 or len({p["attack"] for p in mine}) < 2:
                continue
            strongest = [p for p in with_strongest_attacker(mine) if p["attack"] == STRONGEST]
            entries = matched_comparison(strongest, BUDGETS_PP, settings_from=mine)
            label = f"`{name}` / `{scenario}`"
            row = next((r for e in entries if (r := _row(label, e)) is not None), None)
            rows.append(row or f"| {label} | – | no budget up to {BUDGETS_PP[-1]:g} pp with AM on every seed |||||||||")
    return rows


def did_not_hold(rows: list[str]) -> list[str]:
    """
    :return: Plain sentences on what the rows do not show: comparisons off the paper's 0.5 pp budget, without a
             separation, or at defender costs more than 0.5 pp apart.
    """
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    off_budget = [c[0] for c in cells if c[1] not in ("0.5 pp",)]
    unseparated = [c[0] for c in cells if len(c) > 10 and c[10] != "AM lower"]
    unmatched = [c[0] for c in cells if len(c) > 9 and c[9] not in ("–",) and abs(float(c[9])) > 0.5]
    sentences = []
    if off_budget:
        sentences.append(
            f"- Not at the paper's budget: AM has no setting within 0.5 pp on every seed in {', '.join(off_budget)} "
            "(the row reads the tightest budget where it has one)."
        )
    if unseparated:
        sentences.append(f"- No lower AM clone with a 95 % interval below zero in {', '.join(unseparated)}.")
    if unmatched:
        sentences.append(
            f"- Not at matched accuracy: AM's defender and the compared baseline's differ by more than 0.5 pp in "
            f"{', '.join(unmatched)}."
        )
    return sentences


def glance(runs: dict[str, tuple[dict, list[dict], list[dict]]]) -> list[str]:
    """
    :return: The "at a glance" section of ``docs/results.md``.
    """
    rows = glance_rows(runs)
    if not rows:
        return []
    return [
        "## At a glance",
        "",
        "Does AM beat the baselines, at what defender cost, on which data? One row per run and scenario with at least "
        "three seeds, at the tightest budget (allowed drop of the defender's validation accuracy) where AM has a "
        "setting on every seed; clone accuracy (test, %, mean ± std over seeds) of each defence's strongest attacker "
        "with the attacker's best labels; AM − the baseline whose clone is lowest, paired by seed, with its 95 % "
        "interval and the difference of the two defenders' test accuracies beside it. Substitutions of data and "
        "scale: each run's section below.",
        "",
        *table(rows),
        "",
        "What did not hold:",
        "",
        *did_not_hold(rows),
        "",
    ]


def table(rows: list[str]) -> list[str]:
    """
    :return: The table's header and rows.
    """
    return [HEADER, "|---|---|---|---|---|---|---|---|---|---|---|", *rows]
