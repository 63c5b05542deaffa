"""
Each defence's operating points of a (scenario, seed), chosen before any clone trains: the strongest setting whose
defender accuracy on the validation images stays within each budget of the undefended model's (the rule of
:func:`benchmarks.selection.operating_point`, which the report applies to the same accuracies). Printed as a
``--defences`` list, so that a machine that cannot afford whole sweeps (two CPU cores) trains clones at the chosen
settings only, and the report then chooses the same ones from the points:

    python -m benchmarks.operating_points --preset cifar10-fast-cpu --scenario cifar10-fast-cpu \\
        --data-root ../shared/data --cache-dir C --run-dir R --seed 0 --budgets 0.5,1,2
    python -m benchmarks.run --preset cifar10-fast-cpu --scenario cifar10-fast-cpu ... --seed-list 0 \\
        --defences "$(python -m benchmarks.operating_points ... --seed 0)"

The models are trained (or loaded) and the run's stored context computed as the run's own prerequisite step does,
under ``--run-dir``, so the run that follows reuses both.
"""

from __future__ import annotations

import sys

from benchmarks.cli import UsageError, fail, scenario_parser, selected_scenarios
from benchmarks.options import RunOptions
from benchmarks.scenario_run import prepare_models, scenario_run
from benchmarks.selection import COMPARED, NOT_RUN, VALIDATION_FIELD, operating_point


def chosen_settings(validation: dict, budgets_pp: tuple[float, ...]) -> list[str]:
    """
    :param validation: ``{DefencePoint: defender accuracy on the validation images}`` of one (scenario, seed), the
                       undefended model's included.
    :param budgets_pp: Allowed losses of validation accuracy, in percentage points.
    :return: The setting keys (e.g. ``am-0.3``) chosen at any budget for the compared defences (AM's variants and the
             baselines: :data:`benchmarks.selection.COMPARED`, the ones the report chooses operating points for), the
             undefended model's first, each once.
    """
    points = [
        {"defence": point.defence, "parameter": point.parameter, VALIDATION_FIELD: accuracy, "key": point.key}
        for point, accuracy in validation.items()
    ]
    undefended = [p["key"] for p in points if p["defence"] == "undefended"]
    if not undefended:
        raise ValueError("the validation accuracies hold no undefended model, the reference of every budget.")
    chosen = list(undefended)
    for defence in dict.fromkeys(p["defence"] for p in points if p["defence"] in COMPARED):
        for budget in budgets_pp:
            point = operating_point(points, defence, budget / 100)
            if isinstance(point, dict) and point is not NOT_RUN and point["key"] not in chosen:
                chosen.append(point["key"])
    return chosen


def _budgets(text: str) -> tuple[float, ...]:
    try:
        budgets = tuple(float(part) for part in text.split(","))
    except ValueError:
        budgets = ()
    if not budgets or not all(0 <= b < 100 for b in budgets):
        raise UsageError("--budgets", text, "comma-separated percentage points in [0, 100), e.g. 0.5,1,2")
    return budgets


def main(argv: list[str] | None = None) -> int:
    """
    :return: Exit status (2 for a bad flag).
    """
    parser = scenario_parser(__doc__, output=False)
    parser.add_argument("--run-dir", default=None, help="the run's output folder (default: runs/<preset>)")
    parser.add_argument("--seed", type=int, default=0, help="the seed whose models choose (default %(default)s)")
    parser.add_argument("--budgets", default="0.5,1,2", help="percentage points (default %(default)s)")
    args = parser.parse_args(argv)
    scenarios = selected_scenarios(args)
    try:
        budgets = _budgets(args.budgets)
        if args.seed < 0:
            raise UsageError("--seed", args.seed, "a seed is a non-negative integer")
        if len(scenarios) != 1:
            raise UsageError("--scenario", args.scenario, f"name one of: {', '.join(s.name for s in scenarios)}")
    except UsageError as error:
        return fail(parser.prog, error)
    scenario = scenarios[0]
    options = RunOptions(
        preset=args.preset,
        scenario=scenario.name,
        data_root=args.data_root,
        cache_dir=args.cache_dir,
        device=args.device,
        run_dir=args.run_dir or f"runs/{args.preset}",
    )
    prepare_models(options, scenario.name, args.seed)
    run = scenario_run(options, scenario.name, args.seed)
    print(",".join(chosen_settings(run.defender_accuracy["validation"], budgets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
