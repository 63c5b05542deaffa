"""
When a clone need not be trained again: KnockoffNets with argmax labels against a defence that keeps every top-1
class of the undefended answers trains the undefended job's clone, so the job reuses that point.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from benchmarks.jobs import Job, attack_kind
from benchmarks.registry import DefencePoint


def argmax_twin(job: Job, served: dict[DefencePoint, np.ndarray], run_dir: str) -> Job | None:
    """
    The finished undefended job whose clone this job would train again. KnockoffNets' random policy with argmax
    labels trains on the sample its seed draws and the top-1 class of each answer, nothing else: a defence whose served
    top-1 classes equal the undefended model's on every query (PP-argmax and DCP preserve them by construction; the
    check is on the stored answers, not on the defence's name) and whose truthful model is the plain one (the clone's
    fidelity is measured against it) gets the same clone from the same seed.

    :param job: A KnockoffNets job.
    :param served: The served answers of the job's query set per defence setting.
    :param run_dir: The run folder.
    :return: The undefended argmax-label job of the same scenario, seed and query set when its point exists and the
             job's clone would repeat it; None otherwise (the job trains its own clone).
    """
    undefended = DefencePoint("undefended")
    if attack_kind(job.attack) != "knockoff" or job.point == undefended:
        return None
    twin = dataclasses.replace(job, point=undefended)
    if not twin.is_finished(run_dir) or not trains_the_undefended_clone(job.point, job.labels, served):
        return None
    return twin


def trains_the_undefended_clone(point: DefencePoint, labels: str, served: dict[DefencePoint, np.ndarray]) -> bool:
    """
    :return: Whether a random-policy KnockoffNets clone of this setting and label mode is the undefended one: argmax
             labels, the plain model behind the defence, and every served top-1 class the undefended model's.
    """
    if labels != "argmax" or point.true_model != "plain":
        return False
    # float32: the precision the answers are served and argmax-ed at in the attack
    top1 = served[point].astype(np.float32).argmax(axis=1)
    return bool(np.array_equal(top1, served[DefencePoint("undefended")].astype(np.float32).argmax(axis=1)))


def shared_clone(twin: Job, run_dir: str) -> dict:
    """
    :return: The clone's scores of the twin's point (see :func:`argmax_twin`), with ``clone_shared_with`` naming it.
    """
    with open(twin.path(run_dir), encoding="utf-8") as handle:
        point = json.load(handle)
    fields = ("clone_accuracy", "clone_accuracy_validation", "clone_fidelity", "queries")
    return {field: point[field] for field in fields} | {"clone_shared_with": twin.job_id}
