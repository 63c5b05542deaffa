"""
AM's operating points on a scenario's trained defender: for thresholds tau, the defended accuracy and misinformation
rate on benign test images and on out-of-distribution query sets; the thresholds calibrated for a 1 % false-positive
rate and for a 0.5 pp accuracy budget; and the Section 6 countermeasure (confidence matching) with the AUROC of a
confidence-threshold distinguisher before and after.

    python -m benchmarks.am_operating_points --preset paper --scenario fashion_mnist --data-root ../shared/data
"""

from __future__ import annotations

from art_am.defences import (
    adaptive_misinformation_answer,
    fit_confidence_matching,
    threshold_for_accuracy_budget,
    threshold_for_false_positive_rate,
)
from art_am.inference import predict_proba
from benchmarks.cli import scenario_parser, selected_scenarios, write_output
from benchmarks.data import load_labelled, load_source
from benchmarks.model_cache import load_models
from benchmarks.scenarios import Scenario

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


def operating_points(scenario: Scenario, data_root: str, cache_dir: str, nu: float = 1000.0) -> dict:
    """
    :param scenario: The scenario, set up for its device.
    :return: JSON-serialisable table of AM's operating points.
    """
    models = load_models(scenario, 0, cache_dir, data_root)
    x_test, y_test = load_labelled(scenario.test_source, data_root, "test source")
    sets = {"benign test": x_test, **{k: load_source(v, data_root)[0] for k, v in scenario.ood_sources.items()}}
    probs = {
        name: (predict_proba(models["oe"], x), predict_proba(models["misinformation"], x)) for name, x in sets.items()
    }
    half = len(x_test) // 2  # calibrate on one half of the test set, report on the other
    f_test, f_hat_test = probs["benign test"]
    rows = []
    for tau in THRESHOLDS:
        row: dict = {"tau": tau}
        for name, (f, f_hat) in probs.items():
            served, weight = adaptive_misinformation_answer(f, f_hat, f.max(axis=1), tau, nu)
            row[f"{name}: misinformation rate"] = float((weight > 0.5).mean())
            if name == "benign test":
                row["benign accuracy"] = float((served.argmax(1) == y_test).mean())
        rows.append(row)
    tau_fpr = threshold_for_false_positive_rate(f_test[:half].max(axis=1), 0.01)
    tau_budget, _ = threshold_for_accuracy_budget(f_test[:half], f_hat_test[:half], y_test[:half], 0.005, nu)
    held_out = {}
    for label, tau in (("1% FPR", tau_fpr), ("0.5 pp budget", tau_budget)):
        served, weight = adaptive_misinformation_answer(
            f_test[half:], f_hat_test[half:], f_test[half:].max(axis=1), tau, nu
        )
        held_out[label] = {
            "tau": tau,
            "held-out misinformation rate": float((weight > 0.5).mean()),
            "held-out accuracy": float((served.argmax(1) == y_test[half:]).mean()),
            "held-out undefended accuracy": float((f_test[half:].argmax(1) == y_test[half:]).mean()),
        }
    ood_name = next(iter(scenario.ood_sources))
    match = fit_confidence_matching(f_test, probs[ood_name][1])
    return {
        "scenario": scenario.name,
        "undefended (OE model) test accuracy": float((f_test.argmax(1) == y_test).mean()),
        "thresholds": rows,
        "calibrated on first half of test set": held_out,
        "confidence matching": {
            "true answers": "OE defender on benign test images",
            "misinformation answers": f"f_hat on {ood_name} queries",
            **match.__dict__,
        },
    }


def main(argv: list[str] | None = None) -> None:
    args = scenario_parser(__doc__).parse_args(argv)
    tables = [
        operating_points(scenario.with_device(args.device, False), args.data_root, args.cache_dir)
        for scenario in selected_scenarios(args)
    ]
    write_output(args.output, tables)


if __name__ == "__main__":
    main()
