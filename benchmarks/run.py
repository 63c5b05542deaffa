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
import logging
import os
import time

from art_am.atomic import write_json_atomic
from benchmarks.cli import add_run_arguments, parse_seed_list, parse_shard, scenario_parser
from benchmarks.executors import add_executor_arguments, run_jobs
from benchmarks.jobs import ATTACKS, LABEL_MODES, pending, plan
from benchmarks.overhead import measure_overhead
from benchmarks.report import write_report
from benchmarks.scenario_run import scenario_run
from benchmarks.scenarios import PRESETS

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
    parser.add_argument("--labels", default="soft,argmax", help=f"comma-separated subset of {','.join(LABEL_MODES)}")
    parser.add_argument(
        "--defences",
        default=None,
        help="comma-separated subset of the defence names or single settings, e.g. am,dcp-1 (default all)",
    )
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    parser.add_argument("--skip-overhead", action="store_true")
    add_executor_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.run_dir = args.run_dir or os.path.join("runs", args.preset)
    if args.executor == "ray" and args.cpus_per_job is None:
        args.cpus_per_job = 1
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    scenarios = [s for s in PRESETS[args.preset] if args.scenario in (None, s.name)]
    if not scenarios:
        parser.error(f"no scenario named {args.scenario!r} in preset {args.preset}")
    try:
        shard = parse_shard(args.shard)
        seeds = list(range(args.seeds)) if args.seed_list is None else parse_seed_list(args.seed_list)
    except ValueError as error:
        parser.error(str(error))
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
        return
    summary = write_report(args.run_dir)
    print(summary)
    print(f"\nfinished in {time.perf_counter() - start:.0f} s; report in {args.run_dir}/summary.md")


if __name__ == "__main__":
    main()
