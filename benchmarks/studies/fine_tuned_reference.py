"""
The fair reference of AM's budget where the outlier-exposure defender is fine-tuned from the plain one
(``cifar10-fast-cpu``): the plain defender fine-tuned by the *same* recipe (the scenario's ``oe_fine_tuning``: epochs,
learning rate, batch order seed) without outliers. Where three more epochs improve a defender that its schedule leaves
short of convergence, outliers or not, AM's budget measured from the plain defender would credit AM with that gain. This
fine-tunes each seed's plain defender so, and stores its accuracy on the evaluation split's validation and test halves
(the halves the operating points are chosen and reported on), beside the plain defender's, recomputed the same way:

    python -m benchmarks.studies.fine_tuned_reference --preset cifar10-fast-cpu --scenario cifar10-fast-cpu \\
        --data-root ../shared/data --cache-dir runs/cache --seed-list 0,1,2 \\
        --output results/cifar10-fast-cpu/fine_tuned_reference.json

Resumable: a seed already in ``--output`` is kept and not trained again; the file is rewritten after every seed. It
prints the fine-tuned defender's gain over its start on both halves, per seed and over seeds (run again on a complete
file, it prints them without training).
:mod:`benchmarks.studies.budget_reference` reads it (``--fine-tuned-reference``) as a third reference.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
import time
from typing import Any

from art_am.atomic import write_json_atomic
from art_am.inference import accuracy
from art_am.training import train_defender
from benchmarks.cli import UsageError, parse_seed_list, scenario_parser, selected_scenarios
from benchmarks.data import evaluation_split, load_labelled
from benchmarks.model_cache import get_models, training_recipe
from benchmarks.run_files import FINE_TUNED_REFERENCE_KIND, RunFileError, read_fine_tuned_reference
from benchmarks.scenarios import Scenario
from benchmarks.selection import Summary, ci95, pct

logger = logging.getLogger(__name__)


def fine_tuned_reference(scenario: Scenario, seed: int, cache_dir: str, data_root: str) -> dict:
    """
    :param scenario: A scenario whose OE defender is fine-tuned from its plain defender (``oe_fine_tuning``).
    :param seed: The seed of the plain defender (trained, or found in the cache).
    :return: ``{"seed", "plain": {"validation", "test"}, "fine_tuned": {"validation", "test"}, "history",
             "train_seconds"}``: accuracies as fractions, the fine-tuning's per-epoch history.
    :raises ValueError: If the scenario does not fine-tune its OE defender.
    """
    if scenario.oe_fine_tuning is None:
        raise ValueError(
            f"scenario '{scenario.name}' trains its OE defender from scratch (no oe_fine_tuning); its plain defender "
            "is already the fair reference"
        )
    plain = get_models(scenario, seed, cache_dir, data_root, kinds=("plain",))["plain"][0]
    x_train, y_train = load_labelled(scenario.train_source, data_root, "train source")
    model = copy.deepcopy(plain)
    start = time.perf_counter()
    # the OE defender's recipe, batch order included (its seed field), with no outlier batches
    history = train_defender(model, x_train, y_train, None, config=training_recipe(scenario, "oe"))
    seconds = time.perf_counter() - start
    model.eval()
    split = evaluation_split(scenario.test_source, scenario.attacks.jbda_seeds, data_root, scenario.shuffle_test)
    halves = {"validation": (split.x_validation, split.y_validation), "test": (split.x_test, split.y_test)}
    return {
        "seed": seed,
        "plain": {part: accuracy(plain, x, y) for part, (x, y) in halves.items()},
        "fine_tuned": {part: accuracy(model, x, y) for part, (x, y) in halves.items()},
        "history": history,
        "train_seconds": seconds,
    }


def gain_table(entries: dict[str, dict]) -> str:
    """
    :param entries: ``{seed: entry}`` of :func:`fine_tuned_reference`.
    :return: Markdown: the fine-tuned defender's accuracy minus its start's on each half, per seed (sorted) and over
             seeds (mean ± std, 95 % interval).
    """
    lines = ["| half | seeds | fine-tuned − plain, per seed (pp) | mean ± std (pp) | 95 % |", "|---|---|---|---|---|"]
    ordered = [entries[seed] for seed in sorted(entries, key=int)]
    for part in ("validation", "test"):
        gains = [e["fine_tuned"][part] - e["plain"][part] for e in ordered]
        summary = Summary(tuple(gains))
        per_seed = " / ".join(f"{100 * g:+.2f}" for g in gains)
        lines.append(f"| {part} | {len(gains)} | {per_seed} | {pct(summary, 2)} | {ci95(summary)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """
    :return: Exit status (2 for a bad argument, or an output file of another kind or scenario).
    """
    parser = scenario_parser(__doc__, scenario="cifar10-fast-cpu")
    parser.add_argument("--seed-list", default="0,1,2", help="seeds, comma-separated (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    try:
        seeds = parse_seed_list(args.seed_list)
        if not args.output:
            raise UsageError("--output", None, "a JSON file to keep the per-seed results in (resumable)")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    (scenario,) = selected_scenarios(args)
    scenario = scenario.with_device(args.device, True)
    recipe = training_recipe(scenario, "oe").as_dict()
    recipe.pop("progress", None)
    content: dict[str, Any] = {
        "kind": FINE_TUNED_REFERENCE_KIND,
        "scenario": scenario.name,
        "recipe": recipe,
        "seeds": {},
    }
    if os.path.exists(args.output):
        try:
            content = read_fine_tuned_reference(args.output)
        except RunFileError as error:
            print(f"error: --output: {error}", file=sys.stderr)
            return 2
        if content.get("scenario") != scenario.name:
            print(
                f"error: --output: '{args.output}' holds scenario '{content.get('scenario')}', not "
                f"'{scenario.name}'; give another file",
                file=sys.stderr,
            )
            return 2
    done: dict[str, dict] = content["seeds"]
    for seed in seeds:
        if str(seed) in done:
            logger.info("seed %d: kept from %s", seed, args.output)
            continue
        try:
            done[str(seed)] = fine_tuned_reference(scenario, seed, args.cache_dir, args.data_root)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        write_json_atomic(args.output, content)
        logger.info("seed %d: %s", seed, {k: done[str(seed)][k] for k in ("plain", "fine_tuned")})
    print(json.dumps({seed: {k: e[k] for k in ("plain", "fine_tuned")} for seed, e in done.items()}))
    print(gain_table(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
