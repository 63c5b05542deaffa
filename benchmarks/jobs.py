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
The benchmark's unit of work. A job is one (scenario, seed, attack, label mode, defence setting); its stable id names
the file its point is written to, so that any executor, shard or restart agrees on what is done: a job is finished
exactly when its point file exists (written atomically, so a killed worker leaves none).

Shards stripe the *whole* job list and only then drop finished jobs, so a restarted shard runs its own unfinished jobs
and never another shard's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from benchmarks.attack_registry import attack
from benchmarks.attack_registry import names as attack_names
from benchmarks.registry import DefencePoint, defence_points

if TYPE_CHECKING:  # the analysis layer imports this module: no training code (and no torch) at import
    from benchmarks.scenarios import Scenario

LABEL_MODES = {"soft": True, "argmax": False}
# Every attack kind in planning order (benchmarks.attack_registry holds what each is and how it runs).
ATTACKS = attack_names()


def attack_kind(attack: str) -> str:
    """
    :return: The attack's name without its query source (``knockoff:tinyimagenet`` -> ``knockoff``).
    """
    return attack.partition(":")[0]


@dataclass(frozen=True)
class Job:
    """
    One clone to train and score.
    """

    scenario: str
    seed: int
    # an attack kind of benchmarks.attack_registry, "<kind>:<query source label>" for the per-source ones
    attack: str
    labels: str  # a key of LABEL_MODES
    point: DefencePoint

    @property
    def job_id(self) -> str:
        """
        :return: Stable identifier, also the point's path below the run folder's ``points/``.
        """
        return f"{self.scenario}/seed{self.seed}/{self.attack.replace(':', '_')}-{self.labels}-{self.point.key}"

    def path(self, run_dir: str) -> str:
        """
        :param run_dir: The run folder.
        :return: Where the job's point is saved.
        """
        return os.path.join(run_dir, "points", f"{self.job_id}.json")

    def is_finished(self, run_dir: str) -> bool:
        """
        :param run_dir: The run folder.
        :return: Whether the point exists.
        """
        return os.path.isfile(self.path(run_dir))


def plan(
    scenario: Scenario,
    seeds: list[int],
    attacks: list[str],
    labels: list[str],
    sources: str | None = None,
    defences: str | None = None,
) -> list[Job]:
    """
    Every job of a scenario, finished or not, in a fixed order: soft labels first (an interrupted run then has the
    main comparison), then by seed, attack and defence setting.

    :param scenario: The scenario.
    :param seeds: Seeds (models, clones and PP's surrogate are seeded by it).
    :param attacks: Subset of :data:`ATTACKS`.
    :param labels: Subset of the label modes.
    :param sources: Only this KnockoffNets query source (None: all).
    :param defences: Comma-separated defence names or single settings such as ``am-0.6`` (None: all).
    :return: The jobs.
    """
    unknown = set(labels) - set(LABEL_MODES)
    if unknown:
        raise ValueError(f"labels must be a subset of {sorted(LABEL_MODES)}, got {sorted(unknown)}.")
    if set(attacks) - set(ATTACKS):
        raise ValueError(f"attacks must be a subset of {list(ATTACKS)}, got {sorted(set(attacks) - set(ATTACKS))}.")
    attack_names = []
    for kind in (k for k in ATTACKS if k in attacks):
        if attack(kind).per_source:
            attack_names += [f"{kind}:{s}" for s in scenario.attacks.knockoff_sources if sources in (None, s)]
        else:
            attack_names.append(kind)
    points = selected_points(scenario, defences)
    return [
        Job(scenario.name, seed, attack, mode, point)
        for mode in LABEL_MODES
        if mode in labels
        for seed in seeds
        for attack in attack_names
        for point in points
    ]


def selected_points(scenario: Scenario, defences: str | None = None) -> list[DefencePoint]:
    """
    :param scenario: The scenario.
    :param defences: Comma-separated defence names or single settings such as ``am-0.6`` (None: all).
    :return: The scenario's defence settings that ``defences`` selects, in the scenario's order.
    """
    wanted = None if defences is None else set(defences.split(","))
    return [p for p in defence_points(scenario) if wanted is None or {p.defence, p.key} & wanted]


def pending(jobs: list[Job], run_dir: str, shard: tuple[int, int] = (0, 1)) -> list[Job]:
    """
    :param jobs: The full, ordered job list (the same in every shard).
    :param run_dir: The run folder.
    :param shard: ``(index, count)``: this shard's share is every ``count``-th job from ``index``, striped over the
                  full list before finished jobs are dropped.
    :return: This shard's unfinished jobs.
    """
    index, count = shard
    if not 0 <= index < count:
        raise ValueError(f"shard must be (K, N) with 0 <= K < N, got {shard}.")
    return [job for job in jobs[index::count] if not job.is_finished(run_dir)]
