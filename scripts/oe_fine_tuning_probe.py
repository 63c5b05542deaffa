# MIT License
#
# Copyright (C) The Adversarial Robustness Toolbox (ART) Authors 2026
#
# Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
# documentation files (the "Software"), to deal in the Software without restriction, including without limitation the
# rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit
# persons to whom the Software is furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in all copies or substantial portions of the
# Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
# WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
# AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
# TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
# SOFTWARE.
"""
The development probe that chose outlier-exposure fine-tuning for ``cifar10-fast-cpu``: the cached plain defender of
``cifar10-fast`` (seed 0) fine-tuned with outlier exposure, set beside the OE defender trained from scratch (12
epochs) and the plain one, on the scenario's validation half (accuracy, share of benign images below AM's threshold)
and on 2,000 KnockoffNets queries (share below the threshold). One seed: a development measurement, not a result.

    OMP_NUM_THREADS=2 python scripts/oe_fine_tuning_probe.py --data-root ../shared/data \\
        --plain C/cifar10-fast-plain-seed0-719b18580232.pt --scratch-oe C/cifar10-fast-oe-seed0-e1002eebd683.pt \\
        --epochs 3 --lr-factor 0.25 --batch-size 512 --out results/cifar10-fast-cpu/oe_fine_tuning_probe.json
"""

from __future__ import annotations

import argparse
import copy
import json
import time

from art_am.inference import predict_proba
from art_am.training import fast_fine_tuning, fast_recipe, load_checkpoint, train_defender
from benchmarks.data import evaluation_split, load_labelled, load_source
from benchmarks.presets import PRESETS

THRESHOLDS = (0.2, 0.3, 0.4, 0.5)


def main() -> None:
    """Fine-tune, measure the three models, write one JSON file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--plain", required=True, help="checkpoint of the plain cifar10-fast defender")
    parser.add_argument("--scratch-oe", required=True, help="checkpoint of the OE defender trained from scratch")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr-factor", type=float, default=0.25, help="of fast_recipe's learning rate at the batch")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--seed", type=int, default=1000, help="of the fine-tuning's order and augmentation")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    scenario = {s.name: s for s in PRESETS["cifar10-fast"]}["cifar10-fast"]
    x, y = load_labelled(scenario.train_source, args.data_root, "train source")
    x_outliers, _ = load_source(scenario.outlier_source, args.data_root)
    split = evaluation_split(scenario.test_source, scenario.attacks.jbda_seeds, args.data_root, scenario.shuffle_test)
    x_queries, _ = load_source(scenario.attacks.knockoff_sources["tinyimagenet"], args.data_root)
    plain, _ = load_checkpoint(args.plain)
    scratch, _ = load_checkpoint(args.scratch_oe)
    tuned = copy.deepcopy(plain)
    base_lr = fast_recipe(batch_size=args.batch_size).lr
    config = fast_fine_tuning(
        epochs=args.epochs, batch_size=args.batch_size, lr=base_lr * args.lr_factor, oe_weight=0.5, seed=args.seed
    )
    start = time.perf_counter()
    history = train_defender(tuned, x, y, x_outliers, config=config)
    result = {"epochs": args.epochs, "factor": args.lr_factor, "batch": args.batch_size}
    result |= {"seconds": time.perf_counter() - start, "history": history}
    for name, model in (("plain", plain), ("scratch_oe", scratch), ("finetuned_oe", tuned)):
        benign, queries = predict_proba(model, split.x_validation), predict_proba(model, x_queries[:2000])
        row: dict = {"val_acc": float((benign.argmax(1) == split.y_validation).mean())}
        for tau in THRESHOLDS:
            row[f"tau{tau}"] = {
                "benign_below": float((benign.max(1) < tau).mean()),
                "queries_below": float((queries.max(1) < tau).mean()),
            }
        result[name] = row
    with open(args.out, "w", encoding="utf-8") as stream:
        json.dump(result, stream, indent=1)


if __name__ == "__main__":
    main()
