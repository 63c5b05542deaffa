"""
The report of a benchmark run, rebuilt from its saved points: ``results.json`` and ``results.csv`` (every point),
``summary.md`` (mean ± std over seeds, the AM-at-0.5-pp check, overhead), and PNG figures: trade-off curves (paper
Fig. 4), MSP CDFs (Fig. 2), Hellinger-distance CDFs of AM vs PP at matched defender accuracy (Fig. 5).
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
from collections import defaultdict

import numpy as np

from art_am.atomic import write_atomic, write_json_atomic, write_text_atomic
from benchmarks.defence_points import AM_VARIANTS, DEFENCE_LABELS

BUDGET = 0.005  # the paper's "< 0.5 %" benign-accuracy cost
BASELINES = ("pp_extreme", "pp_argmax", "dcp")
FIELDS = [
    "scenario", "seed", "attack", "labels", "defence", "parameter", "defender_accuracy", "clone_accuracy",
    "clone_fidelity", "queries", "seconds", "misinformation_rate",
]  # fmt: skip


def load_points(run_dir: str) -> list[dict]:
    """
    :return: Every saved point of the run.
    """
    points = []
    for path in sorted(glob.glob(os.path.join(run_dir, "points", "*", "seed*", "*.json"))):
        with open(path, encoding="utf-8") as handle:
            points.append(json.load(handle))
    return points


def aggregate(points: list[dict]) -> list[dict]:
    """
    :return: One row per (scenario, attack, labels, defence, parameter) with mean and std over seeds.
    """
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for point in points:
        groups[(point["scenario"], point["attack"], point["labels"], point["defence"], point["parameter"])].append(
            point
        )
    rows = []
    for (scenario, attack, labels, defence, parameter), members in groups.items():
        row = {"scenario": scenario, "attack": attack, "labels": labels, "defence": defence, "parameter": parameter}
        row["seeds"] = len(members)
        for metric in ("defender_accuracy", "clone_accuracy", "clone_fidelity", "queries", "seconds"):
            values = np.array([m[metric] for m in members], dtype=float)
            row[metric] = float(values.mean())
            row[f"{metric}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        rows.append(row)
    rows += _attacker_best(rows)
    order = list(DEFENCE_LABELS)
    rows.sort(key=lambda r: (r["scenario"], r["attack"], r["labels"], order.index(r["defence"]), r["parameter"] or 0))
    return rows


def _attacker_best(rows: list[dict]) -> list[dict]:
    """
    Rows labelled ``best``: for each defence setting measured with both soft and argmax labels, the label mode that gave
    the more accurate clone, as an attacker who tries both would choose (the paper's argument against DCP).
    """
    by_setting: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        by_setting[(row["scenario"], row["attack"], row["defence"], row["parameter"])][row["labels"]] = row
    best = []
    for modes in by_setting.values():
        if {"soft", "argmax"} <= set(modes):
            winner = max(modes.values(), key=lambda r: r["clone_accuracy"])
            best.append(dict(winner, labels="best", best_of=winner["labels"]))
    return best


def _pct(row: dict, metric: str) -> str:
    mean, std = 100 * row[metric], 100 * row[f"{metric}_std"]
    return f"{mean:.1f} ± {std:.1f}" if row["seeds"] > 1 else f"{mean:.1f}"


def am_budget_check(rows: list[dict]) -> list[dict]:
    """
    For each scenario, attack, labels and AM variant measured: the lowest clone accuracy AM reaches while losing at most
    0.5 pp of the undefended defender accuracy, against the undefended clone.
    """
    checks = []
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["scenario"], row["attack"], row["labels"])].append(row)
    for (scenario, attack, labels), members in groups.items():
        undefended = next((r for r in members if r["defence"] == "undefended"), None)
        if undefended is None:
            continue
        for variant in AM_VARIANTS:
            if not any(r["defence"] == variant for r in members):
                continue
            allowed = [
                r
                for r in members
                if r["defence"] == variant and r["defender_accuracy"] >= undefended["defender_accuracy"] - BUDGET
            ]
            best = min(allowed, key=lambda r: r["clone_accuracy"], default=None)
            checks.append(
                {
                    "scenario": scenario,
                    "attack": attack,
                    "labels": labels,
                    "defence": variant,
                    "undefended_defender": undefended["defender_accuracy"],
                    "undefended_clone": undefended["clone_accuracy"],
                    "am_tau": None if best is None else best["parameter"],
                    "am_defender": None if best is None else best["defender_accuracy"],
                    "am_clone": None if best is None else best["clone_accuracy"],
                }
            )
    return checks


def curve_comparison(rows: list[dict], levels_pp: tuple[float, ...] = (0, 1, 2, 3, 4, 5)) -> list[dict]:
    """
    AM against the baselines along the trade-off: at each defender-accuracy level ``undefended - d`` (d in pp), the
    lowest clone accuracy each defence reaches among its settings whose defender accuracy is at least that level
    (None where no setting qualifies). ``am_lowest``: whether the better AM variant is below every baseline.
    """
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["scenario"], row["attack"], row["labels"])].append(row)
    comparisons = []
    for (scenario, attack, labels), members in groups.items():
        undefended = next((r for r in members if r["defence"] == "undefended"), None)
        if undefended is None:
            continue
        for drop in levels_pp:
            level = undefended["defender_accuracy"] - drop / 100.0
            entry = {"scenario": scenario, "attack": attack, "labels": labels, "drop_pp": drop}
            for defence in AM_VARIANTS + BASELINES:
                eligible = [
                    r["clone_accuracy"] for r in members if r["defence"] == defence and r["defender_accuracy"] >= level
                ]
                entry[defence] = min(eligible) if eligible else None
            baselines = [entry[d] for d in BASELINES if entry[d] is not None]
            am = [entry[d] for d in AM_VARIANTS if entry[d] is not None]
            entry["am_lowest"] = None if not am or not baselines else min(am) < min(baselines)
            comparisons.append(entry)
    return comparisons


def _markdown(rows: list[dict], checks: list[dict], overheads: list[dict]) -> str:
    lines = ["# Benchmark summary", ""]
    lines += [
        "Accuracies in %, on the test split minus the JBDA seeds; fidelity = agreement of the clone with the true "
        "model behind the defence. Mean ± std over seeds where there are several.",
        "",
        "## AM inside a 0.5 pp benign-accuracy budget",
        "",
        "| scenario | attack | labels | undefended defender | undefended clone | AM variant | tau | AM defender "
        "| AM clone | cut (pp) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in checks:
        head = (
            f"| {c['scenario']} | {c['attack']} | {c['labels']} | {100 * c['undefended_defender']:.2f} | "
            f"{100 * c['undefended_clone']:.1f} | {DEFENCE_LABELS[c['defence']]} |"
        )
        if c["am_tau"] is None:
            lines.append(f"{head} none within budget | | | |")
        else:
            lines.append(
                f"{head} {c['am_tau']:g} | {100 * c['am_defender']:.2f} | {100 * c['am_clone']:.1f} | "
                f"{100 * (c['undefended_clone'] - c['am_clone']):.1f} |"
            )
    lines += [
        "",
        "## AM vs the baselines along the trade-off",
        "",
        "Lowest clone accuracy each defence reaches while keeping the defender within d pp of the undefended accuracy "
        "(– : no setting that accurate). 'AM lowest' is yes where the better AM variant's is below every baseline's.",
        "",
        "| scenario | attack | labels | d (pp) | "
        + " | ".join(DEFENCE_LABELS[d] for d in AM_VARIANTS + BASELINES)
        + " | AM lowest |",
        "|---|---|---|---|" + "---|" * len(AM_VARIANTS + BASELINES) + "---|",
    ]
    for c in curve_comparison(rows):
        cells = ["–" if c[d] is None else f"{100 * c[d]:.1f}" for d in AM_VARIANTS + BASELINES]
        verdict = "–" if c["am_lowest"] is None else ("yes" if c["am_lowest"] else "**no**")
        lines.append(
            f"| {c['scenario']} | {c['attack']} | {c['labels']} | {c['drop_pp']:g} | {' | '.join(cells)} | {verdict} |"
        )
    current = None
    for row in rows:
        group = (row["scenario"], row["attack"], row["labels"])
        if group != current:
            current = group
            lines += [
                "",
                f"## {row['scenario']} — {row['attack']} — {row['labels']} labels",
                "",
                "| defence | parameter | defender acc | clone acc | clone fidelity | queries | seconds |",
                "|---|---|---|---|---|---|---|",
            ]
        parameter = "" if row["parameter"] is None else f"{row['parameter']:g}"
        lines.append(
            f"| {DEFENCE_LABELS[row['defence']]} | {parameter} | {_pct(row, 'defender_accuracy')} | "
            f"{_pct(row, 'clone_accuracy')} | {_pct(row, 'clone_fidelity')} | {row['queries']:.0f} | "
            f"{row['seconds']:.1f} |"
        )
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
    return "\n".join(lines) + "\n"


def _finish(plt, figure, axis, labels: tuple[str, str, str], path: str) -> None:
    """
    Label, save and close a figure: ``labels`` are the x label, y label and title.
    """
    axis.set_xlabel(labels[0])
    axis.set_ylabel(labels[1])
    axis.set_title(labels[2], fontsize=9)
    axis.legend(fontsize=7)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    write_atomic(path, lambda temporary: figure.savefig(temporary, dpi=110, format="png"))
    plt.close(figure)


def _figures(run_dir: str, rows: list[dict]) -> None:
    import matplotlib  # pylint: disable=import-outside-toplevel

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    folder = os.path.join(run_dir, "figures")
    os.makedirs(folder, exist_ok=True)
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["scenario"], row["attack"], row["labels"])].append(row)
    styles = {"am": "o-", "am_detector": "v-", "pp_extreme": "s--", "pp_argmax": "^--", "dcp": "D:"}
    for (scenario, attack, labels), members in groups.items():
        figure, axis = plt.subplots(figsize=(5, 4))
        for defence, style in styles.items():
            line = sorted((r for r in members if r["defence"] == defence), key=lambda r: -r["defender_accuracy"])
            if line:
                axis.plot(
                    [100 * r["defender_accuracy"] for r in line],
                    [100 * r["clone_accuracy"] for r in line],
                    style,
                    label=DEFENCE_LABELS[defence],
                )
        for defence, marker in (("undefended", "*"), ("oe_only", "P")):
            for r in (r for r in members if r["defence"] == defence):
                axis.plot(
                    100 * r["defender_accuracy"],
                    100 * r["clone_accuracy"],
                    marker,
                    ms=12,
                    label=DEFENCE_LABELS[defence],
                )
        undefended = [r for r in members if r["defence"] == "undefended"]
        if undefended:
            axis.plot(
                100 * undefended[0]["defender_accuracy"], 10, "k*", ms=12, mfc="none", label="ideal (chance clone)"
            )
        _finish(
            plt,
            figure,
            axis,
            ("defender accuracy (%)", "clone accuracy (%)", f"{scenario}: {attack}, {labels} labels"),
            os.path.join(folder, f"tradeoff-{scenario}-{attack.replace(':', '_')}-{labels}.png"),
        )
    for seed_folder in glob.glob(os.path.join(run_dir, "points", "*", "seed0")):
        scenario = os.path.basename(os.path.dirname(seed_folder))
        figure, axis = plt.subplots(figsize=(5, 4))
        benign_drawn = False
        for path in sorted(glob.glob(os.path.join(seed_folder, "queries-*.npz"))):
            source = os.path.basename(path)[len("queries-") : -len(".npz")]
            with np.load(path) as data:
                if "msp_benign" in data and not benign_drawn:
                    axis.plot(
                        np.sort(data["msp_benign"]), np.linspace(0, 1, len(data["msp_benign"])), label="benign test"
                    )
                    benign_drawn = True
                label = "JBDA queries" if source == "jbda" else f"KnockoffNets ({source})"
                axis.plot(np.sort(data["msp_queries"]), np.linspace(0, 1, len(data["msp_queries"])), label=label)
        _finish(
            plt,
            figure,
            axis,
            ("maximum softmax probability of the OE defender", "CDF", f"{scenario}: benign vs attack queries"),
            os.path.join(folder, f"msp-cdf-{scenario}.png"),
        )
        _hellinger_figures(plt, folder, scenario, seed_folder, [r for r in rows if r["scenario"] == scenario])


def _hellinger_figures(plt, folder: str, scenario: str, seed_folder: str, rows: list[dict]) -> None:
    for path in sorted(glob.glob(os.path.join(seed_folder, "queries-*.npz"))):
        source = os.path.basename(path)[len("queries-") : -len(".npz")]
        if source == "jbda":
            continue
        accuracy = {
            (r["defence"], r["parameter"]): r["defender_accuracy"] for r in rows if r["attack"] == f"knockoff:{source}"
        }
        am = [(k, v) for k, v in accuracy.items() if k[0] == "am"]
        pp = [(k, v) for k, v in accuracy.items() if k[0] == "pp_extreme"]
        if not am or not pp:
            continue
        (am_key, am_acc), (pp_key, pp_acc) = min(
            ((a, p) for a in am for p in pp), key=lambda pair: abs(pair[0][1] - pair[1][1])
        )
        figure, axis = plt.subplots(figsize=(5, 4))
        with np.load(path) as data:
            for (defence, parameter), acc in ((am_key, am_acc), (pp_key, pp_acc)):
                values = np.sort(data[f"hellinger/{defence}-{parameter:g}"])
                axis.plot(
                    values,
                    np.linspace(0, 1, len(values)),
                    label=f"{DEFENCE_LABELS[defence]} {parameter:g} (defender {100 * acc:.1f} %)",
                )
        _finish(
            plt,
            figure,
            axis,
            (
                "Hellinger distance between true and served answer",
                "CDF",
                f"{scenario}: KnockoffNets queries ({source})",
            ),
            os.path.join(folder, f"hellinger-{scenario}-{source}.png"),
        )


def write_report(run_dir: str) -> str:
    """
    Rebuild every report file of the run.

    :return: The markdown summary.
    """
    points = load_points(run_dir)
    rows = aggregate(points)
    checks = am_budget_check(rows)
    overheads = []
    for path in sorted(glob.glob(os.path.join(run_dir, "overhead", "*.json"))):
        with open(path, encoding="utf-8") as handle:
            overheads.append(json.load(handle))
    # Every file is replaced atomically: a reader (or a concurrent report) never sees half of one.
    write_json_atomic(
        os.path.join(run_dir, "results.json"),
        {
            "points": points,
            "aggregate": rows,
            "am_budget_check": checks,
            "curve_comparison": curve_comparison(rows),
            "overhead": overheads,
        },
    )
    table = io.StringIO(newline="")
    writer = csv.DictWriter(table, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(points)
    write_text_atomic(os.path.join(run_dir, "results.csv"), table.getvalue())
    summary = _markdown(rows, checks, overheads)
    write_text_atomic(os.path.join(run_dir, "summary.md"), summary)
    if points:
        _figures(run_dir, rows)
    return summary
