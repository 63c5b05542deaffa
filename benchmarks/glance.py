"""
The answer first: one row per dataset and scale (run and scenario), read from the same selection as the headline
tables (operating points chosen on validation images per seed, each defence judged by its strongest attacker with the
attacker's best labels), at the tightest budget where AM has a setting on every seed. Pure rendering over point
records: no training code, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.registry import BASELINES, DEFENCE_LABELS
from benchmarks.selection import (
    STRONGEST,
    Summary,
    ci95,
    cost_text,
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


@dataclass(frozen=True)
class GlanceRow:
    """
    One row of the table: its markdown and the facts the "what did not hold" sentences read.

    :param label: Run and scenario, as markdown.
    :param budget_pp: The budget the row reads (None: AM had a setting on every seed at no budget).
    :param cost_pp: AM's defender cost minus the compared baseline's (positive: AM's defender loses more), rounded as
                    shown (None: no baseline).
    :param verdict: The paired verdict (None: no baseline, or no budget).
    :param single_attacker: The only attack that ran for the scenario, where only one did (its verdict then stands
                            before the strongest attacker who knows the defence has tried); None where several ran.
    :param markdown: The rendered row.
    """

    label: str
    budget_pp: float | None
    cost_pp: float | None
    verdict: str | None
    markdown: str
    single_attacker: str | None = None


def _row(label: str, entry: dict, single_attacker: str | None) -> GlanceRow | None:
    defences = entry["defences"]
    am = defences.get("am")
    if am is None or am["clone"] is None or am["seeds_without_setting"] or am["seeds_not_run"]:
        return None
    present = [b for b in BASELINES if b in defences and defences[b]["clone"] is not None]
    best = min(present, key=lambda b: defences[b]["clone"].mean) if present else None
    difference = entry["differences"].get(("am", best)) if best else None
    best_label = DEFENCE_LABELS[best] if best else "–"
    cost_difference = entry["cost_differences"].get(("am", best)) if best else None
    cells = [pct(defences[b]["clone"]) if b in defences else "not run" for b in BASELINES]
    separated = isinstance(difference, Summary)
    judged = verdict(difference) if isinstance(difference, Summary) else None
    shown = judged if single_attacker is None else f"{judged} ({single_attacker} only)"
    markdown = (
        f"| {label} | {entry['drop_pp']:g} pp | {pct(entry['undefended_defender'])} → {pct(am['defender'])} | "
        f"{pct(entry['undefended_clone'])} | {pct(am['clone'])} | {' | '.join(cells)} | "
        + (
            f"{pct(difference)} {ci95(difference)} vs {best_label} | {cost_text(cost_difference)} | {shown} |"
            if separated
            else "– | – | no baseline at this budget |"
        )
    )
    return GlanceRow(
        label,
        entry["drop_pp"],
        round(100 * cost_difference.mean, 1) if separated and cost_difference is not None else None,
        judged,
        markdown,
        single_attacker,
    )


def glance_records(runs: dict[str, tuple[dict, list[dict], list[dict]]], min_seeds: int = 3) -> list[GlanceRow]:
    """
    :param runs: ``{name: (RUN.json, points, overheads)}``.
    :param min_seeds: Fewer seeds give no row (the published page: three; a run's own summary: one, whose rows then
                      carry no interval and no verdict).
    :return: One row per run and scenario with ``min_seeds`` seeds or more (a scenario where one attack alone ran is
             shown, and its verdict says so).
    """
    rows = []
    for name, (_, points, _) in runs.items():
        for scenario in sorted({p["scenario"] for p in points}):
            mine = with_attacker_best([p for p in points if p["scenario"] == scenario])
            if len({p["seed"] for p in mine}) < min_seeds:
                continue
            attacks = sorted({p["attack"] for p in mine})
            single_attacker = attacks[0] if len(attacks) == 1 else None
            strongest = [p for p in with_strongest_attacker(mine) if p["attack"] == STRONGEST]
            entries = matched_comparison(strongest, BUDGETS_PP, settings_from=mine)
            label = f"`{name}` / `{scenario}`"
            row = next((r for e in entries if (r := _row(label, e, single_attacker)) is not None), None)
            unrun = any(e["defences"].get("am", {}).get("seeds_not_run") for e in entries)
            why = "AM's chosen setting did not run on every seed" if unrun else "AM has no setting on every seed"
            missing = f"| {label} | – | {why} up to {BUDGETS_PP[-1]:g} pp |||||||||"
            rows.append(row or GlanceRow(label, None, None, None, missing))
    return rows


def glance_rows(runs: dict[str, tuple[dict, list[dict], list[dict]]]) -> list[str]:
    """
    :return: The table's rows (markdown) of :func:`glance_records`.
    """
    return [row.markdown for row in glance_records(runs)]


def did_not_hold(rows: list[GlanceRow]) -> list[str]:
    """
    :return: Plain sentences on what the rows do not show: comparisons off the paper's 0.5 pp budget, without a
             separation, or at defender costs more than 0.5 pp apart.
    """
    off_budget = [r.label for r in rows if r.budget_pp != 0.5]
    unseparated = [r.label for r in rows if r.verdict != "AM lower"]
    unmatched = [r.label for r in rows if r.cost_pp is not None and abs(r.cost_pp) > 0.5]
    single = [f"{r.label} ({r.single_attacker})" for r in rows if r.single_attacker is not None]
    sentences = []
    if single:
        sentences.append(
            f"- One attacker only: no JBDA and no adaptive attacker who knows the defence ran in {', '.join(single)}; "
            "the verdict there is not yet against the strongest attacker."
        )
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
    records = glance_records(runs)
    if not records:
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
        *table([row.markdown for row in records]),
        "",
        "What did not hold:",
        "",
        *did_not_hold(records),
        "",
    ]


def table(rows: list[str]) -> list[str]:
    """
    :return: The table's header and rows.
    """
    return [HEADER, "|---|---|---|---|---|---|---|---|---|---|---|", *rows]


def run_glance(name: str, points: list[dict]) -> list[str]:
    """
    :param name: The run's name (its folder).
    :param points: Its points (without the derived 'best' label rows).
    :return: The "at a glance" section of one run's summary: the same table as the published page's, for any number
             of seeds, and what did not hold.
    """
    records = glance_records({name: ({}, points, [])}, min_seeds=1)
    if not records:
        return []
    return [
        "## At a glance",
        "",
        "Each scenario at the tightest budget where AM has a setting on every seed, each defence against its strongest "
        "attacker with its best labels (the published page's table, for this run; one seed gives no interval).",
        "",
        *table([row.markdown for row in records]),
        "",
        *did_not_hold(records),
        "",
    ]
