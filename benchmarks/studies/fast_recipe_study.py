"""
The fast CIFAR-10 recipe measured on this machine: per model (plain defender, outlier-exposure defender,
misinformation model) and seed, each epoch's wall time and test accuracy (without test-time augmentation), and the
final accuracy with it, on the whole 10k test split and on the scenario's validation and test halves. Each job trains
(or loads from the cache) one model of the ``cifar10-fast`` scenario, so the benchmark runs reuse these very models;
each writes one point file and is skipped when its file exists (resumable).

    OMP_NUM_THREADS=2 python -m benchmarks.studies.fast_recipe_study --data-root ../shared/data --cache-dir CACHE \\
        --jobs plain:0,plain:1,plain:2,oe:0,misinformation:0 --out results/cifar10-fast/recipe
    # the markdown tables of docs/fast_recipe.md:
    python -m benchmarks.studies.fast_recipe_study --report results/cifar10-fast/recipe
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import glob
import json
import os
import platform
import sys
import time

import torch

from art_am.atomic import write_atomic
from art_am.inference import accuracy
from benchmarks.data import evaluation_split
from benchmarks.model_cache import MODEL_KINDS, get_models, training_recipe
from benchmarks.presets import PRESETS
from benchmarks.run_files import load_points, read_json_file
from benchmarks.selection import Summary, ci95, pct


def _write_json(path: str, content: dict) -> None:
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(content, stream, indent=1)


def _parse_jobs(text: str) -> list[tuple[str, int]]:
    jobs = []
    for item in text.split(","):
        kind, _, seed = item.partition(":")
        if kind not in MODEL_KINDS or not seed.isdigit():
            raise ValueError(f"--jobs: '{item}' is not KIND:SEED with KIND in {MODEL_KINDS} and SEED >= 0.")
        jobs.append((kind, int(seed)))
    return jobs


def report(folder: str) -> str:
    """
    :return: Markdown: one row per point file of ``folder`` (kind, seed, accuracies, minutes), then each point's
             per-epoch test accuracy (without test-time augmentation) and seconds.
    """
    paths = sorted(glob.glob(os.path.join(glob.escape(folder), "*.json")))
    points = [dict(read_json_file(path, "a recipe point"), file=os.path.basename(path)) for path in paths]
    lines = [
        "| point file | model | seed | epochs | test, 10k, TTA | validation half, TTA | test half, TTA "
        "| training minutes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in points:
        lines.append(
            f"| `{p['file']}` | {p['kind']} | {p['seed']} | {len(p['history'])} | "
            f"{100 * p['full_test_accuracy_tta']:.2f} % | "
            f"{100 * p['validation_accuracy_tta']:.2f} % | {100 * p['test_half_accuracy_tta']:.2f} % | "
            f"{p['train_seconds'] / 60:.1f} |"
        )
    by_kind: dict[str, list[float]] = {}
    for p in points:
        by_kind.setdefault(p["kind"], []).append(p["full_test_accuracy_tta"])
    several = {kind: Summary(tuple(values)) for kind, values in by_kind.items() if len(values) > 1}
    if several:
        lines += ["", "| model | seeds | test, 10k, TTA (%) | 95 % |", "|---|---|---|---|"]
        lines += [f"| {kind} | {s.n} | {pct(s, 2)} | {ci95(s)} |" for kind, s in several.items()]
    validation = {(p.get("scenario", ""), p["kind"], p["seed"]): p["validation_accuracy_tta"] for p in points}
    costs: dict[str, dict[int, float]] = {}
    for (scenario, kind, seed), oe_accuracy in sorted(validation.items()):
        if kind == "oe" and (scenario, "plain", seed) in validation:
            costs.setdefault(scenario, {})[seed] = validation[(scenario, "plain", seed)] - oe_accuracy
    if costs:
        lines += ["", *_oe_cost_lines(costs)]
    lines += ["", "| point file | per-epoch test accuracy without TTA (%) | per-epoch seconds |", "|---|---|---|"]
    for p in points:
        accuracies = " / ".join(f"{100 * h['test_accuracy']:.1f}" for h in p["history"])
        seconds = " / ".join(f"{h['seconds']:.0f}" for h in p["history"])
        lines.append(f"| `{p['file']}` | {accuracies} | {seconds} |")
    return "\n".join(lines) + "\n"


def _oe_cost_lines(costs: dict[str, dict[int, float]]) -> list[str]:
    """
    :param costs: ``{scenario: {seed: plain minus OE defender accuracy on the validation half}}``.
    :return: The markdown table of the OE defender's cost per scenario over seeds.
    """
    lines = [
        "| scenario | seeds | OE cost on the validation half (pp) | 95 % | per seed (pp) |",
        "|---|---|---|---|---|",
    ]
    for scenario, by_seed in costs.items():
        summary = Summary(tuple(by_seed.values()))
        per_seed = " / ".join(f"{100 * c:+.2f}" for c in by_seed.values())
        lines.append(f"| {scenario} | {len(by_seed)} | {pct(summary, 2)} | {ci95(summary)} | {per_seed} |")
    return lines


def device_report(run_dir: str) -> str:
    """
    :param run_dir: A device run of the ``cifar10-fast`` preset (``results/cifar10-fast-gpu``): its ``models.json``
                    (every model's metadata), its points and its ``recipe_probe.jsonl``.
    :return: Markdown: each model kind's test accuracy over seeds (10k test images, with TTA; mean ± std, 95 %
             interval, per seed), the OE defender's cost on the validation half per scenario (from the points'
             undefended and OE-only rows), and the recipe probe's variants.
    """
    models = read_json_file(os.path.join(run_dir, "models.json"), "a device run's models.json")
    groups: dict[tuple[str, str], dict[int, float]] = {}
    for name, meta in models.items():
        scenario, kind, seed = _model_name(name)
        groups.setdefault((scenario, kind), {})[seed] = meta["test_accuracy"]
    lines = [
        "| scenario | model | seeds | test, 10k, TTA (%) | 95 % | per seed (%) |",
        "|---|---|---|---|---|---|",
    ]
    for (scenario, kind), by_seed in sorted(groups.items()):
        summary = Summary(tuple(by_seed[s] for s in sorted(by_seed)))
        per_seed = " / ".join(f"{100 * by_seed[s]:.2f}" for s in sorted(by_seed))
        lines.append(f"| {scenario} | {kind} | {len(by_seed)} | {pct(summary, 2)} | {ci95(summary)} | {per_seed} |")
    points = load_points(run_dir)
    costs_by_scenario: dict[str, dict[int, float]] = {}
    for scenario in sorted({p["scenario"] for p in points}):
        costs = {}
        for seed in sorted({p["seed"] for p in points if p["scenario"] == scenario}):
            accuracy_of = {
                p["defence"]: p["defender_accuracy_validation"]
                for p in points
                if p["scenario"] == scenario and p["seed"] == seed and p["defence"] in ("undefended", "oe_only")
            }
            if len(accuracy_of) == 2:
                costs[seed] = accuracy_of["undefended"] - accuracy_of["oe_only"]
        if costs:
            costs_by_scenario[scenario] = costs
    lines += ["", *_oe_cost_lines(costs_by_scenario)]
    probe_path = os.path.join(run_dir, "recipe_probe.jsonl")
    if os.path.isfile(probe_path):
        lines += [
            "",
            "| probe variant (seed 0) | epochs | test, 10k, TTA | without TTA | GPU seconds |",
            "|---|---|---|---|---|",
        ]
        with open(probe_path, encoding="utf-8") as stream:
            rows = [json.loads(line) for line in stream if line.strip()]
        for row in rows:
            lines.append(
                f"| {row['variant']} | {row['epochs']} | {100 * row['test_accuracy_tta']:.2f} % | "
                f"{100 * row['test_accuracy_no_tta']:.2f} % | {row['train_seconds']:.0f} |"
            )
    return "\n".join(lines) + "\n"


def _model_name(file_name: str) -> tuple[str, str, int]:
    """
    :return: ``(scenario, kind, seed)`` of a model cache file name ``<scenario>-<kind>-seed<k>-<digest>.pt``.
    """
    stem = file_name.rsplit("-", 1)[0]
    head, _, seed = stem.rpartition("-seed")
    for kind in MODEL_KINDS:
        if head.endswith("-" + kind):
            return head[: -len(kind) - 1], kind, int(seed)
    raise ValueError(f"'{file_name}' is not a model cache file name <scenario>-<kind>-seed<k>-<digest>.pt")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] in (["--report"], ["--device-report"]):
        if len(argv) != 2 or not os.path.isdir(argv[1]):
            print(f"benchmarks.studies.fast_recipe_study: error: {argv[0]} needs one existing folder", file=sys.stderr)
            return 2
        print((report if argv[0] == "--report" else device_report)(argv[1]), end="")
        return 0
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument(
        "--preset", default="cifar10-fast", choices=("cifar10-fast", "cifar10-fast-cpu", "cifar10-fast-narrow")
    )
    parser.add_argument("--scenario", default=None, help="a scenario of the preset (default: its first)")
    parser.add_argument("--jobs", required=True, help="KIND:SEED,... with KIND plain, oe or misinformation")
    parser.add_argument("--out", required=True, help="folder of the point files")
    args = parser.parse_args(argv)
    try:
        jobs = _parse_jobs(args.jobs)
        scenarios = {s.name: s for s in PRESETS[args.preset]}
        args.scenario = args.scenario or next(iter(scenarios))
        if args.scenario not in scenarios:
            raise ValueError(f"--scenario: '{args.scenario}' is not one of {sorted(scenarios)}.")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    scenario = dataclasses.replace(scenarios[args.scenario].with_device("cpu", False))
    split = evaluation_split(scenario.test_source, scenario.attacks.jbda_seeds, args.data_root, shuffle=True)
    os.makedirs(args.out, exist_ok=True)
    for kind, seed in jobs:
        path = os.path.join(args.out, f"{scenario.name}-{kind}-seed{seed}.json")
        if os.path.isfile(path):
            print(f"skip {path} (exists)")
            continue
        start = time.perf_counter()
        model, metadata = get_models(scenario, seed, args.cache_dir, args.data_root, kinds=(kind,))[kind]
        point = {
            "scenario": scenario.name,
            "kind": kind,
            "seed": seed,
            "architecture": scenario.architecture,
            "model_kwargs": scenario.model_kwargs,
            "recipe": training_recipe(scenario, kind).as_dict(),
            # a fine-tuned OE defender's training starts from the plain defender of its seed (its seconds exclude that)
            "starts_from": "plain" if kind == "oe" and scenario.oe_fine_tuning is not None else "scratch",
            "outlier_source": None if kind == "plain" else scenario.outlier_source,
            "history": metadata["history"],
            "train_seconds": metadata["train_seconds"],
            "full_test_accuracy_tta": metadata["test_accuracy"],
            "validation_accuracy_tta": accuracy(model, split.x_validation, split.y_validation),
            "test_half_accuracy_tta": accuracy(model, split.x_test, split.y_test),
            "torch_threads": torch.get_num_threads(),
            "cpu_count": os.cpu_count(),
            "machine": platform.processor() or platform.machine(),
            "torch": torch.__version__,
            "wall_seconds_including_loading": time.perf_counter() - start,
        }
        write_atomic(path, functools.partial(_write_json, content=point))
        print(f"{kind} seed {seed}: {point['full_test_accuracy_tta']:.4f} in {point['train_seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
