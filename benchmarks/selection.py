"""
From saved points to verdicts, without choosing on the images that report: summaries over seeds (mean, sample std and
a 95 % Student-t interval), operating points chosen per seed on the validation images, and AM-against-baseline
differences paired by seed.

An operating point is what a defender can pick without ever training a clone: for each defence, the strongest setting
(largest tau, epsilon or beta) whose defender accuracy on the *validation* images stays within ``drop`` of the
undefended model's accuracy on those images. Every defence gets this same rule; its defender and clone accuracies are
then read on the *test* images, which chose nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
from scipy import stats

from benchmarks.jobs import attack_kind
from benchmarks.registry import AM_VARIANTS, BASELINES

BUDGET_PP = 0.5  # the paper's "< 0.5 %" benign-accuracy cost
MIN_SEEDS = 3  # a verdict rests on at least this many seeds (docs/results.md's rule)
COMPARED = AM_VARIANTS + BASELINES
VALIDATION_FIELD = "defender_accuracy_validation"


@dataclass(frozen=True)
class Summary:
    """
    Values over seeds: ``n``, mean, sample standard deviation and the 95 % Student-t interval of the mean (None for
    fewer than two values).
    """

    values: tuple[float, ...]

    @property
    def n(self) -> int:
        """
        :return: Number of values.
        """
        return len(self.values)

    @property
    def mean(self) -> float:
        """
        :return: Their mean.
        """
        return float(np.mean(self.values))

    @property
    def std(self) -> float | None:
        """
        :return: Their sample standard deviation (None for one value).
        """
        return float(np.std(self.values, ddof=1)) if self.n > 1 else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """
        :return: The 95 % confidence interval of the mean, ``mean ± t(0.975, n-1) std / sqrt(n)``.
        """
        std = self.std
        if std is None:
            return None
        half = float(stats.t.ppf(0.975, self.n - 1)) * std / np.sqrt(self.n)
        return self.mean - half, self.mean + half


def pct(summary: Summary | None, digits: int = 1) -> str:
    """
    :return: ``mean ± std`` in %, the mean alone for one value, ``–`` for none.
    """
    if summary is None:
        return "–"
    text = f"{100 * summary.mean:.{digits}f}"
    return text if summary.std is None else f"{text} ± {100 * summary.std:.{digits}f}"


def ci95(summary: Summary | None) -> str:
    """
    :return: The 95 % interval in %, ``–`` where there is none.
    """
    interval = None if summary is None else summary.interval
    return "–" if interval is None else f"[{100 * interval[0]:.1f}, {100 * interval[1]:.1f}]"


# The operating point of a seed whose chosen setting the attack did not run (a partial sweep).
NOT_RUN = "not run"


def per_seed_parameters(values: list) -> str:
    """
    :return: Per-seed operating parameters, ``none`` where no setting qualified, ``not run`` where the attack did not
             run the chosen one.
    """
    return ", ".join("none" if v is None else v if v == NOT_RUN else f"{v:g}" for v in values)


def with_attacker_best(points: list[dict]) -> list[dict]:
    """
    Add, for every (scenario, seed, attack, setting) measured with both soft and argmax labels, a point labelled
    ``best``: the label mode whose clone is more accurate on the validation images, as an attacker who tries both would
    keep (the paper's argument against DCP). Its reported accuracies stay those of the test images. A tie on the
    validation images goes to the soft labels (the test images are never consulted to break it).
    """
    modes: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for point in points:
        modes[(point["scenario"], point["seed"], point["attack"], point["defence"], point["parameter"])][
            point["labels"]
        ] = point
    best = []
    for pair in modes.values():
        if {"soft", "argmax"} <= set(pair):
            key = "clone_accuracy_validation" if "clone_accuracy_validation" in pair["soft"] else "clone_accuracy"
            winner = max((pair["soft"], pair["argmax"]), key=lambda p: p[key])
            best.append(dict(winner, labels="best", best_of=winner["labels"]))
    return points + best


# The attack name of the points :func:`with_strongest_attacker` adds.
STRONGEST = "strongest"
# The paper's attacks (by the part of the attack name before ":"): a strongest attacker is read only where every one of
# them that ran against the seed's undefended model also ran against the setting.
PAPER_ATTACKS = ("knockoff", "jbda")


def with_strongest_attacker(points: list[dict]) -> list[dict]:
    """
    Add, for every (scenario, seed, defence, setting), a point of the attack :data:`STRONGEST`: the attacker, among
    those that ran against that setting, whose clone is the most accurate on the validation images, each attacker with
    its own label choice (``best`` where it ran both modes, else the one mode it ran), as an attacker who tries them
    all would keep. It records the winner in ``strongest_of`` and the attackers that took part in ``strongest_over``;
    its reported accuracies stay the test images'. A tie on the validation images goes to the attacker met first in
    ``points`` (a run's points are read in sorted path order, so the attack name's order); the test images are never
    consulted to break it. A setting gets no such point where one of the paper's attacks (:data:`PAPER_ATTACKS`) that
    ran against the seed's undefended model did not run against it: a strongest read off a partial set would flatter
    the defence.

    :param points: Points with validation accuracies, :func:`with_attacker_best` applied.
    """
    groups: dict[tuple, dict[str, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for point in points:
        if point["attack"] == STRONGEST:
            continue
        key = (point["scenario"], point["seed"], point["defence"], point["parameter"])
        groups[key][point["attack"]][point["labels"]] = point
    required: dict[tuple, set[str]] = defaultdict(set)
    for (scenario, seed, defence, _), attacks in groups.items():
        if defence == "undefended":
            required[(scenario, seed)] |= {a for a in attacks if attack_kind(a) in PAPER_ATTACKS}
    strongest = []
    for (scenario, seed, _, _), attacks in groups.items():
        if not required[(scenario, seed)] <= set(attacks):
            continue
        candidates = []
        for modes in attacks.values():
            if "best" in modes:
                candidates.append(modes["best"])
            elif len(modes) == 1:
                candidates.append(next(iter(modes.values())))
        if not candidates:
            continue
        field = (
            "clone_accuracy_validation"
            if all("clone_accuracy_validation" in p for p in candidates)
            else "clone_accuracy"
        )
        winner = max(candidates, key=itemgetter(field))
        strongest.append(
            dict(
                winner,
                attack=STRONGEST,
                labels="best",
                strongest_of=winner["attack"],
                strongest_labels=winner.get("best_of", winner["labels"]),
                strongest_over=sorted(p["attack"] for p in candidates),
            )
        )
    return points + strongest


def by_experiment(points: list[dict]) -> dict[tuple, dict[int, list[dict]]]:
    """
    :return: ``{(scenario, attack, labels): {seed: points}}``.
    """
    groups: dict[tuple, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for point in points:
        groups[(point["scenario"], point["attack"], point["labels"])][point["seed"]].append(point)
    return groups


def has_validation(points: list[dict]) -> bool:
    """
    :return: Whether every point carries its validation accuracy (points saved before the split do not).
    """
    return bool(points) and all(VALIDATION_FIELD in point for point in points)


# A point's field holding its (scenario, seed)'s sweep (:func:`with_sweeps`).
SWEEP_FIELD = "sweep"


def with_sweeps(points: list[dict], sweeps: dict[tuple[str, int], list[dict]]) -> list[dict]:
    """
    :param points: Points of a run.
    :param sweeps: ``{(scenario, seed): settings}`` (:func:`benchmarks.run_files.load_sweeps`): every swept setting's
                   defender accuracies, with or without a clone.
    :return: ``points``, each given its seed's sweep (one shared list, under :data:`SWEEP_FIELD`) where there is one,
             so that every selection made from the points chooses among the whole sweep, as the run's operating
             points were chosen, and reads a chosen setting without a clone as :data:`NOT_RUN`.
    """
    return [
        dict(p, **{SWEEP_FIELD: sweeps[key]}) if (key := (p["scenario"], p["seed"])) in sweeps else p for p in points
    ]


def with_sweep_settings(points: list[dict]) -> list[dict]:
    """
    :return: Once per (scenario, seed), the settings of the sweep the points carry (:func:`with_sweeps`), then the
             points. The sweep comes first because it is the authority on a setting's defender accuracy: a reader that
             takes the first entry of a setting then reads every setting off the models the sweep measured, even
             where a later job served the same setting from another copy of them (e.g. float16 checkpoints, whose
             accuracies differ by a few validation images).
    """
    sweeps = {(p["scenario"], p["seed"]): p[SWEEP_FIELD] for p in points if SWEEP_FIELD in p}
    return [setting for settings in sweeps.values() for setting in settings] + list(points)


def operating_point(
    seed_points: list[dict], defence: str, drop: float, settings: list[dict] | None = None
) -> dict | str | None:
    """
    :param seed_points: The points of one (scenario, attack, labels, seed).
    :param defence: A defence name.
    :param drop: Allowed loss of defender accuracy on the validation images (a fraction: 0.005 = 0.5 pp).
    :param settings: Points of the same (scenario, seed) under any attack and labels, whose defender accuracies choose
                     the setting (they depend on the setting alone; where two entries of a setting differ, the first
                     decides, the undefended level included: :func:`with_sweep_settings` puts the sweep first);
                     None: ``seed_points`` themselves.
    :return: The point of the defence's strongest setting within the budget on the validation images; None where no
             setting is within it; :data:`NOT_RUN` where the attack did not run that setting (a partial sweep is never
             read at a weaker setting in its place) or the seed did not run the defence at all.
    """
    if next((p for p in seed_points if p["defence"] == "undefended"), None) is None:
        return None
    candidates = seed_points if settings is None else list(settings) + list(seed_points)
    # the first entry of each setting decides (the sweep's, where ``settings`` comes from :func:`with_sweep_settings`)
    first: dict[tuple, dict] = {}
    for p in candidates:
        first.setdefault((p["defence"], p["parameter"]), p)
    level = first[("undefended", None)][VALIDATION_FIELD] - drop
    measured = [p for (name, _), p in first.items() if name == defence]
    if not measured:  # the seed never ran this defence: that is not "no setting within the budget"
        return NOT_RUN
    # A tolerance far below one image's share, so that an accuracy equal to the level is not lost to rounding.
    eligible = [p["parameter"] for p in measured if p[VALIDATION_FIELD] >= level - 1e-12]
    if not eligible:
        return None
    chosen = max(eligible)
    return next((p for p in seed_points if p["defence"] == defence and p["parameter"] == chosen), NOT_RUN)


def matched_comparison(
    points: list[dict], drops_pp: tuple[float, ...], settings_from: list[dict] | None = None
) -> list[dict]:
    """
    Every compared defence at its operating point for each allowed drop, per seed, summarised over seeds; and each AM
    variant against each baseline as the per-seed difference of their test clone accuracies.

    :param points: Points with validation accuracies (``with_attacker_best`` applied where wanted).
    :param drops_pp: Allowed drops of defender accuracy, in percentage points.
    :param settings_from: Points whose defender accuracies choose the settings (None: ``points``); a chosen setting
                          that ``points`` lack is :data:`NOT_RUN` on that seed, never replaced by a weaker one.
    :return: One entry per (scenario, attack, labels, drop); its ``differences`` hold AM's test clone accuracy minus
             each baseline's and its ``cost_differences`` AM's test defender cost minus the baseline's (positive: AM's
             defender loses more), both per seed, keyed by (AM variant, baseline).
    """
    entries = []
    settings: dict[tuple, list[dict]] = defaultdict(list)
    for point in with_sweep_settings(points if settings_from is None else settings_from):
        settings[(point["scenario"], point["seed"])].append(point)
    for (scenario, attack, labels), seeds in sorted(by_experiment(points).items()):
        undefended: dict[int, dict] = {}
        for s, ps in seeds.items():
            found_undefended = next((p for p in ps if p["defence"] == "undefended"), None)
            if found_undefended is not None:
                undefended[s] = found_undefended
        if not undefended:
            continue
        for drop in drops_pp:
            chosen = {
                defence: {
                    s: operating_point(ps, defence, drop / 100.0, settings[(scenario, s)])
                    for s, ps in seeds.items()
                    if s in undefended
                }
                for defence in COMPARED
            }
            entry = {
                "scenario": scenario,
                "attack": attack,
                "labels": labels,
                "drop_pp": drop,
                "undefended_clone": Summary(tuple(p["clone_accuracy"] for p in undefended.values())),
                "undefended_defender": Summary(tuple(p["defender_accuracy"] for p in undefended.values())),
                "defences": {},
                "differences": {},
                "cost_differences": {},
            }
            winners = {s: _winner(p) for s, p in undefended.items() if "strongest_of" in p}
            if winners:  # the attacker each seed's strongest point took (points of STRONGEST only)
                entry["undefended_strongest_of"] = winners
            for defence, per_seed in chosen.items():
                found = {s: p for s, p in per_seed.items() if isinstance(p, dict)}
                if not any(p["defence"] == defence for ps in seeds.values() for p in ps):
                    continue
                entry["defences"][defence] = {
                    "parameters": [_parameter(per_seed[s]) for s in sorted(per_seed)],
                    "seeds_without_setting": sum(p is None for p in per_seed.values()),
                    "seeds_not_run": sum(p == NOT_RUN for p in per_seed.values()),
                    "defender": _summary([p["defender_accuracy"] for p in found.values()]),
                    "clone": _summary([p["clone_accuracy"] for p in found.values()]),
                    "cut": _summary([undefended[s]["clone_accuracy"] - p["clone_accuracy"] for s, p in found.items()]),
                    # AM only: the share of the attack's queries answered by the misinformation model
                    "misinformation": _summary(
                        [p["misinformation_rate"] for p in found.values() if p.get("misinformation_rate") is not None]
                    ),
                }
                winners = {s: _winner(p) for s, p in found.items() if "strongest_of" in p}
                if winners:
                    entry["defences"][defence]["strongest_of"] = winners
            for variant in AM_VARIANTS:
                for baseline in BASELINES:
                    pairs, costs = [], []
                    for s in undefended:
                        am_point, baseline_point = chosen[variant][s], chosen[baseline][s]
                        if isinstance(am_point, dict) and isinstance(baseline_point, dict):
                            pairs.append(am_point["clone_accuracy"] - baseline_point["clone_accuracy"])
                            # AM's defender cost minus the baseline's: the baseline's defender minus AM's
                            costs.append(baseline_point["defender_accuracy"] - am_point["defender_accuracy"])
                    if pairs:
                        entry["differences"][(variant, baseline)] = Summary(tuple(pairs))
                        entry["cost_differences"][(variant, baseline)] = Summary(tuple(costs))
            entries.append(entry)
    return entries


def cost_text(cost: Summary | None) -> str:
    """
    :param cost: AM's defender cost minus a baseline's (test accuracy, per seed), an entry of ``cost_differences``.
    :return: Its mean in pp with a sign (positive: AM's defender loses more), ``–`` for none.
    """
    if cost is None:
        return "–"
    return f"{round(100 * cost.mean, 1) + 0.0:+.1f}"  # + 0.0: a rounded -0.0 is written +0.0


def paired_text(difference: Summary, cost: Summary | None) -> str:
    """
    :return: AM's clone minus a baseline's with its interval and verdict, and the defender-cost difference beside it
             (a comparison at unequal cost says so on its face).
    """
    return f"{pct(difference)} {ci95(difference)}: {verdict(difference)}; defender cost {cost_text(cost)} pp"


def _winner(point: dict) -> str:
    """
    :return: The attacker and label mode a point of :data:`STRONGEST` took, e.g. ``confident (soft)``.
    """
    return f"{attack_kind(point['strongest_of'])} ({point['strongest_labels']})"


def _parameter(chosen: dict | str | None) -> float | str | None:
    return chosen["parameter"] if isinstance(chosen, dict) else chosen


def attacker_entries(comparison: list[dict]) -> list[dict]:
    """
    :param comparison: Entries of :func:`matched_comparison`.
    :return: One entry per (scenario, attack, drop): the label mode the attacker prefers on validation images
             (``"best"``), or the only mode it ran (ART's adaptive KnockoffNets trains on argmax labels only).
    """
    chosen: dict[tuple, dict] = {}
    for entry in comparison:
        key = (entry["scenario"], entry["attack"], entry["drop_pp"])
        if key not in chosen or entry["labels"] == "best":
            chosen[key] = entry
    return list(chosen.values())


def attacker_label(entry: dict) -> str:
    """
    :param entry: An entry of :func:`attacker_entries`.
    :return: The attack's name, with its label mode where that is not the attacker's own choice ('best').
    """
    return entry["attack"] + ("" if entry["labels"] == "best" else f" ({entry['labels']})")


def too_few_seeds(n: int) -> str:
    """
    :return: The verdict of a comparison measured on fewer than :data:`MIN_SEEDS` seeds.
    """
    return f"{n} seed{'s' * (n != 1)}: no verdict"


def _summary(values: list[float]) -> Summary | None:
    return Summary(tuple(values)) if values else None


def verdict(difference: Summary) -> str:
    """
    :param difference: AM's clone accuracy minus a baseline's, per seed.
    :return: ``AM lower`` / ``AM higher`` where the 95 % interval of the mean difference excludes zero, ``not
             separable`` where it contains it, ``<n> seed(s): no verdict`` with fewer than :data:`MIN_SEEDS` seeds.
    """
    interval = difference.interval
    if difference.n < MIN_SEEDS or interval is None:
        return too_few_seeds(difference.n)
    if interval[1] < 0:
        return "AM lower"
    if interval[0] > 0:
        return "AM higher"
    return "not separable"
