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
Executors of benchmark jobs: ``local`` runs them one after the other in this process (no dependencies beyond the
library); ``ray`` runs them as Ray tasks on a laptop, a cluster or a Slurm allocation, each declaring its CPUs and a GPU
fraction (so that many small clones share one GPU), with the models of each (scenario, seed) trained first, once, by a
prerequisite task that gets a whole node's CPUs. Either way a job writes its own point atomically, so killing a worker
or the driver loses no finished point, and a restart (which skips finished jobs) recomputes none.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable

import torch
from tqdm.auto import tqdm

from benchmarks.jobs import Job
from benchmarks.options import RunOptions
from benchmarks.scenario_run import execute, prepare_models

logger = logging.getLogger(__name__)

EXECUTORS = ("local", "ray")
# Task retries after a worker dies (pre-emption, out-of-memory kill, node loss).
RAY_MAX_RETRIES = 3


def run_jobs(jobs: list[Job], options: RunOptions) -> int:
    """
    :param jobs: Unfinished jobs.
    :param options: The run's options (``executor``, ``ray_address``, ``ray_num_cpus``, ``cpus_per_job``,
                    ``gpus_per_job``, ``progress`` and what the jobs need).
    :return: The number of jobs run.
    """
    if not jobs:
        return 0
    if options.executor == "local":
        return _run_local(jobs, options)
    if options.executor == "ray":
        return _run_ray(jobs, options)
    raise ValueError(f"executor must be one of {EXECUTORS}, got {options.executor!r}.")


def _progress(total: int, options: RunOptions | argparse.Namespace) -> tqdm:
    # tqdm's rate and remaining-time estimate are the ETA; mininterval keeps logs of long runs short.
    return tqdm(total=total, desc="jobs", unit="job", disable=not options.progress, mininterval=5.0)


def _prerequisites(jobs: list[Job]) -> list[tuple[str, int]]:
    return list(dict.fromkeys((job.scenario, job.seed) for job in jobs))


def _run_local(jobs: list[Job], options: RunOptions) -> int:
    with _progress(len(jobs), options) as bar:
        for scenario, seed in _prerequisites(jobs):
            prepare_models(options, scenario, seed)
        for job in jobs:
            execute(job, options)
            bar.update(1)
    return len(jobs)


def _repository_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    """
    The executor flags, the same in every entry point that trains clones.
    """
    parser.add_argument("--executor", choices=EXECUTORS, default="local", help="where jobs run (default: %(default)s)")
    parser.add_argument("--ray-address", default=None, help="an existing Ray cluster (default: start a local one)")
    parser.add_argument("--ray-num-cpus", type=int, default=None, help="CPUs of a locally started Ray cluster")
    parser.add_argument(
        "--cpus-per-job", type=int, default=None, help="torch threads (and Ray CPUs) per job; 1 under Ray by default"
    )
    parser.add_argument("--gpus-per-job", type=float, default=0.0, help="GPU fraction per Ray job, e.g. 0.1")


def map_on_ray(
    function: Callable,
    calls: list[tuple],
    options: RunOptions | argparse.Namespace,
    prerequisite: Callable | None = None,
    prerequisite_calls: dict | None = None,
) -> list:
    """
    Run ``function(*call)`` for every call as Ray tasks with the run's resources and retries, showing progress.

    :param function: A module-level function (Ray pickles it by reference).
    :param calls: Argument tuples.
    :param options: The run's options (``ray_address``, ``ray_num_cpus``, ``cpus_per_job``, ``gpus_per_job``,
                    ``progress``).
    :param prerequisite: A function run first, once per key of ``prerequisite_calls``; a call whose first argument
                         has such a key waits for it (``function`` then receives it as an extra last argument).
    :param prerequisite_calls: ``{key: argument tuple}`` of the prerequisite.
    :return: The results, in the order of ``calls``.
    """
    try:
        import ray  # pylint: disable=import-outside-toplevel
    except ImportError as error:
        raise SystemExit("--executor ray needs Ray: pip install -e '.[benchmarks]' (or pip install ray)") from error
    # Workers import the benchmarks package from this checkout (a shared file system on a multi-node cluster).
    path = os.pathsep.join(filter(None, [_repository_root(), os.environ.get("PYTHONPATH")]))
    runtime_env = {"env_vars": {"PYTHONPATH": path}}
    if options.ray_address:
        ray.init(address=options.ray_address, runtime_env=runtime_env, log_to_driver=False)
    else:
        ray.init(num_cpus=options.ray_num_cpus, include_dashboard=False, runtime_env=runtime_env, log_to_driver=False)
    try:
        resources = {"num_cpus": options.cpus_per_job or 1, "num_gpus": options.gpus_per_job}
        task = ray.remote(function).options(max_retries=RAY_MAX_RETRIES, **resources)
        ready = {}
        if prerequisite is not None:
            # Every job of a (scenario, seed) waits for its prerequisite, so it gets a whole node's CPUs (as torch
            # threads) rather than one job's share: with one CPU it left the other CPUs idle while it ran.
            threads = max(resources["num_cpus"], _largest_node_cpus(ray))
            first = ray.remote(_call_with_threads).options(
                max_retries=RAY_MAX_RETRIES, **(resources | {"num_cpus": threads})
            )
            ready = {
                key: first.remote(prerequisite, threads, *arguments)
                for key, arguments in (prerequisite_calls or {}).items()
            }
        pending_results = [
            task.remote(*call, ready[call[0]]) if prerequisite is not None else task.remote(*call) for call in calls
        ]
        with _progress(len(calls), options) as bar:
            remaining = list(pending_results)
            while remaining:
                done, remaining = ray.wait(remaining, num_returns=1)
                bar.update(len(done))
        return ray.get(pending_results)
    finally:
        ray.shutdown()


def _largest_node_cpus(ray) -> int:
    """
    :return: The CPU count of the cluster's largest live node (a task cannot span nodes).
    """
    return int(max((node["Resources"].get("CPU", 0) for node in ray.nodes() if node["Alive"]), default=1))


def _call_with_threads(function: Callable, threads: int, *arguments):
    """
    A Ray task: ``function(*arguments)`` with ``threads`` torch threads (a worker process keeps the thread count of
    the task it ran before).
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return function(*arguments)
    finally:
        torch.set_num_threads(previous)


def _run_ray(jobs: list[Job], options: RunOptions) -> int:
    prerequisites = {key: (options, *key) for key in _prerequisites(jobs)}
    calls = [((job.scenario, job.seed), job, options) for job in jobs]
    for job_id in map_on_ray(_execute_after, calls, options, prepare_models, prerequisites):
        logger.info("finished %s", job_id)
    return len(jobs)


def _execute_after(key: tuple[str, int], job: Job, options: RunOptions, prerequisite: str) -> str:
    """
    A Ray task: ``prerequisite`` (the result of the models' task for ``key``) is resolved by Ray before this runs.
    """
    del key, prerequisite
    return execute(job, options)
