"""
Serving cost of each defence on the fast CIFAR-10 defender (``fastnet``, widths 64/256/256, flip + translate test-time
augmentation), against the undefended model, on the CPU: ``PyTorchClassifier.predict`` at batch 128 and at batch 1,
interleaved over repeats (each round's ratio against the undefended call of the same round; median and interquartile
range). Convolution cost does not depend on the weights, so the models are freshly initialised; what does depend on
them, the share of benign queries AM answers with the misinformation model, is bracketed by AM at tau = 0 (no query
misinformed) and at tau = 1 (every query), and a deployment's cost lies between, at its share of benign rows below tau.

PP's surrogate (a randomly initialised copy of the victim, as the authors use) is timed with the victim's test-time
augmentation and without it: augmenting a random surrogate's views buys nothing and multiplies its cost.

    OMP_NUM_THREADS=2 python -m benchmarks.studies.serving_cost --output results/cifar10-fast/serving_cost.json
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys

import numpy as np
import torch

from art_am.atomic import write_json_atomic
from art_am.defences import AdaptiveMisinformation, DeceptivePerturbation, PredictionPoisoning
from art_am.models import create_model, reinitialised_copy, set_tta_level
from benchmarks.attack_runs import defended_estimator
from benchmarks.overhead import interleaved_seconds
from benchmarks.presets import FAST_WIDTHS, PRESETS


def _cases(models: dict, surrogate_plain: torch.nn.Module) -> dict:
    surrogate_tta = reinitialised_copy(models["plain"], seed=1)
    return {
        "undefended": (None, models["plain"]),
        "AM tau=0 (f_hat on no row)": (
            AdaptiveMisinformation(models["misinformation"], 0.0, preds_type="logits"),
            models["oe"],
        ),
        "AM tau=1 (f_hat on every row)": (
            AdaptiveMisinformation(models["misinformation"], 1.0, preds_type="logits"),
            models["oe"],
        ),
        "PP-extreme, last layer, surrogate without TTA": (
            PredictionPoisoning(surrogate_plain, 0.5, preds_type="logits"),
            models["plain"],
        ),
        "PP-argmax, last layer, surrogate without TTA": (
            PredictionPoisoning(surrogate_plain, 0.5, oracle="argmax", preds_type="logits"),
            models["plain"],
        ),
        "PP-extreme, last layer, surrogate with TTA": (
            PredictionPoisoning(surrogate_tta, 0.5, preds_type="logits"),
            models["plain"],
        ),
        "DCP": (DeceptivePerturbation(1.0, 0.2, preds_type="logits"), models["plain"]),
    }


def measure(repeats: int, rows_128: int, rows_1: int, seed: int = 0) -> dict:
    """
    :return: ``{"batch_128": rows, "batch_1": rows, ...}`` with each defence's median seconds and ratio.
    """
    scenario = next(s for s in PRESETS["cifar10-fast"] if s.name == "cifar10-fast")
    models = {}
    for offset, kind in enumerate(("plain", "oe", "misinformation")):
        torch.manual_seed(seed + offset)
        models[kind] = create_model("fastnet", 10, widths=FAST_WIDTHS).eval()
    surrogate_plain = reinitialised_copy(models["plain"], seed=1)
    set_tta_level(surrogate_plain, 0)
    x = np.random.default_rng(seed).random((max(rows_128, rows_1), 3, 32, 32), dtype=np.float32)
    result: dict = {}
    for batch_size, rows in ((128, rows_128), (1, rows_1)):
        estimators = {
            name: (defended_estimator(scenario, model, copy.copy(defence), "cpu"), x[:rows])
            for name, (defence, model) in _cases(models, surrogate_plain).items()
        }
        timings = interleaved_seconds(estimators, repeats, "cpu", batch_size)
        table = []
        for name, values in timings.items():
            ratios = np.asarray(values) / np.asarray(timings["undefended"])
            table.append(
                {
                    "defence": name,
                    "images": rows,
                    "median_seconds": float(np.median(values)),
                    "ratio": float(np.median(ratios)),
                    "ratio_q25": float(np.percentile(ratios, 25)),
                    "ratio_q75": float(np.percentile(ratios, 75)),
                }
            )
        result[f"batch_{batch_size}"] = table
    result.update(
        repeats=repeats,
        torch_threads=torch.get_num_threads(),
        cpu_count=os.cpu_count(),
        machine=platform.processor() or platform.machine(),
        torch=torch.__version__,
        model="fastnet widths 64/256/256, tta_level 2 (6 forward passes per image), fresh weights",
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rows", type=int, default=512, help="images per batch-128 call")
    parser.add_argument("--rows-batch-1", type=int, default=32, help="images per batch-1 call")
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    for flag, value in (("--repeats", args.repeats), ("--rows", args.rows), ("--rows-batch-1", args.rows_batch_1)):
        if value < 1:
            print(
                f"benchmarks.studies.serving_cost: error: {flag}: {value!r} is not valid; give an integer >= 1",
                file=sys.stderr,
            )
            return 2
    result = measure(args.repeats, args.rows, args.rows_batch_1)
    print(json.dumps(result, indent=1))
    if args.output:
        write_json_atomic(args.output, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
