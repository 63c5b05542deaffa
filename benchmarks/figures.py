"""
The report's figures, drawn from aggregated rows and saved query statistics:

- trade-off curves (the paper's Fig. 4): clone against defender accuracy, mean over seeds with ± std bars and each
  seed's point, the swept parameter beside each point, a second panel zoomed on the 5 pp below the undefended model,
  and on JBDA panels the floor a clone reaches from the truthfully answered seeds alone;
- MSP CDFs of benign and attack queries (Fig. 2) and Hellinger-distance CDFs of AM against PP at matched defender
  accuracy (Fig. 5), from seed 0's saved statistics;
- the adaptive-attacker figure: per scenario, every attacker's clone against every defence at its operating point
  inside the 0.5 pp budget (the label mode the attacker's validation images prefer), mean ± std with each seed's point.

Every defence has one colour and marker in every figure (``STYLES``).
"""

from __future__ import annotations

import glob
import os
import textwrap

import numpy as np

from art_am.atomic import write_atomic
from benchmarks import registry
from benchmarks.attack_registry import figure_key
from benchmarks.registry import DEFENCE_LABELS
from benchmarks.selection import attacker_entries, attacker_label

# One colour and marker per defence, used by every figure.
STYLES = registry.STYLES  # one colour and marker per defence, from the registry
ZOOM_PP = 5.0


def _pyplot():
    import matplotlib  # pylint: disable=import-outside-toplevel

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    return plt


def _save(plt, figure, path: str) -> None:
    figure.tight_layout()
    write_atomic(path, lambda temporary: figure.savefig(temporary, dpi=110, format="png"))
    plt.close(figure)


def _percent_axes(axis, x: bool = True, y: bool = True) -> None:
    from matplotlib.ticker import PercentFormatter  # pylint: disable=import-outside-toplevel

    if x:
        axis.xaxis.set_major_formatter(PercentFormatter(100, decimals=None))
    if y:
        axis.yaxis.set_major_formatter(PercentFormatter(100, decimals=None))


def _tradeoff_panel(axis, members: list[dict], seed_points: dict[int, list[dict]], zoom: bool) -> None:
    undefended = next((r for r in members if r["defence"] == "undefended"), None)
    for defence, (colour, marker) in STYLES.items():
        line = sorted((r for r in members if r["defence"] == defence), key=lambda r: -r["defender_accuracy"].mean)
        if not line:
            continue
        xs = [100 * r["defender_accuracy"].mean for r in line]
        ys = [100 * r["clone_accuracy"].mean for r in line]
        axis.errorbar(
            xs,
            ys,
            xerr=[100 * (r["defender_accuracy"].std or 0.0) for r in line],
            yerr=[100 * (r["clone_accuracy"].std or 0.0) for r in line],
            color=colour,
            marker=marker,
            ms=9 if defence in ("undefended", "oe_only") else 5,
            linestyle="-" if len(line) > 1 else "none",
            capsize=2,
            label=DEFENCE_LABELS[defence],
        )
        seeds = [p for ps in seed_points.values() for p in ps if p["defence"] == defence]
        axis.scatter(
            [100 * p["defender_accuracy"] for p in seeds],
            [100 * p["clone_accuracy"] for p in seeds],
            color=colour,
            marker=marker,
            s=8,
            alpha=0.35,
        )
        for row, x, y in zip(line, xs, ys):
            if row["parameter"] is not None:
                axis.annotate(
                    f"{row['parameter']:g}", (x, y), fontsize=6, color=colour, xytext=(3, 3), textcoords="offset points"
                )
    if undefended is not None:
        floor = undefended.get("seeds_only_clone_accuracy")
        if floor is not None:
            axis.axhline(100 * floor.mean, color="black", linestyle=":", linewidth=1, label="seeds only (floor)")
        if zoom:
            top = 100 * undefended["defender_accuracy"].mean
            axis.set_xlim(top - ZOOM_PP, top + 0.5)
    axis.set_xlabel("defender accuracy, test images")
    axis.set_ylabel("clone accuracy, test images")
    axis.grid(alpha=0.3)
    _percent_axes(axis)


def _tradeoff_figures(plt, folder: str, rows: list[dict], experiments: dict[tuple, dict[int, list[dict]]]) -> None:
    for (scenario, attack, labels), seed_points in experiments.items():
        members = [r for r in rows if (r["scenario"], r["attack"], r["labels"]) == (scenario, attack, labels)]
        figure, axes = plt.subplots(1, 2, figsize=(10, 4.2))
        _tradeoff_panel(axes[0], members, seed_points, zoom=False)
        _tradeoff_panel(axes[1], members, seed_points, zoom=True)
        seeds = len(seed_points)
        axes[0].set_title(f"{scenario}: {attack}, {labels} labels ({seeds} seed{'s' * (seeds > 1)})", fontsize=9)
        axes[1].set_title(f"zoom: the {ZOOM_PP:g} pp below the undefended defender", fontsize=9)
        axes[0].legend(fontsize=6)
        _save(plt, figure, os.path.join(folder, f"tradeoff-{scenario}-{attack.replace(':', '_')}-{labels}.png"))


def _cdf(axis, values: np.ndarray, **style) -> None:
    ordered = np.sort(values)
    axis.plot(ordered, 100 * np.arange(1, len(ordered) + 1) / len(ordered), **style)


def _finish_cdf(axis, xlabel: str, title: str) -> None:
    axis.set_xlabel(xlabel)
    axis.set_ylabel("queries at or below (cumulative %)")
    # wrapped: a long scenario name would otherwise run past the figure's edge
    axis.set_title(textwrap.fill(title, 55), fontsize=9)
    axis.legend(fontsize=7)
    axis.grid(alpha=0.3)
    _percent_axes(axis, x=False)


def query_set(path: str) -> tuple[str, str]:
    """
    :param path: A seed's query statistics, ``queries-<set>.npz``.
    :return: ``(set, label)``: the set's name (``jbda`` or a KnockoffNets source) and how tables and figures name it.
    """
    source = os.path.basename(path)[len("queries-") : -len(".npz")]
    return source, "JBDA queries" if source == "jbda" else f"KnockoffNets queries ({source})"


def _msp_figure(plt, folder: str, scenario: str, seed_folder: str) -> None:
    if not glob.glob(os.path.join(seed_folder, "queries-*.npz")):
        return  # no query statistics saved with these points
    figure, axis = plt.subplots(figsize=(5, 4))
    benign_drawn = False
    for path in sorted(glob.glob(os.path.join(seed_folder, "queries-*.npz"))):
        with np.load(path) as data:
            if "msp_benign" in data and not benign_drawn:
                _cdf(axis, data["msp_benign"], color="black", label="benign test images")
                benign_drawn = True
            _cdf(axis, data["msp_queries"], label=query_set(path)[1])
    _finish_cdf(
        axis, "maximum softmax probability of the OE defender", f"{scenario}: benign vs attack queries (seed 0)"
    )
    _save(plt, figure, os.path.join(folder, f"msp-cdf-{scenario}.png"))


def _hellinger_figures(plt, folder: str, scenario: str, seed_folder: str, rows: list[dict]) -> None:
    for path in sorted(glob.glob(os.path.join(seed_folder, "queries-*.npz"))):
        source = os.path.basename(path)[len("queries-") : -len(".npz")]
        if source == "jbda":
            continue
        accuracy = {
            (r["defence"], r["parameter"]): r["defender_accuracy"].mean
            for r in rows
            if r["scenario"] == scenario and r["attack"] == f"knockoff:{source}" and r["labels"] == "soft"
        }
        am = [(k, v) for k, v in accuracy.items() if k[0] == "am"]
        pp = [(k, v) for k, v in accuracy.items() if k[0] == "pp_extreme"]
        if not am or not pp:
            continue
        pair = min(((a, p) for a in am for p in pp), key=lambda both: abs(both[0][1] - both[1][1]))
        figure, axis = plt.subplots(figsize=(5, 4))
        with np.load(path) as data:
            for (defence, parameter), defender in pair:
                colour, _ = STYLES[defence]
                _cdf(
                    axis,
                    data[f"hellinger/{defence}-{parameter:g}"],
                    color=colour,
                    label=f"{DEFENCE_LABELS[defence]} {parameter:g} (defender {100 * defender:.1f} %)",
                )
        title = f"{scenario}: KnockoffNets queries ({source}), seed 0"
        _finish_cdf(axis, "Hellinger distance between true and served answer", title)
        _save(plt, figure, os.path.join(folder, f"hellinger-{scenario}-{source}.png"))


def _adaptive_figures(plt, folder: str, comparison: list[dict], budget_pp: float) -> None:
    """
    One figure per scenario with more than the two plain attacks: grouped bars of clone accuracy (test images) per
    attacker, one bar per defence at its per-seed operating point, the undefended clone first.
    """
    entries = [e for e in attacker_entries(comparison) if e["drop_pp"] == budget_pp]
    for scenario in sorted({e["scenario"] for e in entries}):
        mine = sorted((e for e in entries if e["scenario"] == scenario), key=lambda e: figure_key(e["attack"]))
        if len(mine) <= 2:
            continue
        defences = ["undefended"] + [d for d in STYLES if d != "undefended" and any(d in e["defences"] for e in mine)]
        width = 0.8 / len(defences)
        figure, axis = plt.subplots(figsize=(max(8.0, 1.6 * len(mine)), 4.6))
        for index, defence in enumerate(defences):
            colour, marker = STYLES[defence]
            for position, entry in enumerate(mine):
                if defence == "undefended":
                    summary = entry["undefended_clone"]
                else:
                    summary = entry["defences"].get(defence, {}).get("clone")
                if summary is None or not summary.values:
                    continue
                x = position - 0.4 + width * (index + 0.5)
                values = 100 * np.asarray(summary.values)
                axis.bar(x, values.mean(), width, color=colour, alpha=0.55)
                if len(values) > 1:
                    axis.errorbar(x, values.mean(), yerr=values.std(ddof=1), color="black", capsize=2, linewidth=0.8)
                axis.scatter(np.full(len(values), x), values, color=colour, marker=marker, s=10, zorder=3)
        handles = [
            plt.Rectangle((0, 0), 1, 1, color=STYLES[d][0], alpha=0.55, label=DEFENCE_LABELS[d]) for d in defences
        ]
        axis.legend(handles=handles, fontsize=7, ncol=2, loc="upper right")
        axis.set_xticks(
            range(len(mine)), [attacker_label(e).replace(":", "\n").replace(" (", "\n(") for e in mine], fontsize=8
        )
        axis.set_ylabel("clone accuracy (test images)")
        axis.set_ylim(0, 100)
        _percent_axes(axis, x=False)
        axis.set_title(
            f"{scenario}: clones against each defence at its operating point (≤ {budget_pp:g} pp); "
            "mean ± std, dots: seeds",
            fontsize=9,
        )
        _save(plt, figure, os.path.join(folder, f"adaptive-attackers-{scenario}.png"))


def write_figures(
    run_dir: str,
    rows: list[dict],
    experiments: dict[tuple, dict[int, list[dict]]],
    comparison: list[dict] | None = None,
    budget_pp: float = 0.5,
) -> None:
    """
    Draw every figure of a run into ``<run_dir>/figures``.

    :param run_dir: The run folder (seed 0's query statistics are read from its points).
    :param rows: Aggregated rows (``benchmarks.report.aggregate``).
    :param experiments: Points by (scenario, attack, labels) and seed (``benchmarks.selection.by_experiment``).
    :param comparison: ``benchmarks.selection.matched_comparison`` of the points, for the adaptive-attacker figure.
    :param budget_pp: The defender-accuracy budget of that figure, in percentage points.
    """
    plt = _pyplot()
    folder = os.path.join(run_dir, "figures")
    os.makedirs(folder, exist_ok=True)
    _tradeoff_figures(plt, folder, rows, experiments)
    if comparison:
        _adaptive_figures(plt, folder, comparison, budget_pp)
    for seed_folder in sorted(glob.glob(os.path.join(run_dir, "points", "*", "seed0"))):
        scenario = os.path.basename(os.path.dirname(seed_folder))
        _msp_figure(plt, folder, scenario, seed_folder)
        _hellinger_figures(plt, folder, scenario, seed_folder, rows)
