"""
Why the quick preset's published DCP overhead on LeNet-5 grew (1.05x on 2026-12-01, 2.32x at commit f3e9801): time
``PyTorchClassifier.predict`` of 1,850 images with and without DCP, interleaved over 9 rounds, at 1 torch thread, with
the art_am on ``PYTHONPATH`` (run once per commit: a worktree of the old commit, and this checkout), and append the
result to a JSON file.

    git worktree add /tmp/old f3e9801
    PYTHONPATH=/tmp/old python scripts/dcp_overhead_replay.py --label f3e9801 \
        --output results/cifar10-fast/dcp_replay.json
    PYTHONPATH=. python scripts/dcp_overhead_replay.py --label HEAD --output results/cifar10-fast/dcp_replay.json
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch
from art.estimators.classification import PyTorchClassifier

from art_am.defences import DeceptivePerturbation
from art_am.models import create_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = create_model("lenet5").eval()
    x = np.random.default_rng(0).random((1850, 1, 28, 28), dtype=np.float32)

    def estimator(defence):
        return PyTorchClassifier(
            model,
            torch.nn.CrossEntropyLoss(),
            (1, 28, 28),
            10,
            clip_values=(0, 1),
            postprocessing_defences=None if defence is None else [defence],
        )

    undefended, dcp = estimator(None), estimator(DeceptivePerturbation(1.0, 0.2, preds_type="logits"))
    undefended.predict(x)
    dcp.predict(x)
    times: dict[str, list[float]] = {"undefended": [], "DCP": []}
    for _ in range(9):
        for name, classifier in (("undefended", undefended), ("DCP", dcp)):
            start = time.perf_counter()
            classifier.predict(x)
            times[name].append(time.perf_counter() - start)
    ratios = np.asarray(times["DCP"]) / np.asarray(times["undefended"])
    entry = {
        "label": args.label,
        "torch_threads": 1,
        "undefended_median_s": float(np.median(times["undefended"])),
        "dcp_median_s": float(np.median(times["DCP"])),
        "ratio": float(np.median(ratios)),
        "ratio_q25": float(np.percentile(ratios, 25)),
        "ratio_q75": float(np.percentile(ratios, 75)),
    }
    entries = json.load(open(args.output, encoding="utf-8")) if os.path.isfile(args.output) else []
    entries.append(entry)
    with open(args.output, "w", encoding="utf-8") as stream:
        json.dump(entries, stream, indent=1)
    print(entry)


if __name__ == "__main__":
    main()
