"""
Inference overhead of each defence against the undefended classifier, measured side by side in one run:
``PyTorchClassifier.predict(x, batch_size=128)`` with and without the postprocessor, interleaved over several repeats
(at least 7 by default), on the scenario's trained models. Each round's ratio is taken against the undefended call of
the same round; the report gives the median ratio and its interquartile range, and a verdict should use the range.

    python -m benchmarks.overhead --preset paper --scenario fashion_mnist --data-root ../shared/data

The all-parameter Jacobian of PP is timed on the first ``overhead_all_parameter_rows`` images of the scenario (1,000 by
default), against the undefended model on the same rows.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch
from art.estimators.classification import PyTorchClassifier
from torch import nn

from art_am.defences import AdaptiveMisinformation, DeceptivePerturbation, PredictionPoisoning
from art_am.defences.ood_scores import CombinedScore
from art_am.models import reinitialised_copy
from benchmarks.attack_runs import defended_estimator
from benchmarks.scenarios import Scenario


def median_seconds(
    estimators: dict[str, tuple[PyTorchClassifier, np.ndarray]], repeats: int, device: str, batch_size: int = 128
) -> dict[str, float]:
    """
    :param estimators: ``{name: (estimator, rows)}``.
    :return: ``{name: median seconds}`` of :func:`interleaved_seconds`.
    """
    timings = interleaved_seconds(estimators, repeats, device, batch_size)
    return {name: statistics.median(values) for name, values in timings.items()}


def interleaved_seconds(
    estimators: dict[str, tuple[PyTorchClassifier, np.ndarray]], repeats: int, device: str, batch_size: int = 128
) -> dict[str, list[float]]:
    """
    Time ``estimator.predict(rows)`` for every case, interleaved over ``repeats`` rounds after one warm-up call each,
    so that the machine's load affects all cases of a round alike.

    :param estimators: ``{name: (estimator, rows)}``.
    :return: ``{name: seconds of each round}``.
    """
    timings: dict[str, list[float]] = {name: [] for name in estimators}
    for estimator, rows in estimators.values():
        estimator.predict(rows[:256], batch_size=batch_size)
    for _ in range(repeats):
        for name, (estimator, rows) in estimators.items():
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            start = time.perf_counter()
            estimator.predict(rows, batch_size=batch_size)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            timings[name].append(time.perf_counter() - start)
    return timings


def measure_overhead(
    scenario: Scenario,
    models: dict[str, nn.Module],
    x: np.ndarray,
    device: str,
    combined_score: CombinedScore | None = None,
) -> dict:
    """
    :param scenario: The scenario (for shapes and class count).
    :param models: ``plain``, ``oe`` and ``misinformation`` models.
    :param x: Benign queries (e.g. the test set).
    :param device: Torch device.
    :param combined_score: A fitted MSP + sign-step detector score, to time AM with it too.
    :return: ``{"rows": [{defence, images, seconds, ratio}], ...}``.
    """
    surrogate = reinitialised_copy(models["plain"], seed=1)
    small = x[: scenario.overhead_all_parameter_rows]
    repeats = scenario.overhead_repeats
    cases = {
        "undefended": (None, models["plain"], x),
        "AM tau=0.5": (AdaptiveMisinformation(models["misinformation"], 0.5, preds_type="logits"), models["oe"], x),
        "AM tau=0.9": (AdaptiveMisinformation(models["misinformation"], 0.9, preds_type="logits"), models["oe"], x),
        "AM tau=1 (f_hat on every row)": (
            AdaptiveMisinformation(models["misinformation"], 1.0, preds_type="logits"),
            models["oe"],
            x,
        ),
        "PP-extreme, last layer": (PredictionPoisoning(surrogate, 0.5, preds_type="logits"), models["plain"], x),
        "PP-argmax, last layer": (
            PredictionPoisoning(surrogate, 0.5, oracle="argmax", preds_type="logits"),
            models["plain"],
            x,
        ),
        "DCP": (DeceptivePerturbation(1.0, 0.2, preds_type="logits"), models["plain"], x),
        f"undefended ({len(small)} rows)": (None, models["plain"], small),
        f"PP-extreme, all parameters ({len(small)} rows)": (
            PredictionPoisoning(surrogate, 0.5, jacobian="all", jacobian_chunk_size=128, preds_type="logits"),
            models["plain"],
            small,
        ),
        f"PP-argmax, all parameters ({len(small)} rows)": (
            PredictionPoisoning(
                surrogate, 0.5, oracle="argmax", jacobian="all", jacobian_chunk_size=128, preds_type="logits"
            ),
            models["plain"],
            small,
        ),
    }
    if combined_score is not None:
        cases["AM, MSP + sign detector, tau=0.01"] = (
            AdaptiveMisinformation(models["misinformation"], 0.01, preds_type="logits", score=combined_score),
            models["oe"],
            x,
        )
    estimators = {
        name: (defended_estimator(scenario, model, defence, device), rows)
        for name, (defence, model, rows) in cases.items()
    }
    timings = interleaved_seconds(estimators, repeats, device)
    rows = []
    for name, (_, rows_used) in estimators.items():
        baseline = f"undefended ({len(small)} rows)" if len(rows_used) < len(x) else "undefended"
        # Each round's ratio against the undefended call of the same round: the load of the moment cancels out.
        ratios = np.asarray(timings[name]) / np.asarray(timings[baseline])
        rows.append(
            {
                "defence": name,
                "images": len(rows_used),
                "seconds": statistics.median(timings[name]),
                "ratio": float(np.median(ratios)),
                "ratio_q25": float(np.percentile(ratios, 25)),
                "ratio_q75": float(np.percentile(ratios, 75)),
            }
        )
    return {
        "scenario": scenario.name,
        "device": device,
        "torch_threads": torch.get_num_threads(),
        "batch_size": 128,
        "repeats": repeats,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> None:
    from benchmarks.cli import (
        scenario_parser,
        selected_scenarios,
        write_output,
    )  # pylint: disable=import-outside-toplevel
    from benchmarks.data import load_source  # pylint: disable=import-outside-toplevel
    from benchmarks.model_cache import load_models  # pylint: disable=import-outside-toplevel

    parser = scenario_parser(__doc__)
    args = parser.parse_args(argv)
    tables = []
    for scenario in selected_scenarios(args):
        scenario = scenario.with_device(args.device, True)
        models = load_models(scenario, 0, args.cache_dir, args.data_root)
        x_test, _ = load_source(scenario.test_source, args.data_root)
        tables.append(measure_overhead(scenario, models, x_test, args.device))
    write_output(args.output, tables)


if __name__ == "__main__":
    main()
