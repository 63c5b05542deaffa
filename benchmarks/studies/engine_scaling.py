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
How the Ray executor scales: the same fixed set of benchmark jobs run by a local Ray cluster with 1 and with 2 CPUs
(one job per CPU), side by side, in interleaved repeats; the models are trained into the cache first so that only the
run is timed: its prerequisite step (the served answers every job reads, computed once per run and stored) and its
jobs. Wall time includes starting and stopping Ray.

    python -m benchmarks.studies.engine_scaling --preset quick --jobs 24 --repeats 2 --output docs/engine_scaling.json

Run it on a quiet machine: the ratio is what it measures.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import tempfile
import time

import numpy as np

from art_am.atomic import write_json_atomic
from benchmarks.cli import scenario_parser, selected_scenarios
from benchmarks.executors import run_jobs
from benchmarks.jobs import plan
from benchmarks.options import RunOptions
from benchmarks.provenance import COMMIT
from benchmarks.scenario_run import prepare_models


def main(argv: list[str] | None = None) -> dict:
    parser = scenario_parser(__doc__)
    parser.add_argument(
        "--jobs", type=int, default=24, help="KnockoffNets jobs of the first scenario (soft, then argmax)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", default="1,2", help="comma-separated CPU counts of the local Ray cluster")
    args = parser.parse_args(argv)
    scenario = selected_scenarios(args)[0]
    jobs = plan(scenario, [0], ["knockoff"], ["soft", "argmax"])[: args.jobs]
    options = RunOptions(
        preset=args.preset,
        data_root=args.data_root,
        cache_dir=args.cache_dir,
        device=args.device,
        progress=False,
        executor="ray",
        cpus_per_job=1,
    )
    warm_up = tempfile.mkdtemp(prefix="scaling-")
    try:  # models and detectors into the cache, untimed
        prepare_models(dataclasses.replace(options, run_dir=warm_up), scenario.name, 0)
    finally:
        shutil.rmtree(warm_up)
    workers = [int(count) for count in args.workers.split(",")]
    seconds: dict[int, list[float]] = {count: [] for count in workers}
    for repeat in range(args.repeats):
        for count in workers if repeat % 2 == 0 else workers[::-1]:  # interleaved, alternating order
            run_dir = tempfile.mkdtemp(prefix="scaling-")
            try:
                start = time.perf_counter()
                run_jobs(jobs, dataclasses.replace(options, run_dir=run_dir, ray_num_cpus=count))
                seconds[count].append(time.perf_counter() - start)
            finally:
                shutil.rmtree(run_dir)
            print(f"repeat {repeat}: {count} worker(s) {seconds[count][-1]:.1f} s", flush=True)
    base = workers[0]
    result = {
        "preset": args.preset,
        "jobs": [job.job_id for job in jobs],
        "cpus": os.cpu_count(),
        "seconds": {str(count): values for count, values in seconds.items()},
        "median_seconds": {str(count): float(np.median(values)) for count, values in seconds.items()},
        "speedup_per_repeat": {
            str(count): [b / c for b, c in zip(seconds[base], seconds[count])] for count in workers if count != base
        },
        "command": "python -m benchmarks.studies.engine_scaling " + " ".join(sys.argv[1:] if argv is None else argv),
        "commit": COMMIT,
    }
    for count in workers[1:]:
        ratios = result["speedup_per_repeat"][str(count)]
        print(f"{count} workers vs {base}: median speedup {np.median(ratios):.2f} (per repeat {np.round(ratios, 2)})")
    if args.output:
        write_json_atomic(args.output, result)
    return result


if __name__ == "__main__":
    main()
