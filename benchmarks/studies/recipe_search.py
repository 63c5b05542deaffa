"""
Search for a defender training recipe that keeps benign images confident (above AM's threshold) without losing
accuracy: trains outlier-exposure variants (epochs, OE weight) of a scenario's defender and reports test accuracy, the
fraction of benign test images above thresholds, and MSP AUROC against the scenario's out-of-distribution sets.

    python -m benchmarks.studies.recipe_search --preset paper --scenario fashion_mnist --data-root ../shared/data
"""

from __future__ import annotations

import dataclasses
import json
import time

import torch

from art_am.inference import accuracy, predict_proba
from art_am.metrics import fraction_above, ood_auroc
from art_am.models import create_model
from art_am.training import train_defender
from benchmarks.cli import scenario_parser, selected_scenarios, write_output
from benchmarks.data import load_labelled, load_source

VARIANTS = ((40, 0.1), (40, 0.25), (40, 1.0), (60, 0.5), (20, 0.5))


def main(argv: list[str] | None = None) -> None:
    parser = scenario_parser(__doc__)
    args = parser.parse_args(argv)
    scenario = selected_scenarios(args)[0]
    x_train, y_train = load_labelled(scenario.train_source, args.data_root, "train source")
    x_test, y_test = load_labelled(scenario.test_source, args.data_root, "test source")
    x_outliers, _ = load_source(scenario.outlier_source, args.data_root)
    ood = {label: load_source(spec, args.data_root)[0] for label, spec in scenario.ood_sources.items()}
    results = []
    for epochs, oe_weight in VARIANTS:
        recipe = dataclasses.replace(
            scenario.defender_recipe, epochs=epochs, lr_step=epochs // 2, oe_weight=oe_weight, device=args.device,
            progress=False,
        )  # fmt: skip
        torch.manual_seed(0)
        model = create_model(scenario.architecture, scenario.num_classes, **scenario.model_kwargs)
        start = time.perf_counter()
        train_defender(model, x_train, y_train, x_outliers, config=recipe)
        msp = predict_proba(model, x_test).max(axis=1)
        results.append(
            {
                "epochs": epochs,
                "oe_weight": oe_weight,
                "test_accuracy": accuracy(model, x_test, y_test),
                "benign_fraction_above": fraction_above(msp, (0.5, 0.7, 0.9, 0.99)),
                "msp_auroc": {k: ood_auroc(msp, predict_proba(model, v).max(axis=1)) for k, v in ood.items()},
                "seconds": time.perf_counter() - start,
            }
        )
        print(json.dumps(results[-1]), flush=True)  # progress: each variant takes minutes
    write_output(args.output, results)


if __name__ == "__main__":
    main()
