"""
The sections of a run page, per scenario: the headline table at the 0.5 pp budget, AM against each baseline, the
strongest-attacker table, how JBDA gets through AM, and what did not hold.
"""

from __future__ import annotations

from benchmarks.attack_registry import figure_key
from benchmarks.budget_tables import (
    JBDA_ATTACKS,
    larger_budget_lines,
    strongest_attacker_budget_lines,
    wider_budget_lines,
)
from benchmarks.registry import AM_VARIANTS, DEFENCE_LABELS
from benchmarks.selection import (
    BUDGET_PP,
    MIN_SEEDS,
    Summary,
    attacker_entries,
    attacker_label,
    ci95,
    cost_text,
    matched_comparison,
    pct,
    per_seed_parameters,
    too_few_seeds,
    verdict,
    with_attacker_best,
)

CUT_TARGET = 0.40  # the project's first target: AM inside the budget cuts a threatening clone by at least 40 pp


THREAT = 0.60  # a clone is a threat where the undefended one reaches 60 %


def cut_verdict(undefended_clone: Summary, cut: Summary | None) -> str:
    """
    :return: The ≥ 40 pp target read from the interval of the mean cut: ``met`` where its lower end reaches 40 pp,
             ``missed`` where its upper end stays below, ``undecided`` where it spans 40 pp.
    """
    if undefended_clone.mean < THREAT:
        return "no threat (undefended clone < 60 %)"
    if cut is None:
        return "no setting inside the budget"
    interval = cut.interval
    if cut.n < MIN_SEEDS or interval is None:
        return too_few_seeds(cut.n)
    if interval[0] >= CUT_TARGET:
        return "met"
    if interval[1] < CUT_TARGET:
        return "missed"
    return "undecided (interval spans 40 pp)"


def _headline_lines(comparison: list[dict]) -> list[str]:
    lines = [
        "| attack | labels | defence | parameter per seed | defender (test) | clone (test) | clone 95 % | cut (pp) "
        "| cut 95 % | ≥ 40 pp target |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for entry in (e for e in comparison if e["labels"] in ("soft", "argmax", "best")):
        head = f"| {entry['attack']} | {entry['labels']} |"
        lines.append(
            f"{head} undefended | | {pct(entry['undefended_defender'])} | {pct(entry['undefended_clone'])} | "
            f"{ci95(entry['undefended_clone'])} | | | |"
        )
        for defence, chosen in entry["defences"].items():
            parameters = per_seed_parameters(chosen["parameters"])
            target = cut_verdict(entry["undefended_clone"], chosen["cut"]) if defence in AM_VARIANTS else ""
            lines.append(
                f"{head} {DEFENCE_LABELS[defence]} | {parameters} | {pct(chosen['defender'])} | "
                f"{pct(chosen['clone'])} | {ci95(chosen['clone'])} | {pct(chosen['cut'])} | "
                f"{ci95(chosen['cut'])} | {target} |"
            )
        for (variant, baseline), difference in entry["differences"].items():
            verdicts.append(
                f"| {entry['attack']} | {entry['labels']} | {DEFENCE_LABELS[variant]} | {DEFENCE_LABELS[baseline]} | "
                f"{pct(difference)} | {ci95(difference)} | {verdict(difference)} | "
                f"{cost_text(entry['cost_differences'][(variant, baseline)])} |"
            )
    lines += [
        "",
        f"AM against each baseline at the same {BUDGET_PP:g} pp budget: AM's clone minus the baseline's, paired by "
        "seed (negative: AM defends better); the verdict reads the 95 % interval; beside it, AM's defender cost minus "
        "the baseline's (test, pp, positive: AM's defender loses more).",
        "",
        "| attack | labels | AM variant | baseline | difference (pp) | 95 % | verdict "
        "| defender cost AM − baseline (pp) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    return lines + verdicts


def _strongest_attacker_lines(comparison: list[dict]) -> list[str]:
    """
    The clone each attacker gets from each defence at its 0.5 pp operating point, with the label mode the attacker
    would pick ('best'; argmax where it ran nothing else), and the strongest attacker per defence: the result a
    defence is judged by.
    """
    entries = attacker_entries(comparison)
    if not entries:
        return []
    attacks = sorted({e["attack"] for e in entries}, key=figure_key)
    by_attack = {e["attack"]: e for e in entries}
    titles = [attacker_label(by_attack[a]) for a in attacks]
    defences = ["undefended"] + list(dict.fromkeys(d for e in entries for d in e["defences"]))
    lines = [
        "| defence | " + " | ".join(titles) + " | strongest attacker | its clone | cut (pp) vs undefended, same "
        "attacker | cut 95 % | ≥ 40 pp target |",
        "|---|" + "---|" * len(attacks) + "---|---|---|---|---|",
    ]
    for defence in defences:
        clones = {}
        for attack in attacks:
            entry = by_attack[attack]
            if defence == "undefended":
                clones[attack] = entry["undefended_clone"]
            elif defence in entry["defences"]:
                clones[attack] = entry["defences"][defence]["clone"]
        measured = {a: c for a, c in clones.items() if c is not None}
        cells = [pct(clones.get(a)) for a in attacks]
        if not measured:
            lines.append(f"| {DEFENCE_LABELS[defence]} | " + " | ".join(cells) + " | – | – | | | |")
            continue
        strongest = max(measured, key=lambda a: measured[a].mean)
        tail = " | | |"
        if defence != "undefended":
            entry = by_attack[strongest]
            cut = entry["defences"][defence]["cut"]
            target = cut_verdict(entry["undefended_clone"], cut) if defence in AM_VARIANTS else ""
            tail = f" {pct(cut)} | {ci95(cut)} | {target} |"
        lines.append(
            f"| {DEFENCE_LABELS[defence]} | "
            + " | ".join(cells)
            + f" | {strongest} | {pct(measured[strongest])} |"
            + tail
        )
    return lines


def did_not_hold_lines(points: list[dict], comparison: list[dict]) -> list[str]:
    """
    What did not hold, read off the same selection: AM variants without a setting inside the budget on some seeds
    (and whether outlier exposure alone already cost more), verdicts where a baseline beat AM, and threatening attacks
    that no AM variant cut by 40 pp with confidence.
    """
    lines = []
    budget = BUDGET_PP / 100.0
    runs = sorted({(p["scenario"], p["seed"]) for p in points})
    scenarios = {scenario for scenario, _ in runs}
    for scenario, seed in runs:
        # the undefended and OE-only defenders of one (scenario, seed): each scenario trains its own OE model
        mine = [p for p in points if p["scenario"] == scenario and p["seed"] == seed]
        undefended = [p for p in mine if p["defence"] == "undefended"]
        oe_only = [p for p in mine if p["defence"] == "oe_only"]
        if undefended and oe_only:
            if oe_only[0]["defender_accuracy_validation"] < undefended[0]["defender_accuracy_validation"] - budget:
                where = f"{scenario}, seed {seed}" if len(scenarios) > 1 else f"Seed {seed}"
                lines.append(
                    f"- {where}: outlier exposure alone (OE only) costs more than {BUDGET_PP:g} pp of validation "
                    "accuracy, so no AM setting is inside the budget on that seed; AM's rows summarise the other "
                    "seeds only."
                )
    for entry in comparison:
        for (variant, baseline), difference in entry["differences"].items():
            if verdict(difference) == "AM higher":
                lines.append(
                    f"- {entry['attack']}, {entry['labels']} labels: {DEFENCE_LABELS[baseline]} leaves a lower clone "
                    f"than {DEFENCE_LABELS[variant]} ({pct(difference)} pp, 95 % {ci95(difference)})."
                )
        if entry["labels"] != "best" or entry["undefended_clone"].mean < THREAT:
            continue
        verdicts = {
            v: cut_verdict(entry["undefended_clone"], entry["defences"][v]["cut"])
            for v in AM_VARIANTS
            if v in entry["defences"]
        }
        if verdicts and "met" not in verdicts.values():
            detail = "; ".join(f"{DEFENCE_LABELS[v]}: {text}" for v, text in verdicts.items())
            lines.append(f"- {entry['attack']} (best labels): no AM variant meets the 40 pp target ({detail}).")
    attacks = sorted({p["attack"] for p in points})
    if len(attacks) == 1:
        lines.append(
            f"- Only {attacks[0]} ran: no JBDA and no adaptive attacker who knows the defence, so no result here is "
            "yet against the strongest attacker."
        )
    return lines or ["- Nothing: every check above holds."]


def detector_evasion_lines(comparison: list[dict]) -> list[str]:
    """
    Why a JBDA attacker gets through AM: the share of its queries AM answers with misinformation at the operating
    point (soft labels), beside the clone it trains.
    """
    rows = []
    for entry in comparison:
        if entry["attack"] not in JBDA_ATTACKS or entry["labels"] != "soft":
            continue
        for defence in AM_VARIANTS:
            found = entry["defences"].get(defence)
            if found is None or found["misinformation"] is None:
                continue
            rows.append(
                (
                    figure_key(entry["attack"]),
                    AM_VARIANTS.index(defence),
                    f"| {entry['attack']} | {DEFENCE_LABELS[defence]} | {per_seed_parameters(found['parameters'])} | "
                    f"{pct(found['misinformation'])} | {pct(entry['undefended_clone'])} | {pct(found['clone'])} | "
                    f"{pct(found['cut'])} |",
                )
            )
    if not rows:
        return []
    return [
        "| attack | defence | parameter per seed | queries answered with misinformation (%) | undefended clone | "
        "clone | cut (pp) |",
        "|---|---|---|---|---|---|---|",
    ] + [row for *_, row in sorted(rows)]


def headline_sections(where: str, description: dict, points: list[dict]) -> list[str]:
    """
    :param where: The run, and the scenario where the run holds several, as markdown.
    :param points: The points of one scenario, with validation accuracies, on at least three seeds.
    :return: The headline table at the 0.5 pp budget and the sections that read the same selection.
    """
    points = with_attacker_best(points)
    lines: list[str] = []
    lines += [
        f"## Headline: every defence inside a {BUDGET_PP:g} pp budget ({where})",
        "",
        f"Per seed, each defence's strongest setting whose defender accuracy on the validation images is at most "
        f"{BUDGET_PP:g} pp below the undefended model's, among every setting measured on the seed ('not run': "
        "this attack did not run it, and the seed is left out of the row); defender and clone accuracy on the test "
        "images, in %; "
        "cut = undefended clone − defended clone, paired by seed; 'best' = the label mode whose clone is better on "
        "the validation images, per seed. " + description.get("substitutions", ""),
        "",
    ]
    # every table of this run reads the same selection: the operating points inside the budget, per seed
    comparison = matched_comparison(points, (BUDGET_PP,))
    lines += _headline_lines(comparison) + [""]
    strongest = _strongest_attacker_lines(comparison)
    if strongest:
        lines += (
            [
                f"### Against the strongest attacker ({where})",
                "",
                "Clone accuracy (test, %) each attacker reaches against each defence at its operating point, with "
                "the label mode it would pick on validation images (argmax where it ran nothing else); a defence "
                "is judged by its strongest attacker, and the cut compares it with the same attacker against the "
                "undefended model.",
                "",
            ]
            + strongest
            + [""]
        )
    evasion = detector_evasion_lines(comparison)
    if evasion:
        lines += (
            [
                f"### How the JBDA attackers get through AM ({where})",
                "",
                "The share of each JBDA attacker's queries (seeds included) that AM answers with misinformation at "
                "its operating point, soft labels, with the clone it trains (test, %). JBDA's seeds are clean "
                "images, answered truthfully; its synthetic queries are what a detector can flag. The "
                "detector-aware attackers shape theirs against their own copy of the detector, trained on their "
                "seed images: the smaller the share they leave, the closer their clone stays to the undefended "
                "one.",
                "",
            ]
            + evasion
            + [""]
        )
    larger = larger_budget_lines(points)
    if larger:
        lines += (
            [
                f"### What a larger defender cost buys against JBDA ({where})",
                "",
                "The cut of each JBDA attacker's clone (soft labels, mean ± std over seeds) by AM with a detector, "
                "with the operating point chosen on validation images within each budget of defender accuracy "
                "instead of 0.5 pp, among every setting measured on the seed; a seed on which the attacker did "
                "not run the chosen setting is left out ('not run').",
                "",
            ]
            + larger
            + [""]
        )
    wider = wider_budget_lines(points)
    if wider:
        lines += (
            [
                f"### Where AM lacks a setting inside {BUDGET_PP:g} pp on some seed: wider budgets ({where})",
                "",
                "Per attack and AM variant, first AM's cut (the same attacker's undefended clone minus AM's), then "
                "AM's clone minus each baseline's (negative: AM defends better, with the verdict); test accuracy, pp, "
                "mean ± std [95 % interval], paired by seed, with every defence's operating point chosen on "
                f"validation images within each budget of defender accuracy instead of {BUDGET_PP:g} pp. Only the AM "
                f"variants with no setting inside {BUDGET_PP:g} pp on any seed of the attack; a '–' cell: no seed "
                "with an operating point.",
                "",
            ]
            + wider
            + [""]
        )
    strongest = strongest_attacker_budget_lines(points)
    if strongest:
        lines += (
            [
                f"### Each defence against its strongest attacker, per seed ({where})",
                "",
                "Per seed, the operating point of each defence chosen on validation images within each budget, and "
                "the attacker that gets the most out of it: among every attacker that ran against that setting, "
                "each with its own label choice, the one whose clone is the most accurate on the validation images "
                "(named per seed, with the label mode it kept). Clone accuracy on the test images, %; the cut "
                "compares with the strongest attacker of the undefended model; AM's clone minus each baseline's, "
                "paired by seed (negative: AM defends better). An attacker that did not run against a setting takes "
                "no part in its strongest: where the adaptive attackers ran against the undefended model and AM "
                "only, a baseline's strongest is a lower bound and AM's differences from it are conservative for AM. "
                "A setting that one of the paper's attacks (KnockoffNets, JBDA) did not run counts as 'not run'.",
                "",
            ]
            + strongest
            + [""]
        )
    lines += [f"### What did not hold ({where})", ""] + did_not_hold_lines(points, comparison) + [""]
    return lines
