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
Where the fast recipe's last points lie: the plain defender of ``cifar10-fast`` retrained with one change
at a time (more epochs, wider, learning rate, label smoothing, batch size, no Lookahead), each variant one line of
JSON with its test accuracy (10k, with and without test-time augmentation) and training seconds. Meant for a GPU,
where a variant takes under a minute; the accuracies carry over to the CPU (same recipe, float32), the seconds do not.

    python scripts/fast_recipe_probe.py --data-root .gpu/data --device cuda --variants base,epochs16 --out probe.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

from art_am.inference import accuracy
from art_am.models import set_tta_level
from art_am.training import train_defender
from benchmarks.data import load_labelled
from benchmarks.model_cache import scenario_model
from benchmarks.presets import PRESETS

# name -> (model keyword changes, recipe field changes)
VARIANTS: dict[str, tuple[dict, dict]] = {
    "base": ({}, {}),
    "epochs16": ({}, {"epochs": 16, "warmup_epochs": 3.2}),
    "epochs20": ({}, {"epochs": 20, "warmup_epochs": 4.0}),
    "wide384": ({"widths": (128, 384, 384)}, {}),
    "lr-x0.7": ({}, {"lr_scale": 0.7}),
    "lr-x1.4": ({}, {"lr_scale": 1.4}),
    "no-label-smoothing": ({}, {"label_smoothing": 0.0}),
    "batch512": ({}, {"batch_size": 512}),
    "no-lookahead": ({}, {"lookahead": False}),
    "translate0": ({}, {"translate": 0}),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    parser.add_argument("--out", required=True, help="JSON-lines file, appended to")
    args = parser.parse_args(argv)
    unknown = [v for v in args.variants.split(",") if v not in VARIANTS]
    if unknown:
        parser.error(f"--variants: unknown {unknown}; valid: {', '.join(VARIANTS)}")
    scenario = PRESETS["cifar10-fast"][0]
    x_train, y_train = load_labelled(scenario.train_source, args.data_root, "train source")
    x_test, y_test = load_labelled(scenario.test_source, args.data_root, "test source")
    for name in args.variants.split(","):
        model_changes, recipe_changes = VARIANTS[name]
        recipe_changes = dict(recipe_changes)
        lr_scale = recipe_changes.pop("lr_scale", 1.0)
        recipe = scenario.defender_recipe
        recipe = dataclasses.replace(
            recipe, device=args.device, progress=False, seed=args.seed, lr=recipe.lr * lr_scale, **recipe_changes
        )
        variant = dataclasses.replace(scenario, model_kwargs={**scenario.model_kwargs, **model_changes})
        model = scenario_model(variant, args.seed)
        start = time.perf_counter()
        history = train_defender(model, x_train, y_train, None, config=recipe)
        seconds = time.perf_counter() - start
        model.eval()
        with_tta = accuracy(model, x_test, y_test)
        set_tta_level(model, 0)
        without = accuracy(model, x_test, y_test)
        row = {
            "variant": name,
            "seed": args.seed,
            "test_accuracy_tta": with_tta,
            "test_accuracy_no_tta": without,
            "train_seconds": seconds,
            "epochs": recipe.epochs,
            "device": args.device,
            "loss_last_epoch": history[-1].get("loss"),
        }
        print(json.dumps(row), flush=True)
        with open(args.out, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
