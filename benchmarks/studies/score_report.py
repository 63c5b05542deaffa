"""
The report of :mod:`benchmarks.studies.score_comparison`: markdown tables and figures from the result
:meth:`ScoreStudy.report` returns (a JSON-serialisable dictionary; nothing here trains or loads a model).
"""

from __future__ import annotations

import numpy as np


def markdown(result: dict) -> str:
    """
    :return: The report's tables as markdown.
    """
    aurocs = result["auroc"]
    columns = list(next(iter(aurocs.values())))
    lines = [f"### {result['scenario']}: AUROC, benign test images vs queries", ""]
    lines += ["| score | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(f"{row[c]:.3f}" for c in columns) + " |" for name, row in aurocs.items()]
    lines += ["", f"### {result['scenario']}: AM per score", ""]
    lines += [
        "| score @ budget | tau | benign misinformed | defender acc. (vs normally trained; vs OE on held-out half) "
        "| attack | clone acc. (vs undefended) | per seed | attack queries misinformed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    groups = _grouped(result["points"])
    undefended = {
        label: np.mean([p["clone_accuracy"] for p in points])
        for (score, _, label), points in groups.items()
        if score == "undefended"
    }
    seeds_only = undefended.pop("seeds only", None)
    for (score, budget, label), points in sorted(groups.items()):
        if score == "undefended":
            continue
        point = points[0]
        clones = [p["clone_accuracy"] for p in points]
        spread = f" ± {100 * np.std(clones):.1f}" if len(clones) > 1 else ""
        delta = f" ({100 * (np.mean(clones) - undefended[label]):+.1f} pp)" if label in undefended else ""
        loss = point["defender_accuracy"] - point["undefended_accuracy"]
        held_out_loss = point["defender_accuracy_held_out"] - point["undefended_oe_accuracy_held_out"]
        lines.append(
            f"| {score} @ {budget:g} | {point['threshold']:.4g} | {100 * point['benign_misinformation_rate']:.2f} % | "
            f"{100 * point['defender_accuracy']:.2f} % ({100 * loss:+.2f} pp; {100 * held_out_loss:+.2f} pp) | "
            f"{label} | "
            f"{100 * np.mean(clones):.1f}{spread} %{delta} | {', '.join(f'{100 * c:.1f}' for c in clones)} | "
            f"{100 * np.mean([p['misinformation_rate'] for p in points]):.1f} % |"
        )
    lines += [
        "",
        "Undefended clones (mean over seeds): "
        + ", ".join(f"{label}: {100 * a:.1f} %" for label, a in sorted(undefended.items())),
    ]
    if seeds_only is not None:
        lines += ["", f"A clone of the seeds alone (floor of truthful answers to them): {100 * seeds_only:.1f} %"]
    benign = next(iter(result["operating_points"].values()))
    lines += [
        "",
        f"Benign accuracy without AM: OE defender {100 * benign['undefended_oe_accuracy']:.2f} %, normally trained "
        f"defender {100 * benign['undefended_accuracy']:.2f} %.",
    ]
    ratios = result["overhead"]["ratio"]
    lines += [
        "",
        "Overhead (predict, batch 128, x undefended): " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()),
    ]
    return "\n".join(lines) + "\n"


def figure(result: dict, path: str) -> None:
    """
    Clone accuracy per attack and score at each budget (bars), with the undefended clones and the seeds-only floor.
    """
    import matplotlib  # pylint: disable=import-outside-toplevel

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    groups = {key: np.mean([p["clone_accuracy"] for p in points]) for key, points in _grouped(result["points"]).items()}
    attacks = sorted({label for score, _, label in groups if score != "undefended"})
    settings = sorted({(score, budget) for score, budget, _ in groups if score != "undefended"})
    undefended = {label: accuracy for (score, _, label), accuracy in groups.items() if score == "undefended"}
    width = 0.8 / max(len(settings), 1)
    fig, axis = plt.subplots(figsize=(max(6.0, 1.6 * len(attacks)) + 2.5, 4.0))
    for index, (name, budget) in enumerate(settings):
        heights = [groups.get((name, budget, attack), np.nan) for attack in attacks]
        axis.bar(
            np.arange(len(attacks)) + index * width - 0.4 + width / 2, heights, width, label=f"{name} @ {budget:g}"
        )
    for position, attack in enumerate(attacks):
        if attack in undefended:
            axis.hlines(undefended[attack], position - 0.4, position + 0.4, colors="black", linestyles="--")
    if "seeds only" in undefended:
        axis.axhline(undefended["seeds only"], color="grey", linestyle=":", label="clone of the seeds alone")
    axis.set_xticks(np.arange(len(attacks)), attacks)
    axis.set_ylabel("clone accuracy (dashed: undefended)")
    axis.set_title(f"{result['scenario']}: AM per out-of-distribution score, soft labels")
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def curve_figure(result: dict, path: str) -> bool:
    """
    AM's trade-off per score: clone accuracy against defender accuracy over the budgets, one panel per attack, for
    scores measured at two or more budgets.

    :return: Whether there was a curve to draw (else no file is written).
    """
    import matplotlib  # pylint: disable=import-outside-toplevel

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    groups = _grouped(result["points"])
    curves: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for (score, _, label), points in groups.items():
        if score != "undefended" and label != "seeds only":
            accuracy = (points[0]["defender_accuracy"], float(np.mean([p["clone_accuracy"] for p in points])))
            curves.setdefault(label, {}).setdefault(score, []).append(accuracy)
    panels = {label: c for label, c in curves.items() if any(len(v) > 1 for v in c.values())}
    if not panels:
        return False
    benign = next(iter(result["operating_points"].values()))["undefended_accuracy"]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.0 * len(panels), 4.0), squeeze=False)
    for axis, (label, by_score) in zip(axes[0], sorted(panels.items())):
        for score, values in sorted(by_score.items()):
            if len(values) > 1:
                xs, ys = zip(*sorted(values))
                axis.plot(xs, ys, marker="o", label=score)
        undefended = [
            np.mean([p["clone_accuracy"] for p in points])
            for (score, _, attack), points in groups.items()
            if score == "undefended" and attack == label
        ]
        if undefended:
            axis.plot([benign], undefended, marker="*", markersize=12, color="black", linestyle="", label="undefended")
        axis.set_xlabel("defender accuracy")
        axis.set_ylabel("clone accuracy")
        axis.set_title(f"{result['scenario']}: {label}")
        axis.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _grouped(points: list[dict]) -> dict[tuple[str, float, str], list[dict]]:
    """
    :return: The points by ``(score, budget, attack label)``, each list holding the seeds' repeats.
    """
    groups: dict[tuple[str, float, str], list[dict]] = {}
    for point in points:
        groups.setdefault((point["score"], point["budget"], _attack_label(point)), []).append(point)
    return groups


def _attack_label(point: dict) -> str:
    if point["attack"] == "seeds-only":
        return "seeds only"
    if point["attack"].startswith("jbda"):
        return f"JBDA {point['step']:g}" + (" argmax" if point["attack"] == "jbda-argmax" else "")
    return f"Knockoff {point['source']}"
