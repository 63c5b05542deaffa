"""
Single facts read off a run's committed points, for the prose of the generated results page (the status of each of
the paper's tables and figures), so that its sentences carry numbers computed from the raw points rather than typed:
a defender's test accuracy over seeds, what a setting costs and leaves a clone, JBDA's seeds-only floor, AM's clone
against a baseline's at an operating point, quantiles of the Hellinger distances of served answers,
and the share of a query set below one of AM's thresholds.

Every function returns None where the run holds nothing to read; :func:`quote` writes that as ``not run``.
"""

from __future__ import annotations

import glob
import os

import numpy as np

from benchmarks.report import percent_below
from benchmarks.selection import (
    Summary,
    matched_comparison,
    pct,
    too_few_seeds,
    verdict,
    with_attacker_best,
    with_strongest_attacker,
)


def _per_seed(points: list[dict], scenario: str, field: str, **match) -> Summary | None:
    values: dict[int, float] = {}
    for point in points:
        if point["scenario"] == scenario and point["labels"] != "best" and all(point[k] == v for k, v in match.items()):
            values.setdefault(point["seed"], point[field])
    return Summary(tuple(values[s] for s in sorted(values))) if values else None


def defender_accuracy(
    points: list[dict], scenario: str, defence: str, parameter: float | None = None
) -> Summary | None:
    """
    :return: The defender's test accuracy under a defence setting, one value per seed (it does not depend on the
             attack).
    """
    return _per_seed(points, scenario, "defender_accuracy", defence=defence, parameter=parameter)


def validation_cost(points: list[dict], scenario: str, defence: str, parameter: float | None = None) -> Summary | None:
    """
    :return: Undefended minus defended defender accuracy on the validation images, per seed.
    """
    costs: dict[int, float] = {}
    for seed in sorted({p["seed"] for p in points if p["scenario"] == scenario}):
        mine = [p for p in points if p["seed"] == seed and p["labels"] != "best"]
        undefended = _per_seed(mine, scenario, "defender_accuracy_validation", defence="undefended")
        defended = _per_seed(mine, scenario, "defender_accuracy_validation", defence=defence, parameter=parameter)
        if undefended is not None and defended is not None:
            costs[seed] = undefended.mean - defended.mean
    return Summary(tuple(costs.values())) if costs else None


def clone_accuracy(
    points: list[dict], scenario: str, attack: str, labels: str, defence: str, parameter: float | None = None
) -> Summary | None:
    """
    :return: The clone's test accuracy for one attack, label mode and defence setting, one value per seed.
    """
    return _per_seed(
        points, scenario, "clone_accuracy", attack=attack, labels=labels, defence=defence, parameter=parameter
    )


def jbda_floor(points: list[dict], scenario: str) -> Summary | None:
    """
    :return: The test accuracy of a clone trained on JBDA's seed images alone (soft labels of the undefended model),
             one value per seed: what JBDA's synthetic queries must beat.
    """
    return _per_seed(points, scenario, "seeds_only_clone_accuracy", attack="jbda", labels="soft", defence="undefended")


def _comparison(points: list[dict], drop_pp: float) -> list[dict]:
    """
    :return: :func:`benchmarks.selection.matched_comparison` within ``drop_pp``, with the attacker's best labels and
             the strongest attacker (attack ``strongest``, labels ``best``) beside each attack's own entries.
    """
    return matched_comparison(with_strongest_attacker(with_attacker_best(points)), (drop_pp,))


def cut_at(
    points: list[dict], scenario: str, attack: str, labels: str, drop_pp: float, defence: str = "am"
) -> Summary | None:
    """
    :return: The attack's undefended test clone accuracy minus the defended one, paired by seed, the defence at its
             operating point within ``drop_pp`` of validation defender accuracy.
    """
    for entry in _comparison(points, drop_pp):
        if (entry["scenario"], entry["attack"], entry["labels"]) == (scenario, attack, labels):
            return entry["defences"].get(defence, {}).get("cut")
    return None


def am_minus_baseline(
    points: list[dict], scenario: str, attack: str, labels: str, baseline: str, drop_pp: float, variant: str = "am"
) -> Summary | None:
    """
    :return: AM's test clone accuracy minus the baseline's, paired by seed, both at their operating points within
             ``drop_pp`` of validation defender accuracy (:func:`benchmarks.selection.matched_comparison`).
    """
    for entry in _comparison(points, drop_pp):
        if (entry["scenario"], entry["attack"], entry["labels"]) == (scenario, attack, labels):
            return entry["differences"].get((variant, baseline))
    return None


def hellinger(run_dir: str, scenario: str, source: str, setting: str, seed: int = 0) -> np.ndarray | None:
    """
    :return: The Hellinger distances between the truthful and the served answer of every KnockoffNets query of the
             source under one setting (e.g. ``am-0.3``), as the run saved them for the Fig. 5 figure.
    """
    path = os.path.join(run_dir, "points", scenario, f"seed{seed}", f"queries-{source}.npz")
    if not os.path.exists(path):
        return None
    with np.load(path) as data:
        key = f"hellinger/{setting}"
        return np.asarray(data[key]) if key in data.files else None


def share_below(run_dir: str, scenario: str, source: str, threshold: float) -> Summary | None:
    """
    :param source: A query set the run saved statistics of (``jbda`` or a KnockoffNets source), or ``benign`` for the
                   benign test images saved beside them.
    :return: Per seed, the share of the set whose maximum softmax probability under the OE defender lies strictly
             below ``threshold`` (the paper's Fig. 2 read at one of AM's thresholds).
    """
    key = "msp_benign" if source == "benign" else "msp_queries"
    name = "queries-*.npz" if source == "benign" else f"queries-{source}.npz"
    shares = []
    for seed_folder in sorted(glob.glob(os.path.join(run_dir, "points", scenario, "seed*"))):
        for path in sorted(glob.glob(os.path.join(seed_folder, name))):
            with np.load(path) as data:
                if key in data.files:  # the benign images are the same in every file of a seed: the first will do
                    # the same count as the run's 'where the queries sit' table, in a fraction
                    shares.append(float(percent_below(data[key], np.array([threshold]))[0]) / 100.0)
                    break
    return Summary(tuple(shares)) if shares else None


def quote(summary: Summary | None, unit: str = "%", verdicts: bool = False) -> str:
    """
    :return: ``mean ± std unit (n seeds)`` in %, with the 95 % interval and the verdict of a difference where asked
             and there are enough seeds; ``not run`` for None.
    """
    if summary is None:
        return "not run"
    seeds = f"{summary.n} seed{'s' * (summary.n != 1)}"
    if not verdicts:
        return f"{pct(summary)} {unit} ({seeds})"
    if summary.interval is None or verdict(summary) == too_few_seeds(summary.n):
        return f"{pct(summary)} {unit} ({too_few_seeds(summary.n)})"
    low, high = summary.interval
    return f"{pct(summary)} {unit} (95 % [{100 * low:.1f}, {100 * high:.1f}], {seeds}: {verdict(summary)})"
