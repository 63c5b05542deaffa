"""
A fault the engine's tests inject: the worker that picks a named job dies once, without cleaning up (``os._exit``),
as a machine or an out-of-memory kill would end it; the executor must retry the job and finish the run. Set only by
the tests (``tests/benchmarks/test_engine.py``); a run without the variable never reaches the exit.
"""

from __future__ import annotations

import os

from benchmarks.jobs import Job

# Fault injection for the engine's tests: a job whose id contains this variable's value kills its worker process
# (os._exit) the first time it runs, as a crashed or pre-empted worker would; a marker file beside the point records
# that it happened. Never set in normal use.
FAULT_INJECTION_VARIABLE = "ART_AM_BENCHMARK_KILL_JOB_ONCE"


def inject_fault(job: Job, run_dir: str) -> None:
    """
    Die once (exit status 17) if the job's id contains the pattern in :data:`FAULT_INJECTION_VARIABLE`; a marker
    file beside the job's point makes the retry run normally.

    :param job: The job this worker is about to run.
    :param run_dir: The run folder.
    """
    pattern = os.environ.get(FAULT_INJECTION_VARIABLE)
    if not pattern or pattern not in job.job_id:
        return
    marker = job.path(run_dir) + ".killed"
    if not os.path.exists(marker):
        os.makedirs(os.path.dirname(marker), exist_ok=True)
        with open(marker, "w", encoding="utf-8") as stream:
            stream.write(f"worker {os.getpid()} killed\n")
        os._exit(17)  # pylint: disable=protected-access
