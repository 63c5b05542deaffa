"""
The report of a benchmark run, rebuilt from its saved points alone: ``results.json`` and ``results.csv`` (every point),
``summary.md`` (operating points chosen on validation images and reported on test images, over seeds, with 95 %
intervals; AM against the baselines at matched defender accuracy; every setting; overhead) and the figures of
``benchmarks.figures``.
"""

from __future__ import annotations

import csv
import glob
import io
import os
from collections import defaultdict

import numpy as np

from art_am.atomic import write_json_atomic, write_text_atomic
from benchmarks import run_files
from benchmarks.budget_tables import GRID_TOLERANCE_PP, grid_coverage_lines, operating_point_budget_lines
from benchmarks.figures import query_set, write_figures
from benchmarks.glance import run_glance
from benchmarks.registry import DEFENCE_LABELS
from benchmarks.selection import (
    BUDGET_PP,
    SWEEP_FIELD,
    Summary,
    by_experiment,
    ci95,
    cost_text,
    has_validation,
    matched_comparison,
    pct,
    per_seed_parameters,
    verdict,
    with_attacker_best,
    with_sweeps,
)

DROPS_PP = (0.0, 0.5, 1.0, 2.0, 5.0)
FIELDS = [
    "scenario", "seed", "attack", "labels", "defence", "parameter", "defender_accuracy",
    "defender_accuracy_validation", "clone_accuracy", "clone_accuracy_validation", "clone_fidelity",
    "seeds_only_clone_accuracy", "queries", "seconds", "misinformation_rate", "commit", "device",
]  # fmt: skip
METRICS = ("defender_accuracy", "defender_accuracy_validation", "clone_accuracy", "clone_fidelity")


def load_points(run_dir: str) -> list[dict]:
    """
    :return: Every saved point of the run, checked (:mod:`benchmarks.run_files`).
    :raises RunFileError: If the folder is missing or a point is damaged (the message names the file).
    """
    return with_sweeps(run_files.load_points(run_dir, DEFENCE_LABELS), run_files.load_sweeps(run_dir, DEFENCE_LABELS))


def aggregate(points: list[dict]) -> list[dict]:
    """
    :return: One row per (scenario, attack, labels, defence, parameter) with a :class:`Summary` over seeds per metric.
    """
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for point in points:
        groups[(point["scenario"], point["attack"], point["labels"], point["defence"], point["parameter"])].append(
            point
        )
    rows = []
    for (scenario, attack, labels, defence, parameter), members in groups.items():
        row = {"scenario": scenario, "attack": attack, "labels": labels, "defence": defence, "parameter": parameter}
        row["seeds"] = sorted(m["seed"] for m in members)
        for metric in METRICS + ("queries", "seconds", "seeds_only_clone_accuracy"):
            if all(metric in m for m in members):
                row[metric] = Summary(tuple(float(m[metric]) for m in members))
        rows.append(row)
    order = list(DEFENCE_LABELS)
    rows.sort(key=lambda r: (r["scenario"], r["attack"], r["labels"], order.index(r["defence"]), r["parameter"] or 0))
    return rows


def _budget_section(comparison: list[dict]) -> list[str]:
    lines = [
        f"## Every defence at its operating point inside a {BUDGET_PP:g} pp budget",
        "",
        f"Per seed, each defence's strongest setting whose defender accuracy on the validation images is at most "
        f"{BUDGET_PP:g} pp below the undefended model's, among every setting measured on the seed (parameters listed "
        "by seed; 'none': no setting qualified; 'not run': this attack did not run the chosen setting, and the seed is "
        "left out of the row). "
        "Defender and clone accuracy on the test images; cut = undefended clone − defended clone, paired by seed. "
        "Mean ± sample std, [95 % interval of the mean].",
        "",
        "| scenario | attack | labels | defence | parameter per seed | defender (test) | clone (test) | clone 95 % "
        "| cut (pp) | cut 95 % |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for entry in (e for e in comparison if e["drop_pp"] == BUDGET_PP):
        group = (entry["scenario"], entry["attack"], entry["labels"])
        undefended = entry["undefended_clone"]
        lines.append(
            _table_row(
                *group, "undefended", "", pct(entry["undefended_defender"], 2), pct(undefended), ci95(undefended)
            )
            + " | |"
        )
        lines += [
            _table_row(
                *group,
                DEFENCE_LABELS[defence],
                per_seed_parameters(chosen["parameters"]),
                pct(chosen["defender"], 2),
                *(text for value in (chosen["clone"], chosen["cut"]) for text in (pct(value), ci95(value))),
            )
            for defence, chosen in entry["defences"].items()
        ]
    return lines


def _titled_table(heading: str, text: str, table: list[str]) -> list[str]:
    """
    :return: A section of the page: its heading, text and table; nothing where the table is empty.
    """
    return [f"## {heading}", "", text, "", *table, ""] if table else []


def _larger_budget_section(comparison: list[dict]) -> list[str]:
    return _titled_table(
        "Every defence's clone inside the 1 and 2 pp budgets",
        "The clone (test) column of the 0.5 pp table at the larger budgets: per seed, each defence's strongest setting "
        "whose validation defender accuracy is at most 1 or 2 pp below the undefended model's, chosen as there "
        "(parameters per seed in brackets; 'not run': the attack did not run the chosen setting, and the seed is left "
        "out). Mean ± sample std [95 % interval of the mean]; AM against each baseline at these budgets is the next "
        "table's.",
        operating_point_budget_lines(comparison),
    )


def _table_row(*cells: object) -> str:
    """
    :return: One row of a markdown table.
    """
    # an empty cell is written "| |", as every table of the published pages writes it
    return "|" + "|".join(f" {cell} " if cell != "" else " " for cell in cells) + "|"


def _comparison_section(comparison: list[dict]) -> list[str]:
    lines = [
        "## AM against each baseline at matched defender accuracy",
        "",
        "At each allowed drop d of validation defender accuracy, AM's clone accuracy minus the baseline's, both at "
        "their operating points, paired by seed (negative: AM's clone is worse, i.e. AM defends better). Verdict from "
        "the 95 % interval of the mean difference: 'AM lower' / 'AM higher' where it excludes 0, else 'not separable'. "
        "Beside it, AM's defender cost minus the baseline's on the test images, mean over the same seeds (positive: "
        "AM's defender loses more), so that a comparison at unequal cost says so.",
        "",
        "| scenario | attack | labels | d (pp) | AM variant | baseline | difference (pp) | 95 % | verdict "
        "| defender cost AM − baseline (pp) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for entry in comparison:
        for (variant, baseline), difference in entry["differences"].items():
            group = (entry["scenario"], entry["attack"], entry["labels"], f"{entry['drop_pp']:g}")
            names = (DEFENCE_LABELS[variant], DEFENCE_LABELS[baseline])
            cost = cost_text(entry["cost_differences"][(variant, baseline)])
            lines.append(_table_row(*group, *names, pct(difference), ci95(difference), verdict(difference), cost))
    return lines


def _grid_section(points: list[dict]) -> list[str]:
    return _titled_table(
        "Are the sweeps dense enough near the budgets?",
        "A comparison at a budget is matched only where each defence has a setting that costs about the budget: per "
        "scenario and defence, the validation cost (undefended accuracy minus the setting's, pp) nearest each budget "
        f"on each seed, 'within' where every seed has one within ±{GRID_TOLERANCE_PP:g} pp. A 'gap' asks for "
        "settings between the measured ones; a defence that never costs as much (PP-argmax and DCP keep every top-1 "
        "class) is read at its strongest setting.",
        grid_coverage_lines(points),
    )


def _settings_section(rows: list[dict]) -> list[str]:
    lines: list[str] = []
    current = None
    for row in rows:
        group = (row["scenario"], row["attack"], row["labels"])
        if group != current:
            current = group
            lines += [
                "",
                f"### {row['scenario']} — {row['attack']} — {row['labels']} labels",
                "",
                "| defence | parameter | seeds | defender (validation) | defender (test) | clone (test) | clone 95 % "
                "| clone fidelity | queries | seconds |",
                "|---|---|---|---|---|---|---|---|---|---|",
            ]
        parameter = "" if row["parameter"] is None else f"{row['parameter']:g}"
        lines.append(
            f"| {DEFENCE_LABELS[row['defence']]} | {parameter} | {len(row['seeds'])} | "
            f"{pct(row.get('defender_accuracy_validation'), 2)} | {pct(row['defender_accuracy'], 2)} | "
            f"{pct(row['clone_accuracy'])} | {ci95(row['clone_accuracy'])} | {pct(row['clone_fidelity'])} | "
            f"{row['queries'].mean:.0f} | {row['seconds'].mean:.1f} |"
        )
        if "seeds_only_clone_accuracy" in row:
            lines.append(
                f"| seeds only (floor) | | {len(row['seeds'])} | | | {pct(row['seeds_only_clone_accuracy'])} | "
                f"{ci95(row['seeds_only_clone_accuracy'])} | | | |"
            )
    return lines


def _overhead_section(overheads: list[dict]) -> list[str]:
    lines: list[str] = []
    for overhead in overheads:
        lines += [
            "",
            f"## Inference overhead — {overhead['scenario']} ({overhead['device']}, batch {overhead['batch_size']}, "
            f"{overhead['torch_threads']} threads, median of {overhead['repeats']})",
            "",
            "| defence | images | seconds | × undefended | interquartile range |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['defence']} | {r['images']} | {r['seconds']:.3f} | {r['ratio']:.2f} | "
            + (f"{r['ratio_q25']:.2f}–{r['ratio_q75']:.2f} |" if "ratio_q25" in r else "not measured |")
            for r in overhead["rows"]
        ]
    return lines


def _retrained(points: list[dict]) -> str:
    """
    :return: The models a seed retrains, as a phrase: the sign-step detector and PP's surrogate only where a point's
             defence uses them.
    """
    defences = {point["defence"] for point in points}
    models = ["the defender", "the OE defender", "the misinformation model"]
    if any(defence.startswith("am_detector") for defence in defences):
        models.append("the sign-step detector")
    if any(defence.startswith("pp_") for defence in defences):
        models.append("PP's surrogate")
    return ", ".join(models) + " and every clone"


def _query_msp_section(run_dir: str, points: list[dict]) -> list[str]:
    """
    The paper's Fig. 2 in numbers: per scenario and query set, the share of queries whose maximum softmax probability
    under the OE defender lies below each of AM's thresholds, beside benign test images (mean ± std over the seeds that
    saved query statistics, ``points/<scenario>/seed<k>/queries-<set>.npz``).
    """
    lines: list[str] = []
    for scenario_folder in sorted(glob.glob(os.path.join(run_dir, "points", "*"))):
        scenario = os.path.basename(scenario_folder)
        thresholds = np.array(
            sorted({p["parameter"] for p in points if p["scenario"] == scenario and p["defence"] == "am"})
        )
        shares: dict[str, list[np.ndarray]] = defaultdict(list)
        for seed_folder in sorted(glob.glob(os.path.join(scenario_folder, "seed*"))):
            benign = None
            for path in sorted(glob.glob(os.path.join(seed_folder, "queries-*.npz"))):
                with np.load(path) as data:
                    shares[query_set(path)[1]].append(percent_below(data["msp_queries"], thresholds))
                    if benign is None and "msp_benign" in data:  # the same benign images in every file of a seed
                        benign = percent_below(data["msp_benign"], thresholds)
            if benign is not None:
                shares["benign test images"].append(benign)
        if not len(thresholds) or not shares:
            continue
        if not lines:
            lines = [
                "## Where the queries sit (the paper's Fig. 2 in numbers)",
                "",
                "Share of each query set (JBDA: its seeds and synthetic queries) whose maximum softmax probability "
                "under the OE defender lies below each of AM's thresholds, in %, mean ± std over seeds: AM answers "
                "those mostly with misinformation.",
                "",
            ]
        lines += [
            f"| {scenario} | seeds | " + " | ".join(f"MSP < {t:g}" for t in thresholds) + " |",
            "|---|---|" + "---|" * len(thresholds),
        ]
        for name in sorted(shares, key=lambda n: (n != "benign test images", n)):
            values = np.array(shares[name])
            cells = [
                f"{column.mean():.1f}" + (f" ± {column.std(ddof=1):.1f}" if len(column) > 1 else "")
                for column in values.T
            ]
            lines.append(f"| {name} | {len(values)} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def percent_below(msp: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """
    :return: Per threshold, the share (%) of ``msp`` strictly below it.
    """
    return 100.0 * (np.asarray(msp)[:, None] < thresholds[None, :]).mean(axis=0)


def _markdown(
    run_name: str,
    points: list[dict],
    rows: list[dict],
    comparison: list[dict],
    overheads: list[dict],
    query_msp: list[str],
) -> str:
    seeds = sorted({p["seed"] for p in points})
    lines = ["# Benchmark summary", ""]
    split = (
        "The test split is cut into JBDA's seed images, a validation half (chooses operating points, fits score ranks) "
        "and a test half (reports every accuracy)"
        if has_validation(points)
        else "Accuracies on the test split minus JBDA's seed images (these points were saved before the benchmark kept "
        "a validation split: the 'test' columns are those images, and the validation column is empty)"
    )
    lines += [
        f"Seeds: {', '.join(map(str, seeds)) or 'none'}; each seed retrains {_retrained(points)}. Accuracies in %. "
        f"{split}; fidelity = agreement of the clone with the true model behind the defence on the same images. "
        "'best' labels: per seed, the label mode whose clone is better on the validation images (on the test images "
        "where there are none).",
        "",
    ]
    if has_validation(points):
        lines += run_glance(run_name, [p for p in points if p["labels"] != "best"])
        lines += _budget_section(comparison) + [""] + _larger_budget_section(comparison)
        lines += _comparison_section(comparison) + [""]
        lines += _grid_section(points)
    else:
        lines += [
            "These points were saved before the benchmark kept a validation split: no operating point is chosen and no "
            "verdict is drawn from them; the tables below list every setting as measured on the evaluation images.",
        ]
    lines += [""] + query_msp + ["## Every setting"] + _settings_section(rows) + _overhead_section(overheads)
    return "\n".join(lines) + "\n"


def _without_sweep(point: dict) -> dict:
    # the seed's sweep rides on each point in memory only: results.json lists the points as saved
    return {key: value for key, value in point.items() if key != SWEEP_FIELD}


def _jsonable(value):
    if isinstance(value, Summary):
        interval = value.interval
        return {"values": list(value.values), "mean": value.mean, "std": value.std, "interval95": interval}
    if isinstance(value, dict):
        return {(" vs ".join(k) if isinstance(k, tuple) else k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def write_report(run_dir: str) -> str:
    """
    Rebuild every report file of the run from its points.

    :return: The markdown summary.
    """
    points = with_attacker_best(load_points(run_dir))
    rows = aggregate(points)
    comparison = matched_comparison(points, DROPS_PP) if has_validation(points) else []
    overheads = run_files.load_json_files(os.path.join(glob.escape(run_dir), "overhead", "*.json"), "an overhead table")
    # Every file is replaced atomically: a reader (or a concurrent report) never sees half of one.
    write_json_atomic(
        os.path.join(run_dir, "results.json"),
        _jsonable(
            {
                "points": [_without_sweep(p) for p in points],
                "aggregate": rows,
                "matched_comparison": comparison,
                "overhead": overheads,
            }
        ),
    )
    table = io.StringIO(newline="")
    writer = csv.DictWriter(table, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(p for p in points if p["labels"] != "best")
    write_text_atomic(os.path.join(run_dir, "results.csv"), table.getvalue())
    run_name = os.path.basename(os.path.normpath(run_dir))
    summary = _markdown(run_name, points, rows, comparison, overheads, _query_msp_section(run_dir, points))
    write_text_atomic(os.path.join(run_dir, "summary.md"), summary)
    if points:
        write_figures(run_dir, rows, by_experiment(points), comparison, BUDGET_PP)
    return summary
