"""
JBDA variants against undefended victims (the paper's setting: 150 seeds from the test split, 6 rounds, lambda 0.1,
10 epochs per round, clone lr 0.01), every variant capped at the 4,800 queries of plain JBDA so that they compare at
equal cost; soft and argmax labels. The clone is scored on the rest of the test split.

    python -m benchmarks.jbda_variants --preset paper --data-root ../shared/data --output runs/jbda_variants.json
"""

from __future__ import annotations

import json
import time

from art_am.metrics import agreement
from benchmarks.attack_runs import make_clone
from benchmarks.cli import scenario_parser, selected_scenarios, write_output
from benchmarks.data import load_labelled
from benchmarks.defence_points import DefenceFactory, DefencePoint
from benchmarks.model_cache import load_models

VARIANTS = ("jbda", "jbself", "jbtop3", "t-rnd")


def main(argv: list[str] | None = None) -> None:
    from art_am.attacks import JacobianDatasetAugmentation  # pylint: disable=import-outside-toplevel
    from benchmarks.attack_runs import scenario_input_shape  # pylint: disable=import-outside-toplevel

    parser = scenario_parser(__doc__)
    parser.add_argument("--step-sizes", default=None, help="comma-separated lambdas (default: the scenario's)")
    args = parser.parse_args(argv)
    results = []
    for scenario in selected_scenarios(args):
        scenario = scenario.with_device(args.device, False)
        models = load_models(scenario, 0, args.cache_dir, args.data_root)
        x_test, y_test = load_labelled(scenario.test_source, args.data_root, "test source")
        settings = scenario.attacks
        seeds, x_eval, y_eval = (
            x_test[: settings.jbda_seeds],
            x_test[settings.jbda_seeds :],
            y_test[settings.jbda_seeds :],
        )
        victim = DefenceFactory(scenario, models, 0).live_victim(
            DefencePoint("undefended"), scenario_input_shape(scenario), args.device
        )
        truth = victim.predict(x_eval).argmax(1)
        budget = settings.jbda_seeds * 2 ** (settings.jbda_rounds - 1)
        steps = [settings.jbda_step] if args.step_sizes is None else [float(s) for s in args.step_sizes.split(",")]
        for step in steps:
            for variant in VARIANTS:
                for soft in (True, False):
                    start = time.perf_counter()
                    attack = JacobianDatasetAugmentation(
                        victim, nb_rounds=settings.jbda_rounds, step_size=step, nb_epochs=settings.jbda_epochs,
                        use_probability=soft, variant=variant, query_budget=budget, seed=0, verbose=False,
                    )  # fmt: skip
                    clone = attack.extract(
                        seeds, thieved_classifier=make_clone(scenario, settings.jbda_lr, 0, args.device)
                    )
                    labels = clone.predict(x_eval).argmax(1)
                    results.append(
                        {
                            "scenario": scenario.name,
                            "variant": variant,
                            "step_size": step,
                            "labels": "soft" if soft else "argmax",
                            "clone_accuracy": float((labels == y_eval).mean()),
                            "clone_fidelity": agreement(labels, truth),
                            "queries": attack.queries_used,
                            "seconds": time.perf_counter() - start,
                        }
                    )
                    print(json.dumps(results[-1]), flush=True)  # progress: each run takes a minute
    write_output(args.output, results)


if __name__ == "__main__":
    main()
