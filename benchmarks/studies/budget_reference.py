"""
How much AM's operating point depends on the accuracy its budget is measured from. The benchmark measures every
defence's cost from the undefended (plain) defender, as the paper does. Where the outlier-exposure defender is
fine-tuned from the plain one (``cifar10-fast-cpu``), its extra epochs can make it *more* accurate than the plain one
on the validation images, and then AM may misinform more benign images than the budget says. This study chooses AM's
setting by the same rule (:func:`benchmarks.selection.operating_point`) against the stricter reference, the better of
the plain and the OE defender on the validation images, from the run's sweep files, and reads the clone of the
strongest attacker that ran at each setting (``not run`` where none did), then AM's clone minus each baseline's,
paired by seed (the baselines at their setting within the plain defender's budget, against their strongest attacker),
with the defender-cost difference beside it:

    python -m benchmarks.studies.budget_reference --run-dir results/cifar10-fast-cpu --budget 0.5
    # the settings to train clones at, as a --defences list for one seed:
    python -m benchmarks.studies.budget_reference --run-dir results/cifar10-fast-cpu --budget 0.5 --settings-of 1
    # one attack's clone (its better label mode on validation) where only that attack ran at the stricter settings:
    python -m benchmarks.studies.budget_reference --run-dir results/cifar10-fast-cpu --attack knockoff:seedmix
    # and a third reference, the fair one: the plain defender fine-tuned by the OE recipe without outliers
    # (benchmarks.studies.fine_tuned_reference)
    python -m benchmarks.studies.budget_reference --run-dir results/cifar10-fast-cpu --attack knockoff:seedmix \
        --fine-tuned-reference results/cifar10-fast-cpu/fine_tuned_reference.json
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.registry import BASELINES
from benchmarks.report import load_points
from benchmarks.run_files import RunFileError, load_sweeps, read_fine_tuned_reference
from benchmarks.selection import (
    STRONGEST,
    VALIDATION_FIELD,
    Summary,
    ci95,
    operating_point,
    paired_text,
    pct,
    with_attacker_best,
    with_strongest_attacker,
)

REFERENCES = ("plain", "better of plain and OE")
# the third reference, where a fine-tuned reference file gives it for the (scenario, seed)
FINE_TUNED = "plain fine-tuned without outliers"


def references(sweep: list[dict]) -> tuple[dict, dict]:
    """
    :return: The sweep's ``undefended`` (plain) and ``oe_only`` settings, the two references of AM's budget.
    :raises ValueError: If either is missing.
    """
    by_name = {s["defence"]: s for s in sweep if s["parameter"] is None}
    if not {"undefended", "oe_only"} <= set(by_name):
        raise ValueError("the sweep lacks the undefended or the OE-only setting, the references of AM's budget")
    return by_name["undefended"], by_name["oe_only"]


def reference_levels(sweep: list[dict], fine_tuned: float | None = None) -> dict[str, float]:
    """
    :param sweep: One (scenario, seed)'s sweep, with its ``undefended`` and ``oe_only`` settings.
    :param fine_tuned: The validation accuracy of the plain defender fine-tuned without outliers, if measured.
    :return: ``{reference: validation accuracy}`` for each of :data:`REFERENCES` and, where given, :data:`FINE_TUNED`.
    """
    plain, oe = references(sweep)
    levels = dict(zip(REFERENCES, (plain[VALIDATION_FIELD], max(plain[VALIDATION_FIELD], oe[VALIDATION_FIELD]))))
    if fine_tuned is not None:
        levels[FINE_TUNED] = fine_tuned
    return levels


def strict_settings(
    sweep: list[dict], drop: float, defence: str = "am", fine_tuned: float | None = None
) -> dict[str, dict | None]:
    """
    :param sweep: One (scenario, seed)'s sweep (:func:`benchmarks.run_files.load_sweeps`), with its ``undefended`` and
                  ``oe_only`` settings.
    :param drop: Allowed loss of validation accuracy (a fraction).
    :param fine_tuned: See :func:`reference_levels`.
    :return: ``{reference: the sweep's setting chosen against it, or None}`` for each reference of
             :func:`reference_levels`.
    """
    plain, _ = references(sweep)
    chosen = {}
    for reference, level in reference_levels(sweep, fine_tuned).items():
        # the undefended entry carries the reference's level: the sweep is its own settings
        anchored = [dict(s, **{VALIDATION_FIELD: level}) if s is plain else s for s in sweep]
        point = operating_point(anchored, defence, drop)
        chosen[reference] = point if isinstance(point, dict) else None
    return chosen


def attack_clones(points: list[dict], attack: str) -> list[dict]:
    """
    The strongest-attacker reading (:func:`benchmarks.selection.with_strongest_attacker`) over one attack alone: its
    label mode whose clone is the more accurate on the validation images where both ran, else the one that ran.

    :param points: A run's points.
    :param attack: An attack name as the points store it, e.g. ``knockoff:seedmix``.
    :return: AM's clones of that attack, one per (scenario, seed, setting).
    :raises ValueError: If the attack never ran against AM.
    """
    own = [p for p in points if p["attack"] == attack]
    if not any(p["defence"] == "am" for p in own):
        ran = sorted({p["attack"] for p in points if p["defence"] == "am"})
        raise ValueError(f"--attack: '{attack}' never ran against AM in this run; it ran {', '.join(ran) or 'nothing'}")
    return _am_strongest(own)


def _strongest(points: list[dict], defences: tuple[str, ...]) -> list[dict]:
    return [
        p
        for p in with_strongest_attacker(with_attacker_best(points))
        if p["attack"] == STRONGEST and p["defence"] in defences
    ]


def _am_strongest(points: list[dict]) -> list[dict]:
    return _strongest(points, ("am",))


def _by_setting(points: list[dict]) -> dict[tuple, dict]:
    """
    :return: ``{(scenario, seed, defence, parameter): point}`` of points with one point per setting (strongest-attacker
             points).
    """
    return {(p["scenario"], p["seed"], p["defence"], p["parameter"]): p for p in points}


def baseline_clones(
    points: list[dict], sweeps: dict[tuple[str, int], list[dict]], drop: float
) -> dict[tuple[str, int, str], dict]:
    """
    The baselines as the run's tables read them: each at its setting within the budget of the *plain* defender (as in
    the paper; their cost does not depend on AM's reference), against its strongest attacker.

    :param drop: Allowed loss of validation accuracy (a fraction).
    :return: ``{(scenario, seed, baseline): its strongest attacker's clone}`` where it ran.
    """
    clones = {}
    strongest = _by_setting(_strongest(points, BASELINES))
    for (scenario, seed), sweep in sweeps.items():
        for baseline in BASELINES:
            setting = operating_point(sweep, baseline, drop)
            if not isinstance(setting, dict):
                continue
            clone = strongest.get((scenario, seed, baseline, setting["parameter"]))
            if clone is not None:
                clones[(scenario, seed, baseline)] = clone
    return clones


def report(
    points: list[dict],
    sweeps: dict[tuple[str, int], list[dict]],
    drop_pp: float,
    attack: str | None = None,
    fine_tuned: dict[tuple[str, int], float] | None = None,
) -> str:
    """
    :param points: A run's points.
    :param sweeps: Its sweeps (:func:`benchmarks.run_files.load_sweeps`), also of seeds without points yet.
    :param attack: Read this attack's clone (:func:`attack_clones`) instead of the strongest attacker's, e.g. where
                   only AM's strongest attacker ran at the stricter settings (the strongest needs the paper's attacks).
    :param fine_tuned: ``{(scenario, seed): validation accuracy}`` of the plain defender fine-tuned without outliers
                       (:func:`fine_tuned_levels`): a third reference where given.
    :return: Markdown: per (scenario, seed), the plain and OE defenders' validation accuracy and AM's setting, test
             defender accuracy and strongest-attacker clone against each reference; the OE defender's accuracy minus
             the plain one's on both halves, over seeds; then AM's clones over seeds; then AM's clone minus each
             baseline's (:func:`baseline_clones`), paired by seed, with the defender-cost difference beside it.
    """
    strongest = _by_setting(_am_strongest(points) if attack is None else attack_clones(points, attack))
    if not sweeps:
        raise ValueError("the run has no sweep files (points/<scenario>/defender-sweep/seed<k>.json)")
    lines = [
        "| scenario | seed | plain, validation | OE, validation | reference | reference, validation | AM tau "
        "| AM defender (test) | AM cost vs plain (test, pp) | strongest clone (test) | attacker |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    clones: dict[tuple[str, str], dict[int, dict]] = {}
    for (scenario, seed), sweep in sorted(sweeps.items()):
        plain, oe = references(sweep)
        level = (fine_tuned or {}).get((scenario, seed))
        levels = reference_levels(sweep, level)
        for reference, setting in strict_settings(sweep, drop_pp / 100, fine_tuned=level).items():
            head = (
                f"| {scenario} | {seed} | {100 * plain[VALIDATION_FIELD]:.2f} | {100 * oe[VALIDATION_FIELD]:.2f} "
                f"| {reference} | {100 * levels[reference]:.2f} "
            )
            if setting is None:
                lines.append(f"{head}| none | | | | |")
                continue
            clone = strongest.get((scenario, seed, "am", setting["parameter"]))
            if clone is not None:
                clones.setdefault((scenario, reference), {})[seed] = clone
            row = (
                f"{head}| {setting['parameter']:g} | {100 * setting['defender_accuracy']:.2f} "
                f"| {100 * (plain['defender_accuracy'] - setting['defender_accuracy']):+.2f} "
            )
            lines.append(
                f"{row}| {100 * clone['clone_accuracy']:.1f} | {clone['strongest_of']} ({clone['strongest_labels']}) |"
                if clone is not None
                else f"{row}| not run | |"
            )
    lines += ["", "| scenario | OE defender − plain | seeds | per seed (pp) | mean ± std (pp) | 95 % |"]
    lines.append("|---|---|---|---|---|---|")
    for scenario in sorted({scenario for scenario, _ in sweeps}):
        for part, field in (("validation", VALIDATION_FIELD), ("test", "defender_accuracy")):
            gains = []
            for (name, _), sweep in sorted(sweeps.items()):
                if name == scenario:
                    plain, oe = references(sweep)
                    gains.append(oe[field] - plain[field])
            summary = Summary(tuple(gains))
            per_seed = " / ".join(f"{100 * g:+.2f}" for g in gains)
            lines.append(f"| {scenario} | {part} | {len(gains)} | {per_seed} | {pct(summary, 2)} | {ci95(summary)} |")
    who = "AM's strongest clone" if attack is None else f"AM's {attack} clone"
    lines += ["", f"| scenario | reference | seeds | {who} (test, %) | 95 % |", "|---|---|---|---|---|"]
    for (scenario, reference), by_seed in sorted(clones.items()):
        summary = Summary(tuple(p["clone_accuracy"] for p in by_seed.values()))
        lines.append(f"| {scenario} | {reference} | {len(by_seed)} | {pct(summary)} | {ci95(summary)} |")
    baselines = baseline_clones(points, sweeps, drop_pp / 100)
    lines += [
        "",
        "| scenario | reference | baseline | seeds | AM − baseline, clone (test, pp), 95 % |",
        "|---|---|---|---|---|",
    ]
    for (scenario, reference), by_seed in sorted(clones.items()):
        for baseline in BASELINES:
            pairs = [
                (am, baselines[(scenario, s, baseline)])
                for s, am in by_seed.items()
                if (scenario, s, baseline) in baselines
            ]
            if not pairs:
                continue
            difference = Summary(tuple(am["clone_accuracy"] - other["clone_accuracy"] for am, other in pairs))
            # AM's defender cost minus the baseline's: the baseline's test defender accuracy minus AM's
            cost = Summary(tuple(other["defender_accuracy"] - am["defender_accuracy"] for am, other in pairs))
            lines.append(f"| {scenario} | {reference} | {baseline} | {len(pairs)} | {paired_text(difference, cost)} |")
    return "\n".join(lines)


def fine_tuned_levels(path: str) -> dict[tuple[str, int], float]:
    """
    :param path: A file of :mod:`benchmarks.studies.fine_tuned_reference`.
    :return: ``{(scenario, seed): validation accuracy of the plain defender fine-tuned without outliers}``.
    :raises ValueError: If the file is not such a file (the message names ``--fine-tuned-reference``).
    """
    try:
        content = read_fine_tuned_reference(path)
    except RunFileError as error:
        raise ValueError(f"--fine-tuned-reference: {error}") from error
    return {(content["scenario"], int(seed)): e["fine_tuned"]["validation"] for seed, e in content["seeds"].items()}


def main(argv: list[str] | None = None) -> int:
    """
    :return: Exit status (2 for a bad argument or an unreadable run).
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", required=True, help="a run folder with sweep files")
    parser.add_argument("--budget", type=float, default=0.5, help="allowed validation loss in pp (default 0.5)")
    parser.add_argument("--settings-of", type=int, default=None, help="print AM's settings of this seed instead")
    parser.add_argument(
        "--attack", default=None, help="read this attack's clone (e.g. knockoff:seedmix) instead of the strongest's"
    )
    parser.add_argument(
        "--fine-tuned-reference",
        default=None,
        help="a benchmarks.studies.fine_tuned_reference file: adds the plain defender fine-tuned without outliers",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.budget < 100:
        print(f"error: --budget: {args.budget} is not in [0, 100) percentage points", file=sys.stderr)
        return 2
    try:
        fine_tuned = None if args.fine_tuned_reference is None else fine_tuned_levels(args.fine_tuned_reference)
        if args.settings_of is None:
            print(report(load_points(args.run_dir), load_sweeps(args.run_dir), args.budget, args.attack, fine_tuned))
            return 0
        sweeps = {key: sweep for key, sweep in load_sweeps(args.run_dir).items() if key[1] == args.settings_of}
        if len(sweeps) != 1:
            raise ValueError(
                f"--settings-of: seed {args.settings_of} has {len(sweeps)} sweep files in {args.run_dir}; one needed"
            )
        ((key, sweep),) = sweeps.items()
        chosen = strict_settings(sweep, args.budget / 100, fine_tuned=(fine_tuned or {}).get(key))
    except (RunFileError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(",".join(dict.fromkeys(f"am-{s['parameter']:g}" for s in chosen.values() if s is not None)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
