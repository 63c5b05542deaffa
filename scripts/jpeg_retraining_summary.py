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
Over seeds: what the JPEG retraining runs (``scripts/jpeg_retraining.py``) show. Each re-encoded run is paired with the
control of its seed (the stored images, the same recipe) and reported as the change in test accuracy, per seed and as
mean ± std with a 95 % Student-t interval; beside it, the committed defender of each seed on the same test images.

    python scripts/jpeg_retraining_summary.py results/cifar10-fast/jpeg_retraining-4epochs-seed*.json

A run without its seed's control, two runs of one (seed, quality), or runs of different recipes (epochs, learning
rate, ...) are refused: their differences would not measure the quality alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

# run as a file (python scripts/jpeg_retraining_summary.py), the repository root must be importable for ``benchmarks``
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.selection import Summary, ci95, pct  # noqa: E402

# the writer's names for the images, shared so that the keys read here are the keys written there
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jpeg_retraining import images_name  # noqa: E402  pylint: disable=wrong-import-position

CONTROL = "stored"  # the quality key of the control runs (their "quality" field is null)
FIELDS = ("quality", "seed", "recipe", "retrained", "reference", "psnr_db")


class SummaryError(ValueError):
    """A set of result files that cannot be summarised: which file or pair, and why."""


def read_runs(paths: list[str]) -> dict[str, dict[int, dict]]:
    """
    :param paths: Result files of ``scripts/jpeg_retraining.py``.
    :return: ``{quality: {seed: result}}``, the quality ``"stored"`` for the controls, else its number as text.
    :raises SummaryError: If there is no file, a file lacks a field, two files hold one (seed, quality), the recipes
                          differ (but for the seed), or a re-encoded run has no control of its seed.
    """
    if not paths:
        raise SummaryError("files: none given; pass the result files of scripts/jpeg_retraining.py")
    runs: dict[str, dict[int, dict]] = {}
    recipe, recipe_path = None, None
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            result = json.load(handle)
        missing = [field for field in FIELDS if not isinstance(result, dict) or field not in result]
        if missing:
            raise SummaryError(f"{path}: lacks {', '.join(missing)}; not a result file of scripts/jpeg_retraining.py")
        quality = CONTROL if result["quality"] is None else str(result["quality"])
        seed = int(result["seed"])
        if seed in runs.setdefault(quality, {}):
            raise SummaryError(f"{path}: a second run of seed {seed} at quality {quality}; pass one file per pair")
        this = {k: v for k, v in result["recipe"].items() if k != "seed"}
        if recipe is None:
            recipe, recipe_path = this, path
        elif this != recipe:
            differs = sorted(k for k in set(this) | set(recipe) if this.get(k) != recipe.get(k))
            raise SummaryError(f"{path}: its recipe differs from {recipe_path}'s in {', '.join(differs)}")
        runs[quality][seed] = result
    controls = runs.get(CONTROL, {})
    for quality, by_seed in runs.items():
        lacking = sorted(set(by_seed) - set(controls))
        if lacking:
            raise SummaryError(
                f"quality {quality}: seed(s) {', '.join(map(str, lacking))} have no control run (without --quality)"
            )
    return runs


def own_test_accuracy(result: dict, part: str) -> float:
    """
    :param part: ``"retrained"`` or ``"reference"``.
    :return: That model's test accuracy on the run's own images (re-encoded, or stored for a control).
    """
    return float(result[part][f"test {images_name(result['quality'])}"])


def summary_table(runs: dict[str, dict[int, dict]]) -> str:
    """
    :param runs: :func:`read_runs`' result.
    :return: Markdown, one row per quality (the control first, then falling quality): the test images' PSNR from the
             stored ones, the retrained model's test accuracy (mean ± std), its change from the control of its seed
             (per seed, mean ± std, 95 % interval), and the committed defender's accuracy on those test images.
    """
    lines = [
        "| training and test images | seeds | PSNR from the stored ones (test, dB) | retrained: test (%) "
        "| change from the seed's control, per seed (pp) | change: mean ± std (pp) | 95 % (pp) "
        "| the committed defender on these test images (%) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    controls = runs[CONTROL]
    order = [CONTROL] + sorted((q for q in runs if q != CONTROL), key=int, reverse=True)
    for quality in order:
        seeds = sorted(runs[quality])
        results = [runs[quality][seed] for seed in seeds]
        accuracies = Summary(tuple(own_test_accuracy(r, "retrained") for r in results))
        reference = Summary(tuple(own_test_accuracy(r, "reference") for r in results))
        if quality == CONTROL:
            label, psnr, changes, change_text, interval = "stored (quality 75)", "–", "–", "–", "–"
        else:
            label = f"re-encoded at {quality}"
            psnrs = [r["psnr_db"][f"test, stored (75) vs {images_name(int(quality))}"] for r in results]
            psnr = f"{sum(psnrs) / len(psnrs):.1f}"
            deltas = Summary(
                tuple(
                    own_test_accuracy(r, "retrained") - own_test_accuracy(controls[s], "retrained")
                    for s, r in zip(seeds, results)
                )
            )
            changes = " / ".join(f"{100 * d:+.2f}" for d in deltas.values)
            change_text, interval = pct(deltas, 2), ci95(deltas)
        lines.append(
            f"| {label} | {', '.join(map(str, seeds))} | {psnr} | {pct(accuracies, 2)} | {changes} | {change_text} "
            f"| {interval} | {pct(reference, 2)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """
    :return: Exit status (2 for files that cannot be summarised).
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", help="result files of scripts/jpeg_retraining.py")
    args = parser.parse_args(argv)
    try:
        print(summary_table(read_runs(args.files)))
    except (SummaryError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
