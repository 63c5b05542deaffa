"""
Adaptive Misinformation with each out-of-distribution score of :mod:`art_am.defences.ood_scores`, on a scenario's
trained defender (issue 8: which score catches JBDA's synthetic queries).

    python -m benchmarks.ood_scores --preset paper --scenario mnist --data-root ../shared/data

1. The scores are fitted: feature scores and the sign-step detector on the training split; the combination's reference
   ranks and every threshold on the first half of the benign evaluation images (the test split after JBDA's seeds).
   A budget of 0.005 is the largest threshold whose defended accuracy on that half is at most 0.5 pp below the normally
   trained defender's (the undefended baseline of ``benchmarks.run``).
2. Jobs (saved atomically under ``--run-dir``; a re-run resumes; ``--shard K/N`` splits them between processes):
   undefended JBDA for each step lambda (soft labels, against the normally trained defender), whose queries are kept;
   a clone of the seeds alone (what truthful answers to them give away); then, for each score, benign-accuracy budget
   and step, JBDA against the live defended classifier, and KnockoffNets on answers precomputed with the same
   formula. ``--jbda-seeds N`` repeats the soft-label JBDA jobs with clone seeds 1..N-1; ``--argmax-scores`` adds
   argmax-label JBDA jobs for the scores named.
3. The report (``--report``, after the jobs): AUROC of each score for benign evaluation images against each
   KnockoffNets query set and against JBDA's queries of every round and step; each score's operating points
   (threshold, defended accuracy, misinformation rates); the clones (mean ± std over seeds); AM's inference overhead
   with each score; a figure of clone accuracy per attack and score.
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
from sklearn.metrics import roc_auc_score
from torch import nn

from art_am.atomic import write_json_atomic, write_text_atomic
from art_am.defences import (
    AdaptiveMisinformation,
    adaptive_misinformation_answer,
    misinformation_weight,
    threshold_for_accuracy_budget,
)
from art_am.defences.ood_scores import (
    CombinedScore,
    Energy,
    KNearestNeighbours,
    Mahalanobis,
    MaxLogit,
    MaxSoftmaxProbability,
    NoiseLevel,
    OODScore,
    SignStepDetector,
)
from art_am.defences.probabilities import softmax
from art_am.inference import batched_logits, predict_proba
from benchmarks.attack_runs import defended_estimator, make_clone, run_jbda, run_knockoff, scenario_input_shape
from benchmarks.cli import parse_shard, scenario_parser, selected_scenarios, write_output
from benchmarks.data import load_source
from benchmarks.defence_points import DefenceFactory, DefencePoint
from benchmarks.executors import add_executor_arguments, map_on_ray
from benchmarks.model_cache import get_models, get_sign_detector
from benchmarks.overhead import median_seconds
from benchmarks.scenarios import PRESETS, Scenario

SCORE_NAMES = (
    "msp",
    "energy",
    "max-logit",
    "mahalanobis",
    "knn",
    "noise-level",
    "sign-detector",
    "msp+noise-level",
    "msp+sign-detector",
)


def build_scores(
    defender: nn.Module, x_train: np.ndarray, y_train: np.ndarray, detector: SignStepDetector
) -> dict[str, OODScore]:
    """
    :param defender: The outlier-exposure defender (with a ``features`` method).
    :param x_train: Its training images, for the feature scores.
    :param y_train: Their labels.
    :param detector: The fitted sign-step detector.
    :return: Every score, fitted except for the combinations (which need held-out reference queries).
    """
    noise_level = NoiseLevel()
    return {
        "msp": MaxSoftmaxProbability(),
        "energy": Energy(),
        "max-logit": MaxLogit(),
        "mahalanobis": Mahalanobis(defender.features).fit(x_train, y_train),
        "knn": KNearestNeighbours(defender.features).fit(x_train),
        "noise-level": noise_level,
        "sign-detector": detector,
        "msp+noise-level": CombinedScore([MaxSoftmaxProbability(), noise_level]),
        "msp+sign-detector": CombinedScore([MaxSoftmaxProbability(), detector]),
    }


class ModelAnswers:
    """
    The defender's logits and probabilities and the misinformation model's probabilities on one query set.
    """

    def __init__(self, models: dict[str, nn.Module], x: np.ndarray) -> None:
        self.x = x
        self.logits = batched_logits(models["oe"], x).numpy().astype(np.float64)
        self.probabilities = softmax(self.logits)
        self.misinformation = predict_proba(models["misinformation"], x).astype(np.float64)

    def scores(self, score: OODScore) -> np.ndarray:
        """
        :return: ``score`` of every query.
        """
        return score(self.probabilities, self.logits, self.x)


class ScoreStudy:
    """
    One scenario's defender, its fitted scores, the calibrated thresholds and the jobs.
    """

    def __init__(self, scenario: Scenario, args: argparse.Namespace) -> None:
        self.scenario, self.args = scenario, args
        self.folder = os.path.join(args.run_dir, scenario.name)
        os.makedirs(self.folder, exist_ok=True)
        sources = list(scenario.attacks.knockoff_sources) if args.sources is None else args.sources.split(",")
        self.sources = [source for source in sources if source != "none"]
        loaded = get_models(scenario, 0, args.cache_dir, args.data_root)
        self.models = {kind: model for kind, (model, _) in loaded.items()}
        x_train, y_train = load_source(scenario.train_source, args.data_root)
        x_test, y_test = load_source(scenario.test_source, args.data_root)
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
            )[0]
            for name in self.scores
            for budget in args.budgets
        }

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
        if self.args.executor == "ray":
            map_on_ray(_run_study_job, [(self.scenario.name, job, self.args) for job in todo], self.args)
            return
        for job in todo:
            self.run_job(job)

    def run_job(self, job: tuple) -> dict:
        """
        Run one job and save its point atomically.
        """
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
        )
        clone, queries = run_knockoff(self.scenario, answers.x, served, True, 0, "cpu", False)
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
            self.benign.probabilities, self.benign.misinformation, self.benign_scores[name], tau, self.scenario.nu
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
                aurocs.setdefault(name, {})[label] = _auroc(self.benign_scores[name], values)
                # JBDA's rounds are consecutive slices of its queries: their scores are slices of these.
                for index, (begin, end) in enumerate(rounds.get(label, [])):
                    round_label = label.replace("(all)", f"round {index + 1}")
                    aurocs[name][round_label] = _auroc(self.benign_scores[name], values[begin:end])
                for budget in self.args.budgets:
                    weight = misinformation_weight(values, self.thresholds[(name, budget)], self.scenario.nu)
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


def _auroc(benign: np.ndarray, queries: np.ndarray) -> float:
    labels = np.concatenate([np.ones(len(benign)), np.zeros(len(queries))])
    return float(roc_auc_score(labels, np.concatenate([benign, queries])))


def markdown(result: dict) -> str:
    """
    :return: The report's tables as markdown.
    """
    aurocs = result["auroc"]
    columns = list(next(iter(aurocs.values())))
    lines = [f"### {result['scenario']}: AUROC, benign test images vs queries", ""]
    lines += ["| score | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(f"{row[c]:.3f}" for c in columns) + " |" for name, row in aurocs.items()]
    lines += ["", f"### {result['scenario']}: AM per score", ""]
    lines += [
        "| score @ budget | tau | benign misinformed | defender acc. (vs normally trained; vs OE on held-out half) "
        "| attack | clone acc. (vs undefended) | per seed | attack queries misinformed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    groups = _grouped(result["points"])
    undefended = {
        label: np.mean([p["clone_accuracy"] for p in points])
        for (score, _, label), points in groups.items()
        if score == "undefended"
    }
    seeds_only = undefended.pop("seeds only", None)
    for (score, budget, label), points in sorted(groups.items()):
        if score == "undefended":
            continue
        point = points[0]
        clones = [p["clone_accuracy"] for p in points]
        spread = f" ± {100 * np.std(clones):.1f}" if len(clones) > 1 else ""
        delta = f" ({100 * (np.mean(clones) - undefended[label]):+.1f} pp)" if label in undefended else ""
        loss = point["defender_accuracy"] - point["undefended_accuracy"]
        held_out_loss = point["defender_accuracy_held_out"] - point["undefended_oe_accuracy_held_out"]
        lines.append(
            f"| {score} @ {budget:g} | {point['threshold']:.4g} | {100 * point['benign_misinformation_rate']:.2f} % | "
            f"{100 * point['defender_accuracy']:.2f} % ({100 * loss:+.2f} pp; {100 * held_out_loss:+.2f} pp) | "
            f"{label} | "
            f"{100 * np.mean(clones):.1f}{spread} %{delta} | {', '.join(f'{100 * c:.1f}' for c in clones)} | "
            f"{100 * np.mean([p['misinformation_rate'] for p in points]):.1f} % |"
        )
    lines += [
        "",
        "Undefended clones (mean over seeds): "
        + ", ".join(f"{label}: {100 * a:.1f} %" for label, a in sorted(undefended.items())),
    ]
    if seeds_only is not None:
        lines += ["", f"A clone of the seeds alone (floor of truthful answers to them): {100 * seeds_only:.1f} %"]
    benign = next(iter(result["operating_points"].values()))
    lines += [
        "",
        f"Benign accuracy without AM: OE defender {100 * benign['undefended_oe_accuracy']:.2f} %, normally trained "
        f"defender {100 * benign['undefended_accuracy']:.2f} %.",
    ]
    ratios = result["overhead"]["ratio"]
    lines += [
        "",
        "Overhead (predict, batch 128, x undefended): " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()),
    ]
    return "\n".join(lines) + "\n"


def figure(result: dict, path: str) -> None:
    """
    Clone accuracy per attack and score at each budget (bars), with the undefended clones and the seeds-only floor.
    """
    import matplotlib  # pylint: disable=import-outside-toplevel

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    groups = {key: np.mean([p["clone_accuracy"] for p in points]) for key, points in _grouped(result["points"]).items()}
    attacks = sorted({label for score, _, label in groups if score != "undefended"})
    settings = sorted({(score, budget) for score, budget, _ in groups if score != "undefended"})
    undefended = {label: accuracy for (score, _, label), accuracy in groups.items() if score == "undefended"}
    width = 0.8 / max(len(settings), 1)
    fig, axis = plt.subplots(figsize=(max(6.0, 1.6 * len(attacks)) + 2.5, 4.0))
    for index, (name, budget) in enumerate(settings):
        heights = [groups.get((name, budget, attack), np.nan) for attack in attacks]
        axis.bar(
            np.arange(len(attacks)) + index * width - 0.4 + width / 2, heights, width, label=f"{name} @ {budget:g}"
        )
    for position, attack in enumerate(attacks):
        if attack in undefended:
            axis.hlines(undefended[attack], position - 0.4, position + 0.4, colors="black", linestyles="--")
    if "seeds only" in undefended:
        axis.axhline(undefended["seeds only"], color="grey", linestyle=":", label="clone of the seeds alone")
    axis.set_xticks(np.arange(len(attacks)), attacks)
    axis.set_ylabel("clone accuracy (dashed: undefended)")
    axis.set_title(f"{result['scenario']}: AM per out-of-distribution score, soft labels")
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def curve_figure(result: dict, path: str) -> bool:
    """
    AM's trade-off per score: clone accuracy against defender accuracy over the budgets, one panel per attack, for
    scores measured at two or more budgets.

    :return: Whether there was a curve to draw (else no file is written).
    """
    import matplotlib  # pylint: disable=import-outside-toplevel

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    groups = _grouped(result["points"])
    curves: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for (score, _, label), points in groups.items():
        if score != "undefended" and label != "seeds only":
            accuracy = (points[0]["defender_accuracy"], float(np.mean([p["clone_accuracy"] for p in points])))
            curves.setdefault(label, {}).setdefault(score, []).append(accuracy)
    panels = {label: c for label, c in curves.items() if any(len(v) > 1 for v in c.values())}
    if not panels:
        return False
    benign = next(iter(result["operating_points"].values()))["undefended_accuracy"]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.0 * len(panels), 4.0), squeeze=False)
    for axis, (label, by_score) in zip(axes[0], sorted(panels.items())):
        for score, values in sorted(by_score.items()):
            if len(values) > 1:
                xs, ys = zip(*sorted(values))
                axis.plot(xs, ys, marker="o", label=score)
        undefended = [
            np.mean([p["clone_accuracy"] for p in points])
            for (score, _, attack), points in groups.items()
            if score == "undefended" and attack == label
        ]
        if undefended:
            axis.plot([benign], undefended, marker="*", markersize=12, color="black", linestyle="", label="undefended")
        axis.set_xlabel("defender accuracy")
        axis.set_ylabel("clone accuracy")
        axis.set_title(f"{result['scenario']}: {label}")
        axis.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _grouped(points: list[dict]) -> dict[tuple[str, float, str], list[dict]]:
    """
    :return: The points by ``(score, budget, attack label)``, each list holding the seeds' repeats.
    """
    groups: dict[tuple[str, float, str], list[dict]] = {}
    for point in points:
        groups.setdefault((point["score"], point["budget"], _attack_label(point)), []).append(point)
    return groups


def _attack_label(point: dict) -> str:
    if point["attack"] == "seeds-only":
        return "seeds only"
    if point["attack"].startswith("jbda"):
        return f"JBDA {point['step']:g}" + (" argmax" if point["attack"] == "jbda-argmax" else "")
    return f"Knockoff {point['source']}"


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


def main(argv: list[str] | None = None) -> None:
    parser = scenario_parser(__doc__)
    add_executor_arguments(parser)
    parser.add_argument("--run-dir", default="runs/ood_scores")
    parser.add_argument("--scores", default=",".join(SCORE_NAMES), help="comma-separated subset of %(default)s")
    parser.add_argument("--budgets", default="0.005", help="benign-accuracy budgets (fractions), comma-separated")
    parser.add_argument("--steps", default="0.1,0.03,0.01", help="JBDA steps lambda, comma-separated")
    parser.add_argument("--sources", default=None, help="KnockoffNets query sources (default all; 'none' for none)")
    parser.add_argument(
        "--detector-images", type=int, default=None, help="training images of the sign detector (default: scenario's)"
    )
    parser.add_argument("--jbda-seeds", type=int, default=1, help="repeat soft-label JBDA with clone seeds 0..N-1")
    parser.add_argument("--argmax-scores", default="", help="scores to run JBDA with argmax labels against too")
    parser.add_argument("--nu", type=float, default=None, help="AM's switch steepness (default: the scenario's)")
    parser.add_argument("--shard", default="0/1", help="K/N: run every N-th job from the K-th")
    parser.add_argument(
        "--report-only",
        "--report",
        dest="report",
        action="store_true",
        help="only write the report from the finished jobs (the same flag as benchmarks.run's; --report is kept)",
    )
    args = parser.parse_args(argv)
    args.scores = args.scores.split(",")
    unknown = set(args.scores) - set(SCORE_NAMES)
    args.argmax_scores = [name for name in args.argmax_scores.split(",") if name]
    unknown |= set(args.argmax_scores) - set(SCORE_NAMES)
    if unknown:
        parser.error(f"unknown scores {sorted(unknown)}; choose from {SCORE_NAMES}")
    args.budgets = [float(b) for b in args.budgets.split(",")]
    args.steps = [float(s) for s in args.steps.split(",")]
    if args.executor == "ray" and args.cpus_per_job is None:
        args.cpus_per_job = 1
    try:
        shard = parse_shard(args.shard)
    except ValueError as error:
        parser.error(str(error))
    for scenario in selected_scenarios(args):
        study = ScoreStudy(study_scenario(args, scenario), args)
        if args.report:
            result = study.report()
            write_output(args.output or os.path.join(study.folder, "report.json"), result)
            write_text_atomic(os.path.join(study.folder, "report.md"), markdown(result))
            figure(result, os.path.join(study.folder, f"ood-scores-{scenario.name}.png"))
            curve_figure(result, os.path.join(study.folder, f"ood-scores-curves-{scenario.name}.png"))
        else:
            study.run(shard)


if __name__ == "__main__":
    main()
