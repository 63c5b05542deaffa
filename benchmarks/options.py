"""
What one benchmark run is asked to do, as a typed, immutable value: the command line builds it
(:func:`benchmarks.run.main`), Python callers build it directly and pass it to :func:`benchmarks.run.run`, and the
engine (executors, workers, the model cache) reads it. Every field has the command line's default.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class RunOptions:  # pylint: disable=too-many-instance-attributes
    """
    :param preset: A preset of :data:`benchmarks.presets.PRESETS`.
    :param scenario: One scenario of the preset (None: all of them).
    :param data_root: Folder of real datasets.
    :param cache_dir: Folder of trained-model checkpoints (shared by runs).
    :param device: Torch device of training and inference.
    :param run_dir: Output folder of points and report (empty: ``runs/<preset>``).
    :param shard: ``K/N``: this process runs every N-th job from the K-th.
    :param report_only: Only rebuild the report from saved points.
    :param seeds: Run seeds ``0..seeds-1`` ...
    :param seed_list: ... or these comma-separated seeds.
    :param attacks: Comma-separated attacks (:data:`benchmarks.jobs.ATTACKS`).
    :param sources: Only this KnockoffNets query source (None: all).
    :param query_sources: ``NAME=SPEC`` query sets added to every selected scenario
                          (:mod:`benchmarks.query_sources`).
    :param labels: Comma-separated label modes.
    :param defences: Comma-separated defence names or single settings (None: all).
    :param progress: Show progress bars.
    :param skip_overhead: Do not measure the serving overhead.
    :param executor: ``local`` or ``ray``.
    :param ray_address: An existing Ray cluster (None: start a local one).
    :param ray_num_cpus: CPUs of a locally started Ray cluster.
    :param cpus_per_job: Torch threads (and Ray CPUs) per job (None: torch's default; 1 under Ray).
    :param gpus_per_job: GPU fraction per Ray job.
    """

    preset: str = "quick"
    scenario: str | None = None
    data_root: str = "data"
    cache_dir: str = "runs/cache"
    device: str = "cpu"
    run_dir: str = ""
    shard: str = "0/1"
    report_only: bool = False
    seeds: int = 1
    seed_list: str | None = None
    attacks: str = "knockoff,jbda"
    sources: str | None = None
    query_sources: tuple[str, ...] = ()
    labels: str = "soft,argmax"
    defences: str | None = None
    progress: bool = True
    skip_overhead: bool = False
    executor: str = "local"
    ray_address: str | None = None
    ray_num_cpus: int | None = None
    cpus_per_job: int | None = None
    gpus_per_job: float = 0.0

    def resolved(self) -> RunOptions:
        """
        :return: A copy with the defaults that depend on other fields filled in: ``run_dir`` (``runs/<preset>``) and,
                 under Ray, one torch thread per job.
        """
        changes: dict = {}
        if not self.run_dir:
            changes["run_dir"] = os.path.join("runs", self.preset)
        if self.executor == "ray" and self.cpus_per_job is None:
            changes["cpus_per_job"] = 1
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_arguments(cls, arguments: argparse.Namespace) -> RunOptions:
        """
        :param arguments: The parsed command line of :func:`benchmarks.run.build_parser`.
        :return: The same settings, typed and resolved.
        :raises ValueError: If the namespace holds a name that is not a field (a flag added to the parser only).
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(vars(arguments)) - names)
        if unknown:
            raise ValueError(f"RunOptions has no field for the command-line settings {unknown}.")
        values = dict(vars(arguments))
        values["run_dir"] = values.get("run_dir") or ""
        values["query_sources"] = tuple(values.get("query_sources") or ())  # argparse appends to a list, or None
        return cls(**values).resolved()
