"""
Quality of a scenario's trained models: test accuracy with and without outlier exposure, the misinformation model's
accuracy, and how well the maximum softmax probability separates benign test images from out-of-distribution sets
(AUROC, fraction of benign images above thresholds), plus training time per epoch.

    python -m benchmarks.studies.defender_quality --preset paper --data-root ../shared/data
"""

from __future__ import annotations

import logging

from art_am.inference import accuracy, predict_proba
from art_am.metrics import fraction_above, ood_auroc
from benchmarks.cli import scenario_parser, selected_scenarios, write_output
from benchmarks.data import load_labelled, load_source
from benchmarks.model_cache import get_models
from benchmarks.scenarios import Scenario

KEPT_THRESHOLDS = (0.5, 0.7, 0.9, 0.99)


def defender_quality(scenario: Scenario, seed: int, cache_dir: str, data_root: str) -> dict:
    """
    :return: JSON-serialisable quality report of the scenario's models.
    """
    models = get_models(scenario, seed, cache_dir, data_root)
    x_test, y_test = load_labelled(scenario.test_source, data_root, "test source")
    report: dict = {"scenario": scenario.name, "seed": seed, "models": {}}
    for kind, (model, metadata) in models.items():
        entry = {
            "test_accuracy": accuracy(model, x_test, y_test),
            "seconds_per_epoch": metadata["seconds_per_epoch"],
            "device": metadata["device"],
        }
        if kind != "misinformation":
            msp_test = predict_proba(model, x_test).max(axis=1)
            entry["benign_fraction_above"] = fraction_above(msp_test, KEPT_THRESHOLDS)
            entry["msp_auroc"] = {
                label: ood_auroc(msp_test, predict_proba(model, load_source(spec, data_root)[0]).max(axis=1))
                for label, spec in scenario.ood_sources.items()
            }
        report["models"][kind] = entry
    return report


def main(argv: list[str] | None = None) -> None:
    parser = scenario_parser(__doc__)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    reports = [
        defender_quality(scenario.with_device(args.device, True), args.seed, args.cache_dir, args.data_root)
        for scenario in selected_scenarios(args)
    ]
    write_output(args.output, reports)


if __name__ == "__main__":
    main()
