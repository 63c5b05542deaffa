"""
The study of :mod:`benchmarks.studies.score_comparison`: Adaptive Misinformation with each out-of-distribution score
on one scenario's defender, its jobs (attacks against AM per score and budget) and the measurements its report reads.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import time

import numpy as np
import torch

from art_am.atomic import write_json_atomic
from art_am.defences import (
    AdaptiveMisinformation,
    adaptive_misinformation_answer,
    misinformation_weight,
    threshold_for_accuracy_budget,
)
from art_am.defences.ood_scores import (
    CombinedScore,
)
from art_am.inference import predict_proba
from art_am.metrics import ood_auroc
from benchmarks.attack_runs import defended_estimator, make_clone, run_jbda, run_knockoff, scenario_input_shape
from benchmarks.data import load_labelled, load_source
from benchmarks.defence_points import DefenceFactory, DefencePoint
from benchmarks.executors import map_on_ray
from benchmarks.model_cache import get_sign_detector, load_models
from benchmarks.overhead import median_seconds
from benchmarks.presets import PRESETS
from benchmarks.scenarios import Scenario
from benchmarks.studies.score_candidates import ModelAnswers, build_scores


class ScoreStudy:
    """
    One scenario's defender, its fitted scores, the calibrated thresholds and the jobs.
    """

    def __init__(self, scenario: Scenario, args: argparse.Namespace) -> None:
        """
        Cheap: the models, scores and thresholds are loaded (or trained) by :meth:`fit`, which the job runner and the
        report call.
        """
        self.scenario, self.args = scenario, args
        self.folder = os.path.join(args.run_dir, scenario.name)
        sources = list(scenario.attacks.knockoff_sources) if args.sources is None else args.sources.split(",")
        self.sources = [source for source in sources if source != "none"]
        self.fitted = False

    def fit(self) -> ScoreStudy:
        """
        Load the scenario's seed-0 models (training any not in the cache), fit every score and calibrate every
        threshold; once.

        :return: self.
        """
        if self.fitted:
            return self
        scenario, args = self.scenario, self.args
        os.makedirs(self.folder, exist_ok=True)
        self.models = load_models(scenario, 0, args.cache_dir, args.data_root)
        x_train, y_train = load_labelled(scenario.train_source, args.data_root, "train source")
        x_test, y_test = load_labelled(scenario.test_source, args.data_root, "test source")
        seeds = scenario.attacks.jbda_seeds
        self.x_seeds, self.x_eval, self.y_eval = x_test[:seeds], x_test[seeds:], y_test[seeds:]
        self.half = len(self.x_eval) // 2
        self.benign = ModelAnswers(self.models, self.x_eval)
        calibration = ModelAnswers(self.models, self.x_eval[: self.half])
        # Budgets count from the normally trained defender, the undefended baseline of the main benchmark: outlier
        # exposure's own accuracy cost is part of what AM costs.
        self.plain_correct = predict_proba(self.models["plain"], self.x_eval).argmax(1) == self.y_eval
        plain_accuracy = float(self.plain_correct[: self.half].mean())
        images = args.detector_images or scenario.detector_images
        detector = get_sign_detector(scenario, images, args.cache_dir, args.data_root)
        self.scores = build_scores(self.models["oe"], x_train, y_train, detector)
        for score in self.scores.values():
            if isinstance(score, CombinedScore):
                score.fit(calibration.x, probabilities=calibration.probabilities, logits=calibration.logits)
        self.benign_scores = {name: self.benign.scores(score) for name, score in self.scores.items()}
        self.thresholds = {
            (name, budget): threshold_for_accuracy_budget(
                calibration.probabilities,
                calibration.misinformation,
                self.y_eval[: self.half],
                budget,
                scenario.nu,
                scores=self.benign_scores[name][: self.half],
                reference_accuracy=plain_accuracy,
                unit=self.scores[name].unit,
            )[0]
            for name in self.scores
            for budget in args.budgets
        }
        self.fitted = True
        return self

    def _path(self, job: tuple) -> str:
        return os.path.join(self.folder, "points", "-".join(str(part) for part in job) + ".json")

    def jobs(self) -> list[tuple]:
        """
        :return: Every job, finished or not, in a fixed order: ``("seeds-only", 0, "undefended", 0)``,
                 ``("jbda", lambda, "undefended", 0)``, ``("jbda", lambda, score, budget)``,
                 ``("knockoff", source, score, budget)``, and with ``--argmax-scores`` the same JBDA jobs with
                 argmax labels (``"jbda-argmax"``).
        """
        jobs: list[tuple] = [("seeds-only", 0, "undefended", 0)]
        jobs += [("jbda", step, "undefended", 0) for step in self.args.steps]
        if self.args.argmax_scores:
            jobs += [("jbda-argmax", step, "undefended", 0) for step in self.args.steps]
            jobs += [
                ("jbda-argmax", step, name, budget)
                for name in self.args.argmax_scores
                for budget in self.args.budgets
                for step in self.args.steps
            ]
        for name in self.args.scores:
            for budget in self.args.budgets:
                jobs += [("jbda", step, name, budget) for step in self.args.steps]
                jobs += [("knockoff", source, name, budget) for source in self.sources]
        # Repeats of soft-label JBDA with other clone seeds (its outcome swings from seed to seed): the seed is a fifth
        # element, so that seed 0's files keep their names.
        for seed in range(1, self.args.jbda_seeds):
            jobs += [("jbda", step, "undefended", 0, seed) for step in self.args.steps]
            jobs += [
                ("jbda", step, name, budget, seed)
                for name in self.args.scores
                for budget in self.args.budgets
                for step in self.args.steps
            ]
        return jobs

    def run(self, shard: tuple[int, int]) -> None:
        """
        Run this shard's share of the unfinished jobs: the whole job list is striped first and finished jobs dropped
        after, so that a restarted shard runs only its own; with ``--executor ray`` as Ray tasks (the models, trained
        by this constructor, are in the cache before any task starts).
        """
        todo = [job for job in self.jobs()[shard[0] :: shard[1]] if not os.path.isfile(self._path(job))]
        self.fit()  # before any Ray task, so that the models are in the cache
        if self.args.executor == "ray":
            map_on_ray(_run_study_job, [(self.scenario.name, job, self.args) for job in todo], self.args)
            return
        for job in todo:
            self.run_job(job)

    def run_job(self, job: tuple) -> dict:
        """
        Run one job and save its point atomically.
        """
        self.fit()
        if self.args.cpus_per_job:
            torch.set_num_threads(self.args.cpus_per_job)
        start = time.perf_counter()
        attack, setting, name, budget, *repeat = job
        seed = repeat[0] if repeat else 0
        record: dict = {
            "scenario": self.scenario.name,
            "attack": attack,
            "score": name,
            "budget": budget,
            "seed": seed,
        }
        if attack == "seeds-only":
            record.update(self._seeds_only())
        elif attack.startswith("jbda"):
            record.update(self._jbda(setting, name, budget, soft=attack == "jbda", seed=seed))
        else:
            record.update(self._knockoff(setting, name, budget))
        record["seconds"] = time.perf_counter() - start
        write_json_atomic(self._path(job), record)
        print(json.dumps(record), flush=True)
        return record

    def _clone_accuracy(self, clone) -> float:
        return float((clone.predict(self.x_eval, batch_size=1024).argmax(1) == self.y_eval).mean())

    def _am(self, name: str, budget: float) -> AdaptiveMisinformation:
        return AdaptiveMisinformation(
            self.models["misinformation"],
            self.thresholds[(name, budget)],
            nu=self.scenario.nu,
            preds_type="logits",
            score=self.scores[name],
        )

    def _seeds_only(self) -> dict:
        """
        The floor of any defence that answers in-distribution queries truthfully: a clone trained on JBDA's seeds
        alone, with the victim's soft labels, for as many epochs as JBDA trains in all its rounds.
        """
        settings = self.scenario.attacks
        victim = DefenceFactory(self.scenario, self.models, 0).live_victim(
            DefencePoint("undefended"), scenario_input_shape(self.scenario), "cpu"
        )
        clone = make_clone(self.scenario, settings.jbda_lr, 0, "cpu")
        clone.fit(
            self.x_seeds,
            victim.predict(self.x_seeds),
            nb_epochs=settings.jbda_rounds * settings.jbda_epochs,
            batch_size=64,
        )
        return {"clone_accuracy": self._clone_accuracy(clone), "queries": len(self.x_seeds)}

    def _jbda(self, step: float, name: str, budget: float, soft: bool, seed: int) -> dict:
        shape = scenario_input_shape(self.scenario)
        if name == "undefended":
            victim = DefenceFactory(self.scenario, self.models, 0).live_victim(DefencePoint("undefended"), shape, "cpu")
        else:
            victim = defended_estimator(self.scenario, self.models["oe"], self._am(name, budget), "cpu")
        clone, queries, sent, _ = run_jbda(
            self.scenario, victim, self.x_seeds, soft, seed, "cpu", False, step_size=step
        )
        # Whether the clone learnt to tell stepped images from clean ones: its accuracy on test images given one random
        # sign step of the attack's size.
        signs = np.random.default_rng(0).choice([-1.0, 1.0], size=self.x_eval.shape)
        stepped = np.clip(self.x_eval + step * signs, 0.0, 1.0).astype(np.float32)
        record = {
            "step": step,
            "clone_accuracy": self._clone_accuracy(clone),
            "clone_accuracy_stepped_test": float(
                (clone.predict(stepped, batch_size=1024).argmax(1) == self.y_eval).mean()
            ),
            "queries": queries,
        }
        if name == "undefended":
            if soft and seed == 0:
                np.savez_compressed(os.path.join(self.folder, f"jbda-queries-{step:g}.npz"), queries=sent)
        else:
            record.update(self._defended_accuracy(name, budget))
            record["misinformation_rate"] = victim.postprocessing_defences[0].statistics["misinformation_rate"]
        return record

    def _knockoff(self, source: str, name: str, budget: float) -> dict:
        x_queries, _ = load_source(self.scenario.attacks.knockoff_sources[source], self.args.data_root)
        answers = ModelAnswers(self.models, x_queries[: self.scenario.attacks.knockoff_queries])
        served, weight = adaptive_misinformation_answer(
            answers.probabilities,
            answers.misinformation,
            answers.scores(self.scores[name]),
            self.thresholds[(name, budget)],
            self.scenario.nu,
            unit=self.scores[name].unit,
        )
        clone, queries, _ = run_knockoff(self.scenario, answers.x, served, True, 0, "cpu", False)
        return {
            "source": source,
            "clone_accuracy": self._clone_accuracy(clone),
            "queries": queries,
            "misinformation_rate": float((weight > 0.5).mean()),
            **self._defended_accuracy(name, budget),
        }

    def _defended_accuracy(self, name: str, budget: float) -> dict:
        tau = self.thresholds[(name, budget)]
        served, weight = adaptive_misinformation_answer(
            self.benign.probabilities,
            self.benign.misinformation,
            self.benign_scores[name],
            tau,
            self.scenario.nu,
            unit=self.scores[name].unit,
        )
        correct = served.argmax(1) == self.y_eval
        oe_correct = self.benign.probabilities.argmax(1) == self.y_eval
        held_out = slice(self.half, None)
        return {
            "threshold": tau,
            "defender_accuracy": float(correct.mean()),
            "defender_accuracy_held_out": float(correct[held_out].mean()),
            "undefended_oe_accuracy": float(oe_correct.mean()),
            "undefended_oe_accuracy_held_out": float(oe_correct[held_out].mean()),
            "undefended_accuracy": float(self.plain_correct.mean()),
            "benign_misinformation_rate": float((weight > 0.5).mean()),
        }

    def report(self) -> dict:
        """
        :return: AUROCs, operating points, clones and overhead of every score (JSON-serialisable).
        """
        self.fit()
        query_sets: dict[str, np.ndarray] = {}
        for source, spec in self.scenario.attacks.knockoff_sources.items():
            query_sets[f"knockoff {source}"] = load_source(spec, self.args.data_root)[0][:10000]
        rounds = {}
        for path in sorted(glob.glob(os.path.join(self.folder, "jbda-queries-*.npz"))):
            step = path.rsplit("-", 1)[1][: -len(".npz")]
            sent = np.load(path)["queries"]
            sizes = self.scenario.attacks.jbda_seeds * np.array([1] + [2**r for r in range(len(sent).bit_length())])
            bounds = np.concatenate([[0], np.cumsum(sizes)])
            rounds[f"jbda lambda={step} (all)"] = [
                bounds[r : r + 2] for r in range(len(bounds) - 1) if bounds[r] < len(sent)
            ]
            query_sets[f"jbda lambda={step} (all)"] = sent
        aurocs: dict[str, dict[str, float]] = {}
        rates: dict[str, dict[str, float]] = {}
        for label, x in query_sets.items():
            answers = ModelAnswers(self.models, x)
            for name, score in self.scores.items():
                values = answers.scores(score)
                aurocs.setdefault(name, {})[label] = ood_auroc(self.benign_scores[name], values)
                # JBDA's rounds are consecutive slices of its queries: their scores are slices of these.
                for index, (begin, end) in enumerate(rounds.get(label, [])):
                    round_label = label.replace("(all)", f"round {index + 1}")
                    aurocs[name][round_label] = ood_auroc(self.benign_scores[name], values[begin:end])
                for budget in self.args.budgets:
                    weight = misinformation_weight(
                        values, self.thresholds[(name, budget)], self.scenario.nu, self.scores[name].unit
                    )
                    rates.setdefault(f"{name} @ {budget:g}", {})[label] = float((weight > 0.5).mean())
        operating = {
            f"{name} @ {budget:g}": self._defended_accuracy(name, budget)
            for name in self.scores
            for budget in self.args.budgets
        }
        points = [
            json.load(open(p, encoding="utf-8"))
            for p in sorted(glob.glob(os.path.join(self.folder, "points", "*.json")))
        ]
        for point in points:  # the benign columns of points saved by older versions of this script
            point.update(operating.get(f"{point['score']} @ {point['budget']:g}", {}))
        return {
            "scenario": self.scenario.name,
            "benign": "test split after the JBDA seeds; thresholds and the combination fitted on its first half",
            "auroc": aurocs,
            "operating_points": operating,
            "misinformation_rates": rates,
            "points": points,
            "overhead": self.overhead(),
        }

    def overhead(self) -> dict:
        """
        :return: Median seconds of ``predict`` on the benign evaluation images (batch 128), undefended and with AM per
                 score at the first budget, measured side by side, and the ratios.
        """
        budget = self.args.budgets[0]
        cases = {"undefended": defended_estimator(self.scenario, self.models["plain"], None, "cpu")}
        cases.update(
            {
                f"AM {name}": defended_estimator(self.scenario, self.models["oe"], self._am(name, budget), "cpu")
                for name in self.scores
            }
        )
        medians = median_seconds({k: (v, self.x_eval) for k, v in cases.items()}, self.scenario.overhead_repeats, "cpu")
        return {
            "images": len(self.x_eval),
            "torch_threads": torch.get_num_threads(),
            "seconds": medians,
            "ratio": {name: seconds / medians["undefended"] for name, seconds in medians.items()},
        }


def study_scenario(args: argparse.Namespace, scenario: Scenario) -> Scenario:
    """
    :return: ``scenario`` as the study runs it: on ``--device``, with ``--nu`` if given.
    """
    scenario = scenario.with_device(args.device, False)
    return scenario if args.nu is None else dataclasses.replace(scenario, nu=args.nu)


# One ScoreStudy per scenario per worker process (building one fits every score).
_STUDIES: dict[tuple, ScoreStudy] = {}


def _run_study_job(scenario_name: str, job: tuple, args: argparse.Namespace) -> dict:
    """
    A Ray task: one job of the study, in a worker that builds the scenario's study once.
    """
    key = (scenario_name, args.run_dir, args.cache_dir, args.data_root)
    if key not in _STUDIES:
        scenario = next(s for s in PRESETS[args.preset] if s.name == scenario_name)
        _STUDIES.clear()
        _STUDIES[key] = ScoreStudy(study_scenario(args, scenario), args)
    study = _STUDIES[key]
    if os.path.isfile(study._path(job)):  # pylint: disable=protected-access
        return {}
    return study.run_job(job)
