"""
The benchmark: every defence against KnockoffNets and JBDA, with soft and argmax labels, for each scenario of a preset.

    python -m benchmarks.run --preset quick                                   # embedded data, CPU, minutes
    python -m benchmarks.run --preset paper --data-root ../shared/data        # the paper's settings, real data
    python -m benchmarks.run --preset paper --data-root data --executor ray   # the same jobs as Ray tasks
    python -m benchmarks.run --preset gpu --data-root data --device cuda      # CIFAR-10 / ResNet-18

The run is a list of jobs (:mod:`benchmarks.jobs`), one per (scenario, seed, attack, label mode, defence setting),
run by an executor (:mod:`benchmarks.executors`: ``local``, the default, or ``ray``) after the models of each
(scenario, seed) are trained once into the cache. Every finished point is saved atomically under
``<run-dir>/points/``; a re-run skips finished points. The report (``results.json``, ``results.csv``, ``summary.md``,
figures, overhead table) is the final step, rebuilt from all saved points.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import time

from art_am.atomic import write_json_atomic
from art_am.datasets import DatasetNotFoundError
from benchmarks.cli import (
    UsageError,
    add_run_arguments,
    check_choices,
    check_device,
    check_folder_flag,
    fail,
    parse_seed_list,
    parse_shard,
    scenario_parser,
)
from benchmarks.data import FILE_PREFIX, load_source
from benchmarks.defence_points import defence_points
from benchmarks.executors import add_executor_arguments, run_jobs
from benchmarks.jobs import ATTACKS, LABEL_MODES, pending, plan
from benchmarks.options import RunOptions
from benchmarks.overhead import measure_overhead
from benchmarks.presets import PRESETS
from benchmarks.provenance import record_run
from benchmarks.query_sources import check_against_run, fingerprints, parse_query_sources, with_query_sources
from benchmarks.report import load_points, write_report
from benchmarks.run_files import RunFileError, read_run_description
from benchmarks.scenario_run import scenario_run

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """
    :return: The command line of the benchmark.
    """
    parser = scenario_parser(__doc__, output=False)
    add_run_arguments(parser, run_dir=None)  # runs/<preset> by default
    parser.add_argument("--seeds", type=int, default=1, help="repeat with seeds 0..N-1; the report gives mean ± std")
    parser.add_argument(
        "--seed-list",
        default=None,
        help="comma-separated seeds to run instead of 0..N-1 (e.g. 1,2: to add one seed's missing settings first); "
        "the report reads every seed's points",
    )
    parser.add_argument(
        "--attacks",
        default="knockoff,jbda",
        help=f"comma-separated subset of {','.join(ATTACKS)} (all but knockoff and jbda: adaptive attackers; "
        "default %(default)s)",
    )
    parser.add_argument("--sources", default=None, help="only this KnockoffNets query source")
    parser.add_argument(
        "--query-source",
        dest="query_sources",
        action="append",
        metavar="NAME=SPEC",
        help="add a KnockoffNets query set to every selected scenario, e.g. heldout=file:/data/heldout.npz?size=32 "
        "(one's own images; repeatable; benchmarks.query_sources)",
    )
    parser.add_argument("--labels", default="soft,argmax", help=f"comma-separated subset of {','.join(LABEL_MODES)}")
    parser.add_argument(
        "--defences",
        default=None,
        help="comma-separated subset of the defence names or single settings, e.g. am,dcp-1 (default all); a "
        "query set's answers are served for these (and the true models) only, and a later run adds its own",
    )
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    parser.add_argument("--skip-overhead", action="store_true")
    add_executor_arguments(parser)
    return parser


def check_selection(args: RunOptions) -> tuple[list, list[int], tuple[int, int]]:
    """
    The whole selection of a run, checked before any work: every flag's value must name something that exists.

    :return: ``(scenarios, seeds, shard)``.
    :raises UsageError: Naming the flag, the value and the valid choices.
    """
    scenarios = [s for s in PRESETS[args.preset] if args.scenario in (None, s.name)]
    if not scenarios:
        raise UsageError("--scenario", args.scenario, f"choose from: {', '.join(s.name for s in PRESETS[args.preset])}")
    added = parse_query_sources(args.query_sources)
    scenarios = [with_query_sources(s, added) for s in scenarios]
    try:
        shard = parse_shard(args.shard)
    except ValueError as error:
        raise UsageError("--shard", args.shard, "give K/N with 0 <= K < N") from error
    if args.seed_list is not None:
        try:
            seeds = parse_seed_list(args.seed_list)
        except ValueError as error:
            raise UsageError("--seed-list", args.seed_list, "give comma-separated integers >= 0, e.g. 1,2") from error
    elif args.seeds < 1:
        raise UsageError("--seeds", args.seeds, "give a number of seeds >= 1")
    else:
        seeds = list(range(args.seeds))
    check_choices("--attacks", args.attacks, ATTACKS)
    check_choices("--labels", args.labels, tuple(LABEL_MODES))
    if args.sources is not None:
        check_choices("--sources", args.sources, sorted({k for s in scenarios for k in s.attacks.knockoff_sources}))
    if args.defences is not None:
        known = sorted({name for s in scenarios for p in defence_points(s) for name in (p.defence, p.key)})
        check_choices("--defences", args.defences, known)
    if args.cpus_per_job is not None and args.cpus_per_job < 1:
        raise UsageError("--cpus-per-job", args.cpus_per_job, "give a number of threads >= 1")
    needs_data = any(
        not source.startswith(("embedded:", FILE_PREFIX))
        for s in scenarios
        for source in (s.train_source, s.test_source, *s.attacks.knockoff_sources.values())
    )
    check_folder_flag("--data-root", args.data_root, must_exist=needs_data and not args.report_only)
    check_folder_flag("--run-dir", args.run_dir, must_exist=args.report_only)
    check_folder_flag("--cache-dir", args.cache_dir)
    check_device("--device", args.device)
    check_added_sources(args, added)
    return scenarios, seeds, shard


def check_added_sources(args: RunOptions, added: dict[str, str]) -> None:
    """
    Every added query set must load.

    :raises UsageError: Naming ``--query-source``.
    """
    for name, spec in added.items():
        try:
            load_source(spec, args.data_root)
        except (ValueError, DatasetNotFoundError) as error:
            raise UsageError("--query-source", f"{name}={spec}", f"it does not load: {error}") from error


def added_source_fingerprints(options: RunOptions) -> dict[str, dict[str, str]]:
    """
    :return: What each added query set stands for (:func:`benchmarks.query_sources.fingerprints`), once it is checked
             to stand for the same images as under its name earlier in the run folder.
    :raises UsageError: Naming ``--query-source``, if a name stood for other images.
    :raises RunFileError: If the run folder's ``RUN.json`` is damaged.
    """
    added = fingerprints(parse_query_sources(options.query_sources))
    description = os.path.join(options.run_dir, "RUN.json")
    if added and os.path.isfile(description):
        check_against_run(read_run_description(description).get("query_sources", {}), added)
    return added


def main(argv: list[str] | None = None) -> int:
    """
    :return: The exit status: 0, or 2 for a bad flag or a damaged run file (one line on stderr, nothing written).
    """
    arguments = build_parser().parse_args(argv)
    return run(RunOptions.from_arguments(arguments), sys.argv[1:] if argv is None else list(argv))


def run(options: RunOptions, argv: list[str] | None = None) -> int:
    """
    Run the benchmark from Python: ``run(RunOptions(preset="quick", seeds=3))`` does what
    ``python -m benchmarks.run --preset quick --seeds 3`` does.

    :param options: What to run.
    :param argv: The command line recorded in ``RUN.json`` (None: the options, written as flags).
    :return: The exit status: 0, or 2 for a bad setting or a damaged run file (one line on stderr, nothing written).
    """
    options = options.resolved()
    try:
        scenarios, seeds, shard = check_selection(options)
        added = added_source_fingerprints(options)
        if options.report_only:
            load_points_or_refuse(options.run_dir)
    except (UsageError, RunFileError) as error:
        return fail("benchmarks.run", error)
    configure_logging()
    if not options.report_only and shard[0] == 0:  # one writer among parallel shards
        os.makedirs(options.run_dir, exist_ok=True)
        command = _as_flags(options) if argv is None else argv
        record_run(options.run_dir, command, options.device, seeds, [s.name for s in scenarios], added)
    try:
        return _run(options, scenarios, seeds, shard)
    except (RunFileError, DatasetNotFoundError) as error:
        return fail("benchmarks.run", error)


def configure_logging() -> None:
    """
    The run's log: the engine's progress at INFO; ART at WARNING, since it logs "Inferred N hidden layers on PyTorch
    classifier" at INFO for every classifier it builds, i.e. once per job.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.INFO)  # also where a handler existed before (basicConfig then does nothing)
    logging.getLogger("art").setLevel(logging.WARNING)


def _as_flags(options: RunOptions) -> list[str]:
    """
    :return: The command-line flags that give ``options`` (those that differ from the defaults).
    """
    flags: list[str] = []
    for field in dataclasses.fields(RunOptions):
        value, default = getattr(options, field.name), field.default
        if value == default:
            continue
        if field.name == "progress":
            flags.append("--no-progress")
        elif field.name == "query_sources":
            flags += [item for source in value for item in ("--query-source", source)]
        elif isinstance(value, bool):
            flags.append("--" + field.name.replace("_", "-"))
        else:
            flags += ["--" + field.name.replace("_", "-"), str(value)]
    return flags


def load_points_or_refuse(run_dir: str) -> list[dict]:
    """
    :return: The run's points.
    :raises RunFileError: If the folder is missing, a point is damaged, or there are none (a report of nothing would
                          overwrite the run's report).
    """
    points = load_points(run_dir)
    if not points:
        raise RunFileError(
            f"{run_dir}: the run has no points; nothing to report (its report files are left as they are)"
        )
    return points


def _run(args: RunOptions, scenarios: list, seeds: list[int], shard: tuple[int, int]) -> int:
    start = time.perf_counter()
    if not args.report_only:
        jobs = []
        for scenario in scenarios:
            jobs += plan(
                scenario,
                seeds,
                args.attacks.split(","),
                args.labels.split(","),
                args.sources,
                args.defences,
            )
        if not jobs:  # e.g. --defences naming only what another scenario of the preset has
            raise RunFileError(f"{args.run_dir}: the selection plans no job for {[s.name for s in scenarios]}")
        todo = pending(jobs, args.run_dir, shard)
        logger.info("%d jobs, %d of them this shard's and unfinished", len(jobs), len(todo))
        run_jobs(todo, args)
        if shard[0] == 0 and not args.skip_overhead:
            for scenario in scenarios:
                overhead_path = os.path.join(args.run_dir, "overhead", f"{scenario.name}.json")
                if not os.path.isfile(overhead_path):
                    run = scenario_run(args, scenario.name, 0)
                    overhead = measure_overhead(
                        run.scenario, run.models, run.split.x_test, args.device, run.factory.combined_score
                    )
                    write_json_atomic(overhead_path, overhead)
    if shard[1] > 1 and shard[0] != 0:
        print(f"shard {args.shard} finished in {time.perf_counter() - start:.0f} s; shard 0 writes the report")
        return 0
    load_points_or_refuse(args.run_dir)
    summary = write_report(args.run_dir)
    print(glance_of(summary))
    print(f"\nfinished in {time.perf_counter() - start:.0f} s; report in {args.run_dir}/summary.md")
    return 0


def glance_of(summary: str) -> str:
    """
    :return: The "at a glance" section of a run's summary (what the console shows; every table is in the file), or the
             whole summary where it has none (points saved before the validation split).
    """
    start = summary.find("## At a glance")
    if start < 0:
        return summary
    end = summary.find("\n## ", start + 1)
    return summary[start:] if end < 0 else summary[start : end + 1]


if __name__ == "__main__":
    sys.exit(main())
