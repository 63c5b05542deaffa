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
What a job needs from its (scenario, seed): the trained models (from the cache), the defence factory, the evaluation
split (JBDA seeds, validation images that choose operating points, test images that report) and the served answers
of each query set, built once per process and reused by every job of that (scenario, seed) the process runs; and the
running of one job.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import time
from collections.abc import Callable

import numpy as np
import torch

from art_am.atomic import write_atomic, write_json_atomic, write_npz_atomic
from art_am.attacks import DecodedClone
from art_am.defences import ConfidenceMatch, fit_confidence_matching
from art_am.defences.ood_scores import CombinedScore, MaxSoftmaxProbability
from art_am.inference import predict_proba
from art_am.metrics import agreement, hellinger_distance
from benchmarks.attack_registry import attack
from benchmarks.attack_runs import (
    make_clone,
    run_jbda,
    run_knockoff,
    run_selective,
    scenario_input_shape,
    seeds_only_clone,
)
from benchmarks.clone_sharing import argmax_twin, shared_clone, trains_the_undefended_clone
from benchmarks.data import evaluation_split, load_source
from benchmarks.defence_points import AM_VARIANTS, DETECTOR_FAMILIES, DefenceFactory, DefencePoint, defence_points
from benchmarks.fault_injection import inject_fault
from benchmarks.jobs import LABEL_MODES, Job, selected_points
from benchmarks.model_cache import exclusive, get_models, get_sign_detector, with_pretrained_weights
from benchmarks.options import RunOptions
from benchmarks.presets import PRESETS
from benchmarks.provenance import provenance
from benchmarks.query_sources import parse_query_sources, with_query_sources
from benchmarks.run_files import write_sweep
from benchmarks.scenarios import Scenario

logger = logging.getLogger(__name__)


def scenario_of(options: RunOptions, name: str) -> Scenario:
    """
    :param options: The run's options (``preset``, ``device``, ``cache_dir``, ``data_root``).
    :param name: Scenario name.
    :return: The preset's scenario with the run's added query sets, set up for the run's device, with its pretrained
             weights (trained on first use).
    """
    for scenario in PRESETS[options.preset]:
        if scenario.name == name:
            scenario = with_query_sources(scenario, parse_query_sources(options.query_sources))
            return with_pretrained_weights(
                scenario.with_device(options.device, False), options.cache_dir, options.data_root
            )
    raise ValueError(f"no scenario named {name!r} in preset {options.preset!r}")


def prepare_models(options: RunOptions, scenario_name: str, seed: int) -> str:
    """
    Train (or find in the cache) every model of a (scenario, seed), and compute and store what its jobs read (defender
    accuracies; the served answers of every query set the run selects, ``--sources``, where a selected attack of the
    KnockoffNets family trains on them): the prerequisite of its jobs.
    Concurrent callers are safe: the cache trains each model once and the context is computed once, under file locks.

    :return: ``"<scenario>/seed<k>"``.
    """
    scenario = scenario_of(options, scenario_name)
    get_models(scenario, seed, options.cache_dir, options.data_root)
    if scenario.am_detector_thresholds:
        for family in ("sign", "broad") if scenario.broad_detector else ("sign",):
            get_sign_detector(scenario, scenario.detector_images, options.cache_dir, options.data_root, seed, family)
    # the evaluation and the selected query sets' served answers, stored for the workers; only the KnockoffNets family
    # trains on stored answers (the truth filters and JBDA ask the live defence), and serving a set costs minutes per
    # setting at CIFAR scale, so a run of the others alone serves none
    run = scenario_run(options, scenario_name, seed)
    if any(attack(kind).family == "knockoff" for kind in options.attacks.split(",")):
        for source in scenario.attacks.knockoff_sources:
            if options.sources in (None, source):
                run.prepare_answers(source)
    return f"{scenario_name}/seed{seed}"


class ScenarioRun:
    """
    The shared state of all jobs of one scenario and seed.
    """

    def __init__(self, scenario: Scenario, seed: int, options: RunOptions) -> None:
        self.scenario, self.seed, self.options = scenario, seed, options
        self.device = options.device
        self.folder = os.path.join(options.run_dir, "points", scenario.name, f"seed{seed}")
        loaded = get_models(scenario, seed, options.cache_dir, options.data_root)
        self.models = {kind: model for kind, (model, _) in loaded.items()}
        self.model_metadata = {kind: metadata for kind, (_, metadata) in loaded.items()}
        self.split = evaluation_split(
            scenario.test_source, scenario.attacks.jbda_seeds, options.data_root, scenario.shuffle_test
        )
        self.points = defence_points(scenario)
        # The settings whose answers to a KnockoffNets query set this process computes: those the run selects
        # (--defences; computing all of them costs minutes per set at CIFAR scale) and the two true models, which the
        # answers' statistics compare every setting with. A stored set is extended by the settings it lacks.
        self.answered_points = list(
            dict.fromkeys(
                [DefencePoint("undefended"), DefencePoint("oe_only")] + selected_points(scenario, options.defences)
            )
        )
        # What every job of this (scenario, seed) reads is computed once, by the first process that needs it (the
        # prerequisite step), and stored under the run folder; other processes load it instead of rebuilding it.
        self.context = os.path.join(options.run_dir, "context", scenario.name, f"seed{seed}")
        evaluation = self._stored(
            "evaluation.npz",
            self._evaluate,
            {f"{part}/{p.key}" for part in ("validation", "test") for p in self.points},
        )
        # Defender accuracy on both parts: validation chooses the operating points, test reports them.
        self.defender_accuracy = {
            part: {p: float(evaluation[f"{part}/{p.key}"]) for p in self.points} for part in ("validation", "test")
        }
        write_sweep(
            options.run_dir,
            scenario.name,
            seed,
            [
                {
                    "defence": p.defence,
                    "parameter": p.parameter,
                    "defender_accuracy": self.defender_accuracy["test"][p],
                    "defender_accuracy_validation": self.defender_accuracy["validation"][p],
                }
                for p in self.points
            ],
        )
        self.msp_benign = evaluation["msp_benign"]
        self.true_labels = {name: evaluation[f"true_labels/{name}"] for name in ("plain", "oe")}
        self._query_answers: dict[str, tuple[np.ndarray, dict, dict]] = {}

    @functools.cached_property
    def factory(self) -> DefenceFactory:
        """
        :return: The defence factory (served answers and live victims), built on first use: jobs that only read stored
                 answers never build its scores.
        """
        return DefenceFactory(
            self.scenario,
            self.models,
            self.seed,
            self._combined_score("sign"),
            self._confidence_match(),
            self._combined_score("broad") if self.scenario.broad_detector else None,
        )

    def _stored(
        self,
        name: str,
        compute: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]],
        required: set[str],
    ) -> dict[str, np.ndarray]:
        """
        :param name: File name under the context folder.
        :param compute: Given the stored arrays (empty when there is no file), returns the arrays to store: at least
                        the required ones it lacks. Every array is a deterministic function of the cached models, so a
                        file written before the scenario gained a setting, or by a run that selected fewer settings,
                        is extended rather than trusted or thrown away.
        :param required: Keys the caller reads.
        :return: The arrays of ``<context>/<name>``, computed (under a file lock, so once) and saved when missing.
        """
        path = os.path.join(self.context, name)
        with exclusive(path):
            stored = _read_arrays(path)
            if required <= set(stored):
                return stored
            if stored:
                logger.info("%s lacks %d required arrays: computing them", path, len(required - set(stored)))
            arrays = stored | compute(stored)
            write_npz_atomic(path, arrays)
        return arrays

    def _evaluate(self, _stored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        arrays = {}
        for part, (x, y) in {
            "validation": (self.split.x_validation, self.split.y_validation),
            "test": (self.split.x_test, self.split.y_test),
        }.items():
            served = self.factory.served_answers(x, self.points)
            arrays.update({f"{part}/{p.key}": np.array((served[p].argmax(1) == y).mean()) for p in self.points})
        arrays["msp_benign"] = served[DefencePoint("oe_only")].max(axis=1)
        arrays["true_labels/plain"] = served[DefencePoint("undefended")].argmax(1)
        arrays["true_labels/oe"] = served[DefencePoint("oe_only")].argmax(1)
        return arrays

    def _combined_score(self, family: str) -> CombinedScore | None:
        """
        :param family: The detector's perturbation family: ``sign`` (``am_detector``) or ``broad``
                       (``am_detector_broad``).
        :return: MSP + the detector (trained with this run's seed), its reference ranks fitted on the validation
                 images, or None when the scenario sweeps no detector setting.
        """
        if not self.scenario.am_detector_thresholds:
            return None
        images = self.scenario.detector_images
        detector = get_sign_detector(
            self.scenario, images, self.options.cache_dir, self.options.data_root, self.seed, family
        )
        reference = self.split.x_validation
        score = CombinedScore([MaxSoftmaxProbability(), detector])
        return score.fit(reference, probabilities=predict_proba(self.models["oe"], reference).astype(np.float64))

    def _confidence_match(self) -> ConfidenceMatch | None:
        """
        :return: The Section 6 temperatures, fitted so that a confidence threshold cannot tell the OE defender's answers
                 on the validation images from the misinformation model's answers on the outlier-exposure images (the
                 defender's stand-in for attack queries), or None when the scenario sweeps no ``am_cm`` setting.
        """
        if not self.scenario.confidence_matching:
            return None
        x_outliers, _ = load_source(self.scenario.outlier_source, self.options.data_root)
        true_answers = predict_proba(self.models["oe"], self.split.x_validation).astype(np.float64)
        misinformation = predict_proba(self.models["misinformation"], x_outliers[:5000]).astype(np.float64)
        return fit_confidence_matching(true_answers, misinformation)

    def run_job(self, job: Job) -> dict:
        """
        Train and score the job's clone, and save its point atomically.

        :param job: A job of this scenario and seed.
        :return: The point.
        """
        point, mode = job.point, job.labels
        start = time.perf_counter()
        kind, _, source = job.attack.partition(":")
        entry = attack(kind)
        if entry.family == "jbda":
            victim = self.factory.live_victim(point, scenario_input_shape(self.scenario), self.device)
            clone, queries, sent, extra = run_jbda(
                self.scenario,
                victim,
                self.split.x_seeds,
                LABEL_MODES[mode],
                self.seed,
                self.device,
                False,
                detector_aware=kind != "jbda",
                optimise_iterations=self.scenario.attacks.jbda_optimise_iterations if kind == "jbda-optimised" else 0,
                # the attacker knows the code: its detector copy is trained on the family the defence deploys
                detector_family=DETECTOR_FAMILIES.get(point.defence, "sign"),
            )
            if point.defence in AM_VARIANTS:
                extra["misinformation_rate"] = victim.postprocessing_defences[0].statistics["misinformation_rate"]
            if point.defence == "undefended" and kind == "jbda":
                # The floor of the JBDA panels: what the truthfully answered seeds alone teach a clone.
                floor = seeds_only_clone(
                    self.scenario, victim, self.split.x_seeds, LABEL_MODES[mode], self.seed, self.device
                )
                extra["seeds_only_clone_accuracy"] = self._accuracy(floor)
                if mode == "soft":
                    self._save_arrays("queries-jbda.npz", {"msp_queries": self._msp(sent)})
        elif entry.family == "selective":
            victim = self.factory.live_victim(point, scenario_input_shape(self.scenario), self.device)
            x_queries, _ = load_source(self.scenario.attacks.knockoff_sources[source], self.options.data_root)
            assert entry.selection is not None  # every selective entry has one (AttackEntry checks)
            clone, queries, extra = run_selective(
                self.scenario, victim, x_queries, entry.selection, LABEL_MODES[mode], self.seed, self.device
            )
        else:
            x_queries, served, switch_scores = self._answers(source)
            twin = argmax_twin(job, served, self.options.run_dir)
            if twin is not None:
                return self._save_point(job, start, shared_clone(twin, self.options.run_dir))
            y_queries = None
            if entry.policy == "adaptive":  # ART's adaptive policy needs the attacker's labels
                _, labels = load_source(self.scenario.attacks.knockoff_sources[source], self.options.data_root)
                if labels is None:
                    raise ValueError(f"{kind} needs labels of the query source {source!r}, which has none.")
                y_queries = labels[: len(x_queries)]
            if y_queries is None:
                clone, queries, asked = self._random_policy_clone(source, job, x_queries, served)
            else:
                clone, queries, asked = run_knockoff(
                    self.scenario,
                    x_queries,
                    served[point],
                    LABEL_MODES[mode],
                    self.seed,
                    self.device,
                    False,
                    y_queries,
                    retrain=entry.retrain,
                )
            extra = {}
            if entry.decoded:
                # the attacker's own images (JBDA's seeds), labelled by the defended model: queries too
                victim = self.factory.live_victim(point, scenario_input_shape(self.scenario), self.device)
                seed_labels = victim.predict(self.split.x_seeds, batch_size=1024).argmax(axis=1)
                clone = DecodedClone(clone, self.split.x_seeds, seed_labels, self.scenario.num_classes)
                queries += len(self.split.x_seeds)
            if point.defence in switch_scores:
                # over the queries sent: an adaptive policy chooses (and repeats) some of the stored ones
                extra["misinformation_rate"] = float((switch_scores[point.defence][asked] < point.parameter).mean())
        if point.defence == "am_cm" and self.factory.confidence_match is not None:  # set wherever am_cm runs
            extra["temperatures"] = dataclasses.asdict(self.factory.confidence_match)
        clone_labels = clone.predict(self.split.x_test, batch_size=1024).argmax(1)
        scores = {
            "clone_accuracy": float((clone_labels == self.split.y_test).mean()),
            "clone_accuracy_validation": self._accuracy(clone, validation=True),
            "clone_fidelity": agreement(clone_labels, self.true_labels[point.true_model]),
            "queries": int(queries),
        }
        return self._save_point(job, start, scores | extra)

    def _random_policy_clone(self, source: str, job: Job, x_queries: np.ndarray, served: dict) -> tuple:
        """
        KnockoffNets' random-policy clone of the job's query set, labels and setting, as :func:`run_knockoff` returns
        it. In a run that asks for the decoding attacker (``knockoff-decoded``, which reads the very clone the plain
        KnockoffNets job trains: same seed, sample and answers) the clone is stored in the run's context and loaded
        by the other job instead of trained a second time (identical weights, at a whole clone's cost). A setting
        whose served top-1 classes equal the undefended model's shares the undefended clone with argmax labels.
        """
        point = job.point
        if "knockoff-decoded" not in self.options.attacks.split(","):
            return run_knockoff(self.scenario, x_queries, served[point], LABEL_MODES[job.labels], self.seed,
                                self.device, False)  # fmt: skip
        trains = DefencePoint("undefended") if trains_the_undefended_clone(point, job.labels, served) else point
        path = os.path.join(self.context, "clones", f"{source}-{job.labels}-{trains.key}.pt")
        with exclusive(path):
            if os.path.isfile(path):
                stored = torch.load(path, map_location="cpu", weights_only=True)
                clone = make_clone(self.scenario, self.scenario.attacks.clone_lr, self.seed, self.device, x_queries)
                clone.model.load_state_dict(stored["state"])
                clone.model.eval()
                return clone, int(stored["queries"]), stored["asked"].numpy()
            clone, queries, asked = run_knockoff(
                self.scenario, x_queries, served[trains], LABEL_MODES[job.labels], self.seed, self.device, False
            )
            content = {"state": clone.model.state_dict(), "queries": queries, "asked": torch.from_numpy(asked)}
            write_atomic(path, lambda temporary: torch.save(content, temporary))
        return clone, queries, asked

    def _save_point(self, job: Job, start: float, scores: dict) -> dict:
        """
        Save the job's point atomically: the defender's accuracies, the clone's ``scores`` and the provenance.

        :return: The point.
        """
        record = {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "attack": job.attack,
            "labels": job.labels,
            "defence": job.point.defence,
            "parameter": job.point.parameter,
            "defender_accuracy": self.defender_accuracy["test"][job.point],
            "defender_accuracy_validation": self.defender_accuracy["validation"][job.point],
            **scores,
            "seconds": time.perf_counter() - start,
            **provenance(self.device),
        }
        write_json_atomic(job.path(self.options.run_dir), record)
        return record

    def _answers(self, source: str) -> tuple[np.ndarray, dict, dict]:
        """
        :return: ``(queries, served answers per setting, switch scores)`` of a KnockoffNets query set, computed once
                 per run folder (answers stored as float32, the precision KnockoffNets trains on).
        """
        if source not in self._query_answers:
            x_queries, _ = load_source(self.scenario.attacks.knockoff_sources[source], self.options.data_root)
            x_queries = x_queries[: self.scenario.attacks.knockoff_queries]

            def compute(stored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
                missing = [p for p in self.answered_points if f"served/{p.key}" not in stored]
                scores = self.factory.switch_scores(x_queries, None, missing)
                served = self.factory.served_answers(x_queries, missing, scores)
                arrays = {f"served/{p.key}": served[p].astype(np.float32) for p in missing}
                return arrays | {f"switch/{variant}": value for variant, value in scores.items()}

            arrays = self._stored(f"answers-{source}.npz", compute, {f"served/{p.key}" for p in self.answered_points})
            answered = [p for p in self.points if f"served/{p.key}" in arrays]  # those selected, and any stored before
            served = {p: arrays[f"served/{p.key}"].astype(np.float64) for p in answered}
            switch_scores = {k[len("switch/") :]: v for k, v in arrays.items() if k.startswith("switch/")}
            self._query_answers[source] = (x_queries, served, switch_scores)
            self._save_query_statistics(source, served)
        return self._query_answers[source]

    def prepare_answers(self, source: str) -> None:
        """
        Compute and store the served answers of a KnockoffNets query set (the prerequisite step calls it).
        """
        self._answers(source)

    def _accuracy(self, clone, validation: bool = False) -> float:
        x, y = (
            (self.split.x_validation, self.split.y_validation) if validation else (self.split.x_test, self.split.y_test)
        )
        return float((clone.predict(x, batch_size=1024).argmax(1) == y).mean())

    def _msp(self, x: np.ndarray) -> np.ndarray:
        return predict_proba(self.models["oe"], x).max(axis=1)

    def _save_arrays(self, name: str, arrays: dict[str, np.ndarray]) -> None:
        """
        Store ``arrays`` under the points folder, added to what the file holds (runs that selected other settings
        each add theirs); a file that holds every key already is left as it is.
        """
        path = os.path.join(self.folder, name)
        if os.path.isfile(path):
            with np.load(path) as file:  # the key list only: the arrays are read when the file is extended
                if set(arrays) <= set(file.files):
                    return
        write_npz_atomic(path, _read_arrays(path) | arrays, compressed=True)

    def _save_query_statistics(self, source_label: str, answers: dict) -> None:
        """
        Hellinger distances between true and served answers per defence setting, and MSPs, for the figures.
        """
        arrays = {"msp_queries": answers[DefencePoint("oe_only")].max(axis=1), "msp_benign": self.msp_benign}
        for point in answers:
            truth = answers[DefencePoint("undefended" if point.true_model == "plain" else "oe_only")]
            arrays[f"hellinger/{point.key}"] = hellinger_distance(truth, answers[point])
        self._save_arrays(f"queries-{source_label}.npz", arrays)


def _read_arrays(path: str) -> dict[str, np.ndarray]:
    """
    :return: Every array of the ``.npz`` file at ``path`` (empty where there is no file): what a stored file holds
             before it is extended.
    """
    if not os.path.isfile(path):
        return {}
    with np.load(path) as file:
        return {key: file[key] for key in file.files}


# One ScenarioRun per (scenario, seed) per process: a worker that runs many jobs of the same seed builds it once.
_RUNS: dict[tuple, ScenarioRun] = {}


def execute(job: Job, options: RunOptions) -> str:
    """
    Run one job in this process (the body of every executor's task). Skips a job whose point already exists, so a
    retried or duplicated task never computes a point twice.

    :param job: The job.
    :param options: The run's options.
    :return: The job's id.
    """
    if job.is_finished(options.run_dir):
        return job.job_id
    if options.cpus_per_job:
        torch.set_num_threads(options.cpus_per_job)
    inject_fault(job, options.run_dir)
    scenario_run(options, job.scenario, job.seed).run_job(job)
    return job.job_id


def scenario_run(options: RunOptions, scenario_name: str, seed: int) -> ScenarioRun:
    """
    :return: This process's ScenarioRun of the (scenario, seed), built on first use (one kept in memory at a time).
    """
    key = (
        options.preset,
        options.run_dir,
        options.cache_dir,
        options.data_root,
        options.device,
        options.query_sources,
        options.defences,  # which settings' answers it serves
        scenario_name,
        seed,
    )
    if key not in _RUNS:
        _RUNS.clear()
        _RUNS[key] = ScenarioRun(scenario_of(options, scenario_name), seed, options)
    return _RUNS[key]
