"""
Write ``docs/results.md`` from the raw points committed under ``results/``: no number on that page is typed by hand.
Each run folder there holds ``points/`` (one JSON per clone), optionally ``overhead/``, and ``RUN.json`` (command,
commit, device, seeds, and what the run shares or substitutes). The page lists the runs, the headline table (every
defence at its operating point inside the 0.5 pp budget, chosen on validation images, reported on test images, over
seeds), the verdicts AM against each baseline and against the ≥ 40 pp target, the overhead verdicts read from
interquartile ranges, and the status of each of the paper's tables and figures.

    python -m benchmarks.results_page            # rewrites docs/results.md
    python -m benchmarks.results_page --check    # exits 1 where docs/results.md differs from what it would write
"""

from __future__ import annotations

import argparse
import glob
import os
import sys

import numpy as np

from art_am.atomic import write_text_atomic
from benchmarks import run_files
from benchmarks.defence_points import AM_VARIANTS, DEFENCE_LABELS, DETECTOR_FAMILIES
from benchmarks.figures import attack_key
from benchmarks.jobs import attack_kind
from benchmarks.report import BUDGET_PP, load_points
from benchmarks.run_facts import (
    am_minus_baseline,
    clone_accuracy,
    cut_at,
    defender_accuracy,
    hellinger,
    jbda_floor,
    quote,
    share_below,
    validation_cost,
)
from benchmarks.selection import (
    BASELINES,
    COMPARED,
    MIN_SEEDS,
    STRONGEST,
    Summary,
    attacker_entries,
    attacker_label,
    ci95,
    has_validation,
    matched_comparison,
    pct,
    per_seed_parameters,
    too_few_seeds,
    verdict,
    with_attacker_best,
    with_strongest_attacker,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "results")
PAGE = os.path.join(ROOT, "docs", "results.md")

CUT_TARGET = 0.40  # issue 3's target: AM inside the budget cuts a threatening clone by at least 40 pp
THREAT = 0.60  # a clone is a threat where the undefended one reaches 60 %
# Overhead targets, by the report's row label (the worst case of each defence): the paper's claim and the project's.
OVERHEAD_TARGETS = [
    ("AM tau=1 (f_hat on every row)", 2.0, "the paper"),
    ("AM tau=1 (f_hat on every row)", 1.6, "issue 3"),
    ("PP-extreme, last layer", 2.5, "issue 4"),
    ("PP-argmax, last layer", 4.0, "issue 4"),
    ("DCP", 1.3, "issue 4"),
]
ADAPTIVE_ATTACKS = {
    "jbda-aware": "JBDA shaping its steps against its own copy of the sign detector",
    "jbda-optimised": "the same, also optimising each step against the copy's gradient",
    "knockoff-adaptive": "KnockoffNets with ART's adaptive policy, a bandit steering queries by the answers",
    "knockoff-bandit": "ART's adaptive policy choosing the queries, the clone then trained on all answers as the "
    "random policy trains it",
    "confident": "the Section 6 attacker, training on the most confident half of its answers",
    "unconfident": "the reverse filter, training on the least confident half, for a defence whose misinformation is "
    "the more confident answer",
    "consistent": "the label-consistency attacker, keeping answers that agree across shifted copies",
}

KNOCKOFF_TINY = "knockoff:tinyimagenet"
# AM's lowest CIFAR-10 threshold: about 5 % of benign test images fall below it, the anchor of the warning.
FIG2_THRESHOLD = 0.3


def _seeds(points: list[dict], scenario: str) -> int:
    return len({p["seed"] for p in points if p["scenario"] == scenario})


def _am_minus(
    points: list[dict], scenario: str, labels: str, baseline: str, drop_pp: float, attack: str = KNOCKOFF_TINY
) -> str:
    """
    :return: AM's clone minus the baseline's within the budget (KnockoffNets on Tiny ImageNet unless ``attack`` says
             otherwise), quoted with its verdict.
    """
    return quote(am_minus_baseline(points, scenario, attack, labels, baseline, drop_pp), "pp", True)


def _cut_and_baselines(
    points: list[dict], scenario: str, attack: str, labels: str, drop_pp: float, baselines: tuple[str, ...]
) -> str:
    """
    :return: within the budget, how far AM cuts the attacker's clone and AM's clone minus each baseline's, with their
             verdicts: the one sentence every dataset's AM-against-baselines comparison is quoted in.
    """
    cut = cut_at(points, scenario, attack, labels, drop_pp)
    if cut is None:
        return "no AM clone to quote (no AM setting fits the budget, or its clones have not run)"
    differences = ", ".join(
        f"minus {DEFENCE_LABELS[baseline]}'s {_am_minus(points, scenario, labels, baseline, drop_pp, attack)}"
        for baseline in baselines
    )
    return f"AM cuts the clone by {quote(cut, 'pp')}, and AM's clone {differences}"


def _jbda_sentence(points: list[dict], scenario: str, drop_pp: float = 5.0) -> str:
    """
    :return: JBDA against AM and the argmax-preserving baselines within the budget, with the attacker's best labels,
             next to the clone that the seed images alone give (JBDA's floor).
    """
    return (
        f"undefended clone {quote(clone_accuracy(points, scenario, 'jbda', 'soft', 'undefended'))} with soft labels, "
        f"{quote(clone_accuracy(points, scenario, 'jbda', 'argmax', 'undefended'))} with argmax labels (the seed "
        f"images alone give {quote(jbda_floor(points, scenario))}); within {drop_pp:g} pp, with the attacker's best "
        "labels, " + _cut_and_baselines(points, scenario, "jbda", "best", drop_pp, ("pp_argmax", "dcp"))
    )


def _cifar_sentences(points: list[dict], run_dir: str) -> dict[str, str]:
    """
    The CIFAR-10 CPU-scale facts quoted by the paper-status table, read off ``results/cifar10-cpu``.
    """
    optimistic, conservative = "cifar10-cpu", "cifar10-cpu-conservative"

    def difference(scenario: str, labels: str, drop_pp: float = 5.0) -> str:
        return _am_minus(points, scenario, labels, "pp_extreme", drop_pp)

    def spread(scenario: str, setting: str) -> str:
        distances = hellinger(run_dir, scenario, "tinyimagenet", setting)
        if distances is None:
            return "not run"
        q25, q50, q75 = np.percentile(distances, [25, 50, 75])
        return f"median {q50:.2f}, quartiles {q25:.2f} to {q75:.2f}"

    def confident(scenario: str, drop_pp: float) -> str:
        baselines = ("pp_extreme", "dcp")
        return f"within {drop_pp:g} pp " + _cut_and_baselines(
            points, scenario, "confident:tinyimagenet", "best", drop_pp, baselines
        )

    def below(scenario: str, source: str) -> str:
        return quote(share_below(run_dir, scenario, source, FIG2_THRESHOLD))

    truthful = hellinger(run_dir, conservative, "tinyimagenet", "am-0.3")
    truthful_share = "not run" if truthful is None else f"{100 * np.mean(truthful < 1e-3):.1f} %"
    return {
        "table1": f"CIFAR-10 at CPU scale (`results/cifar10-cpu`, ResNet-8 trained 5 epochs: "
        f"plain {quote(defender_accuracy(points, optimistic, 'undefended'))}, with outlier exposure on Tiny ImageNet "
        f"{quote(defender_accuracy(points, optimistic, 'oe_only'))}, against the paper's 93.6 %)",
        "fig2": f"CIFAR-10 at CPU scale (`results/cifar10-cpu`, its 'where the queries sit' table), read at AM's "
        f"threshold {FIG2_THRESHOLD:g}: with optimistic outliers (Tiny ImageNet classes disjoint from the queries'), "
        f"{below(optimistic, 'benign')} of benign test images have a lower MSP, against "
        f"{below(optimistic, 'tinyimagenet')} of KnockoffNets queries and {below(optimistic, 'jbda')} of JBDA's seeds "
        "and synthetic queries: the paper's picture, unlike MNIST's JBDA queries (the quick preset's table). With "
        f"conservative outliers (characters): benign {below(conservative, 'benign')}, KnockoffNets "
        f"{below(conservative, 'tinyimagenet')}, JBDA {below(conservative, 'jbda')}. "
        "KnockoffNets queries then mostly sit among the benign images and JBDA's are as confident as them: the paper's "
        "picture depends on outliers that resemble the queries, and so does AM's hold on JBDA (the Fig. 4b row).",
        "fig4a": "CIFAR-10 at CPU scale: outlier exposure, which AM needs, alone costs "
        f"{quote(validation_cost(points, optimistic, 'oe_only'), 'pp')} of validation accuracy with optimistic "
        f"outliers and {quote(validation_cost(points, conservative, 'oe_only'), 'pp')} with conservative ones, more "
        "than the 0.5 pp budget. "
        "Within 5 pp, AM's KnockoffNets clone minus PP-MAD's, test accuracy, with optimistic outliers: soft labels "
        f"{difference(optimistic, 'soft')}, argmax labels {difference(optimistic, 'argmax')}; with conservative "
        f"outliers: soft labels {difference(conservative, 'soft')}, argmax labels "
        f"{difference(conservative, 'argmax')}; within 10 pp (outlier exposure on characters costs more than 5 pp "
        f"on some seeds), soft labels {difference(conservative, 'soft', 10.0)}, argmax labels "
        f"{difference(conservative, 'argmax', 10.0)}, the attacker's best labels "
        f"{difference(conservative, 'best', 10.0)}. Against each defence's strongest attacker, chosen per seed on "
        "validation clones among every attacker that ran against its setting (KnockoffNets, JBDA and, against the "
        "undefended model, AM 0.3, PP-MAD 0.5 and DCP 1, the confidence filter; against the undefended model and AM "
        "0.3, the reverse filter `unconfident`), within 5 pp with optimistic outliers "
        f"{_cut_and_baselines(points, optimistic, STRONGEST, 'best', 5.0, BASELINES)}. Every baseline and budget: "
        "`docs/results.md`'s wider-budget table and `docs/benchmark_cifar10-cpu.md`.",
        "section6": "CIFAR-10 at CPU scale, the confidence-filtering attacker with its best labels (soft or top-1, "
        "chosen per seed on validation images): with optimistic "
        f"outliers {confident(optimistic, 5.0)}; with conservative outliers (on characters, outlier exposure costs "
        f"more than 5 pp on some seeds) {confident(conservative, 10.0)}",
        "fig4b": f"CIFAR-10 at CPU scale (150 seeds, 3 rounds of 5 epochs), optimistic outliers: "
        f"{_jbda_sentence(points, optimistic)}; conservative outliers (outlier exposure on characters costs more "
        f"than 5 pp on some seeds, so the budget is 10 pp): {_jbda_sentence(points, conservative, 10.0)}",
        "fig5": "CIFAR-10 at CPU scale, seed 0, AM at tau 0.3 (defender "
        f"{quote(defender_accuracy(points, optimistic, 'am', 0.3))} optimistic, "
        f"{quote(defender_accuracy(points, conservative, 'am', 0.3))} conservative) against PP-MAD at epsilon 0.5 "
        f"({quote(defender_accuracy(points, optimistic, 'pp_extreme', 0.5))}), the nearest defender accuracies the "
        "sweeps offer, not matched. Hellinger distance between the truthful and the served answer of the KnockoffNets "
        f"queries, optimistic outliers: AM {spread(optimistic, 'am-0.3')}, PP {spread(optimistic, 'pp_extreme-0.5')}: "
        "AM's answers lie farther from the truth, the paper's picture. Conservative outliers: AM answers "
        f"{truthful_share} of the queries truthfully (distance below 0.001), the opposite of the paper's picture.",
    }


def _flowers_sentences(points: list[dict]) -> dict[str, str]:
    """
    The Flowers-17 CPU-scale facts quoted by the paper-status table, read off ``results/flowers17-cpu``.
    """
    scenario, attack = "flowers17-cpu", KNOCKOFF_TINY

    def clone(defence: str, labels: str, parameter: float | None = None) -> str:
        return quote(clone_accuracy(points, scenario, attack, labels, defence, parameter))

    pretrained = "flowers17-cpu-pretrained"
    return {
        "table1": f"Flowers-17 at CPU scale (`results/flowers17-cpu`, ResNet-8 from scratch, no ImageNet weights, on "
        "the 119 test images the benchmark reports on: plain "
        f"{quote(defender_accuracy(points, scenario, 'undefended'))}, with outlier exposure "
        f"{quote(defender_accuracy(points, scenario, 'oe_only'))}; started from a ResNet-8 pretrained on 20k Tiny "
        f"ImageNet images in place of ImageNet (scenario `{pretrained}`): plain "
        f"{quote(defender_accuracy(points, pretrained, 'undefended'))}, with outlier exposure "
        f"{quote(defender_accuracy(points, pretrained, 'oe_only'))}; against the paper's 98.2 %; every comparison "
        "below uses the models trained from scratch unless it names that scenario)",
        "fig4b": f"Flowers-17 at CPU scale (34 seeds, 3 rounds of 5 epochs): {_jbda_sentence(points, scenario)}",
        "fig4a": "Flowers-17 at CPU scale (from scratch; the defender is unconfident on benign images, so AM's "
        "thresholds reach down to 0.15 and PP-MAD's budgets down to 0.1; one validation image is 0.84 pp, so the "
        "0.5 pp budget admits no extra error): within 0.5 pp AM cuts the soft-label KnockoffNets clone (undefended "
        f"{clone('undefended', 'soft')}) by {quote(cut_at(points, scenario, attack, 'soft', 0.5), 'pp')}, on the "
        "seeds where it has a setting. Within 5 pp, with soft labels, "
        f"{_cut_and_baselines(points, scenario, attack, 'soft', 5.0, BASELINES)}. Argmax labels undo the "
        f"argmax-preserving defences: DCP's argmax-label clone is {clone('dcp', 'argmax', 1.0)} and PP-argmax's "
        f"{clone('pp_argmax', 'argmax', 2.0)}, against AM's soft-label clones of {clone('am', 'soft', 0.15)} "
        f"(tau 0.15), {clone('am', 'soft', 0.2)} (tau 0.2) and {clone('am', 'soft', 0.25)} (tau 0.25); "
        f"with the attacker's best labels {_cut_and_baselines(points, scenario, attack, 'best', 5.0, BASELINES)} "
        "(`docs/benchmark_flowers17-cpu.md`). Started from the Tiny ImageNet model (scenario "
        f"`{pretrained}`, {_seeds(points, pretrained)} seed{'s' * (_seeds(points, pretrained) != 1)}; undefended "
        f"clone {quote(clone_accuracy(points, pretrained, attack, 'soft', 'undefended'))}): within 5 pp, with soft "
        f"labels, {_cut_and_baselines(points, pretrained, attack, 'soft', 5.0, BASELINES)}; with the attacker's best "
        f"labels, {_cut_and_baselines(points, pretrained, attack, 'best', 5.0, BASELINES)}. Against each defence's "
        "strongest attacker, chosen per seed on validation clones among every attacker that ran against its setting "
        "(from scratch: KnockoffNets and JBDA; pretrained: also the truth-filtering attackers `confident` and "
        "`unconfident`, against the undefended model and AM only, so that the baselines' strongest is a lower "
        "bound), within 5 pp: from scratch "
        f"{_cut_and_baselines(points, scenario, STRONGEST, 'best', 5.0, BASELINES)}; pretrained "
        f"{_cut_and_baselines(points, pretrained, STRONGEST, 'best', 5.0, BASELINES)}.",
    }


def paper_status(
    runs: dict[str, tuple[dict, list[dict], list[dict]]], results_dir: str = RESULTS
) -> list[tuple[str, str, str]]:
    """
    :return: ``(paper's table or figure, status, deviation and reason)`` rows, with the numbers of the CPU-scale
             CIFAR-10 and Flowers-17 runs read off their points.
    """
    cifar = (
        _cifar_sentences(runs["cifar10-cpu"][1], os.path.join(results_dir, "cifar10-cpu"))
        if ("cifar10-cpu" in runs)
        else {
            key: "CIFAR-10 at CPU scale has not run."
            for key in ("table1", "fig2", "fig4a", "fig4b", "fig5", "section6")
        }
    )
    flowers = (
        _flowers_sentences(runs["flowers17-cpu"][1])
        if "flowers17-cpu" in runs
        else {key: "Flowers-17 at CPU scale has not run" for key in ("table1", "fig4a", "fig4b")}
    )
    return [
        (
            "Table 1: defender accuracies (MNIST, Fashion-MNIST, CIFAR-10, Flowers-17)",
            "partly",
            "MNIST on the embedded 6,000-image subset (quick) and Fashion-MNIST on 12,000 of its training images "
            "(quick-fashion), LeNet, undefended defender rows above; the full-data paper preset has no committed "
            f"multi-seed run; {cifar['table1']}; {flowers['table1']}. The GPU preset has not run (issue 17).",
        ),
        (
            "Fig. 2: MSP CDF of benign, KnockoffNets and JBDA queries (CIFAR-10)",
            "partly",
            f"{cifar['fig2']} The 5-epoch ResNet-8 is less confident on benign images than the paper's ResNet-18.",
        ),
        (
            "Fig. 4a: KnockoffNets trade-off",
            "partly",
            "Quick presets (embedded MNIST defender with 5,000 Fashion-MNIST queries; Fashion-MNIST defender with "
            "5,000 MNIST queries; instead of 50k EMNIST(-Letters) queries, 12 clone epochs), three or more seeds; the "
            f"paper preset's earlier one-seed curves are withdrawn (below). {cifar['fig4a']} {flowers['fig4a']}",
        ),
        (
            "Fig. 4b: JBDA trade-off",
            "partly",
            "Quick presets (150 seeds, 4 rounds of 5 epochs instead of 6 of 10), three or more seeds, with the "
            f"seeds-only floor. {cifar['fig4b']}. {flowers['fig4b']}.",
        ),
        (
            "Fig. 5: Hellinger distance of served answers, AM vs PP at matched defender accuracy",
            "partly",
            f"Quick presets, seed 0, MNIST and Fashion-MNIST; and {cifar['fig5']}",
        ),
        (
            "Overhead: AM costs less than 2x the undefended model",
            "see the overhead verdicts",
            "Measured on LeNet-5 on a shared 2-core CPU, not on the paper's GPU ResNet-18.",
        ),
        (
            "Section 6: an attacker who tells misinformation apart, and the confidence-matching countermeasure",
            "partly",
            "Measured by the clone, not the distinguisher: the confidence-filtering attacker (`confident:`) against AM "
            "with and without confidence matching, in the strongest-attacker table of the quick presets; "
            f"{cifar['section6']}.",
        ),
    ]


def not_run(runs: dict[str, tuple[dict, list[dict], list[dict]]]) -> list[str]:
    """
    :return: What has not run yet, with the seeds each CPU-scale run of issue 17 holds per scenario.
    """
    held = "; ".join(
        f"{scenario}: {_seeds(points, scenario)} seed{'s' * (_seeds(points, scenario) != 1)}"
        for name in ("cifar10-cpu", "flowers17-cpu")
        if name in runs
        for points in [runs[name][1]]
        for scenario in sorted({p["scenario"] for p in points})
    )
    flowers = runs["flowers17-cpu"][1] if "flowers17-cpu" in runs else []
    cifar = runs["cifar10-cpu"][1] if "cifar10-cpu" in runs else []
    missing = [
        what
        for what, held in (
            ("JBDA on Flowers-17", any(p["attack"] == "jbda" for p in flowers)),
            (
                "JBDA on CIFAR-10 with conservative outliers",
                any(p["attack"] == "jbda" and p["scenario"].endswith("-conservative") for p in cifar),
            ),
            (
                "the pretrained Flowers-17 scenario's defended clones",
                any(
                    p["scenario"].endswith("-pretrained") and p["defence"] not in ("undefended", "oe_only")
                    for p in flowers
                ),
            ),
        )
        if not held
    ]
    return [
        "The paper preset (full MNIST and Fashion-MNIST, 50k KnockoffNets queries, 50 clone epochs) over three seeds: "
        "about 230 clones per seed, beyond this 2-core machine in a session; no GPU session since the first.",
        "CIFAR-10 at the paper's scale (gpu preset) and Flowers-17 on the GPU, the paper's headline (issue 17): the "
        "presets, the device script and its data packing (`scripts/pack_device_data.py --task cifar10|flowers17`) "
        f"exist, and no GPU was lent. At CPU scale the runs hold ({held or 'nothing'}); the sweeps of seeds after the "
        "first are partial (see each run's commands)"
        + (f"; {' and '.join(missing)} have not run." if missing else "."),
    ]


WITHDRAWN = (
    "Withdrawn on 2026-12-02 (issue 15), kept in git history at commit `e85d261`: the hand-typed results page of the "
    "earlier sessions, `benchmark_paper.md` (one seed, GPU- and CPU-trained points mixed, MAD-argmax rows measured "
    "with the issue-13 tie bug) and `benchmark_ood_scores.md`. Their raw points were never committed, so none of "
    "their numbers can be rebuilt or checked here, and their operating points were read off the test images that "
    "reported them. Nothing below depends on them."
)


def load_runs(results_dir: str = RESULTS) -> dict[str, tuple[dict, list[dict], list[dict]]]:
    """
    :return: ``{name: (RUN.json, points, overhead tables)}`` for every run folder under ``results_dir``.
    """
    runs = {}
    for run_file in sorted(glob.glob(os.path.join(results_dir, "*", "RUN.json"))):
        folder = os.path.dirname(run_file)
        description = run_files.read_run_description(run_file)
        overheads = run_files.load_json_files(
            os.path.join(glob.escape(folder), "overhead", "*.json"), "an overhead table"
        )
        runs[os.path.basename(folder)] = (description, load_points(folder), overheads)
    return runs


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


def overhead_verdict(row: dict, target: float) -> str:
    """
    :return: ``met`` where the interquartile range of the per-round ratios lies at or below the target, ``missed``
             where it lies above, ``undecided`` where it contains it.
    """
    if row["ratio_q75"] <= target:
        return "met"
    if row["ratio_q25"] > target:
        return "missed"
    return "undecided (range contains the target)"


def _run_lines(name: str, description: dict, points: list[dict]) -> list[str]:
    seeds = sorted({p["seed"] for p in points})
    commands = description.get("commands") or [description.get("command", "")]
    lines = [
        f"### `results/{name}` — [generated tables](benchmark_{name}.md)",
        "",
        f"- points: {len(points)}, seeds: {', '.join(map(str, seeds))}; operating points "
        + ("chosen on validation images" if has_validation(points) else "**not chosen** (saved before the split)"),
        f"- device: {description.get('device', 'not recorded')}; commit: {description.get('commit', 'not recorded')}",
    ]
    lines += [f"- command: `{command}`" for command in commands]
    for key in ("shared_across_seeds", "substitutions", "note", "overhead"):
        if key in description:
            lines.append(f"- {key.replace('_', ' ')}: {description[key]}")
    return lines + [""]


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
                f"{pct(difference)} | {ci95(difference)} | {verdict(difference)} |"
            )
    lines += [
        "",
        f"AM against each baseline at the same {BUDGET_PP:g} pp budget: AM's clone minus the baseline's, paired by "
        "seed (negative: AM defends better); the verdict reads the 95 % interval.",
        "",
        "| attack | labels | AM variant | baseline | difference (pp) | 95 % | verdict |",
        "|---|---|---|---|---|---|---|",
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
    attacks = sorted({e["attack"] for e in entries}, key=attack_key)
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


def _did_not_hold_lines(points: list[dict], comparison: list[dict]) -> list[str]:
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
    return lines or ["- Nothing: every check above holds."]


def _overhead_lines(name: str, overheads: list[dict]) -> list[str]:
    lines = []
    for overhead in overheads:
        lines += [
            f"`results/{name}`, {overhead['scenario']} ({overhead['device']}, batch {overhead['batch_size']}, "
            f"{overhead['torch_threads']} threads, {overhead['repeats']} interleaved repeats):",
            "",
            "| defence (worst case) | median × undefended | interquartile range | target | verdict |",
            "|---|---|---|---|---|",
        ]
        rows = {row["defence"]: row for row in overhead["rows"] if "ratio_q25" in row}
        for label, target, source in OVERHEAD_TARGETS:
            if label in rows:
                row = rows[label]
                lines.append(
                    f"| {label} | {row['ratio']:.2f} | {row['ratio_q25']:.2f}–{row['ratio_q75']:.2f} | "
                    f"≤ {target:g}× ({source}) | {overhead_verdict(row, target)} |"
                )
        lines.append("")
    return lines


def _attacker_sentence(runs: dict[str, tuple[dict, list[dict], list[dict]]]) -> str:
    kinds = {attack_kind(p["attack"]) for _, points, _ in runs.values() for p in points}
    adaptive = [f"`{kind}` ({text})" for kind, text in ADAPTIVE_ATTACKS.items() if kind in kinds]
    if not adaptive:
        return "Every attacker below is non-adaptive: no defence result here has faced an attacker who knows it."
    return (
        "Besides KnockoffNets and JBDA, adaptive attackers who know the defence's code ran (issue 16): "
        + "; ".join(adaptive)
        + ". A defence result counts only against the best of them."
    )


JBDA_ATTACKS = ("jbda", "jbda-aware", "jbda-optimised")


def _detector_evasion_lines(comparison: list[dict]) -> list[str]:
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
                    attack_key(entry["attack"]),
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


# Budgets of the table of what a larger defender cost buys against the JBDA attackers.
LARGER_BUDGETS_PP = (0.5, 1.0, 2.0, 3.0)


def _larger_budget_lines(points: list[dict]) -> list[str]:
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
            key = (attack_key(entry["attack"]), AM_VARIANTS.index(defence), entry["attack"], defence)
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


def _wider_budget_lines(points: list[dict]) -> list[str]:
    """
    AM against each baseline when the defender may lose more than the 0.5 pp budget, for the AM variants that lack a
    setting inside 0.5 pp on at least one seed (outlier exposure alone can cost more), so that the headline's
    comparison of them rests on fewer seeds than the run holds, or on none: AM's cut of the same attacker's undefended
    clone, and the per-seed difference of the clones at the operating points chosen on validation images within each
    budget, with its verdict. AM with a detector against JBDA has its own table (:func:`_larger_budget_lines`).
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
                cells.setdefault((attack_key(entry["attack"]), *key, variant, ""), {})[
                    entry["drop_pp"]
                ] = f"cut {pct(cut)} {ci95(cut)}"
        for (variant, baseline), difference in entry["differences"].items():
            if (*key, variant) not in without:
                continue
            cells.setdefault((attack_key(entry["attack"]), *key, variant, baseline), {})[
                entry["drop_pp"]
            ] = f"{pct(difference)} {ci95(difference)}: {verdict(difference)}"
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


def _strongest_attacker_budget_lines(points: list[dict]) -> list[str]:
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
            cells.setdefault((2, COMPARED.index(variant), BASELINES.index(baseline), variant, baseline), {})[
                budget
            ] = f"{pct(difference)} {ci95(difference)}: {verdict(difference)}"
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


def _headline_sections(where: str, description: dict, points: list[dict]) -> list[str]:
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
    evasion = _detector_evasion_lines(comparison)
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
    larger = _larger_budget_lines(points)
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
    wider = _wider_budget_lines(points)
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
    strongest = _strongest_attacker_budget_lines(points)
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
    lines += [f"### What did not hold ({where})", ""] + _did_not_hold_lines(points, comparison) + [""]
    return lines


def render(runs: dict[str, tuple[dict, list[dict], list[dict]]]) -> str:
    """
    :return: The markdown of ``docs/results.md`` for the given runs.
    """
    lines = [
        "# Results",
        "",
        "Generated by `python -m benchmarks.results_page` from the raw points committed under `results/`; do not edit "
        "(`tests/test_published_results.py` checks that this page equals the generator's output). Rules: a claim rests "
        "on at least three seeds with every model retrained per seed, mean ± sample std and a 95 % Student-t "
        "interval; operating points are chosen on validation images and reported on separate test images; a verdict "
        "reads intervals, not single numbers. " + _attacker_sentence(runs),
        "",
        "## Runs",
        "",
    ]
    for name, (description, points, _) in runs.items():
        lines += _run_lines(name, description, points)
    for name, (description, points, _) in runs.items():
        scenarios = sorted({p["scenario"] for p in points})
        for scenario in scenarios:
            mine = [p for p in points if p["scenario"] == scenario]
            if not (has_validation(mine) and len({p["seed"] for p in mine}) >= 3):
                continue
            # a run of several scenarios gets one set of sections per scenario: their tables share attack names
            where = f"`results/{name}`" + (f", scenario `{scenario}`" if len(scenarios) > 1 else "")
            lines += _headline_sections(where, description, mine)
    lines += ["## Overhead", ""]
    for name, (_, _, overheads) in runs.items():
        lines += _overhead_lines(name, overheads)
    lines += [
        "## The paper's tables and figures",
        "",
        "| paper | status | deviation and reason |",
        "|---|---|---|",
    ]
    lines += [f"| {item} | {status} | {reason} |" for item, status, reason in paper_status(runs)]
    lines += ["", "## Not run yet", ""] + [f"- {item}" for item in not_run(runs)]
    lines += ["", "## Withdrawn", "", WITHDRAWN]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare docs/results.md with what would be written")
    args = parser.parse_args(argv)
    try:
        text = render(load_runs())
    except run_files.RunFileError as error:  # named file, one line; the page is left as it is
        print(f"benchmarks.results_page: error: {error}", file=sys.stderr)
        return 2
    if args.check:
        with open(PAGE, encoding="utf-8") as stream:
            same = stream.read() == text
        print(
            "docs/results.md is up to date"
            if same
            else "docs/results.md differs: run python -m benchmarks.results_page"
        )
        return 0 if same else 1
    write_text_atomic(PAGE, text)
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
