"""
The benchmark: every defence against KnockoffNets and JBDA, with soft and argmax labels, for each scenario of a preset.

    python -m benchmarks.run --preset quick                                   # embedded data, CPU, minutes
    python -m benchmarks.run --preset paper --data-root ../shared/data        # the paper's settings, real data
    python -m benchmarks.run --preset gpu --data-root data --device cuda      # CIFAR-10 / ResNet-18

Every finished point is saved atomically under ``<run-dir>/points/``; a re-run skips finished points. The report
(``results.json``, ``results.csv``, ``summary.md``, figures, overhead table) is rebuilt from all saved points.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time

import numpy as np
from tqdm.auto import tqdm

from art_am.defences.ood_scores import CombinedScore, MaxSoftmaxProbability
from art_am.inference import predict_proba
from art_am.metrics import agreement, hellinger_distance
from benchmarks.attack_runs import run_jbda, run_knockoff, scenario_input_shape
from benchmarks.data import load_source
from benchmarks.defence_points import AM_VARIANTS, DefenceFactory, DefencePoint, defence_points
from benchmarks.model_cache import get_models, get_sign_detector
from benchmarks.overhead import measure_overhead
from benchmarks.report import write_report
from benchmarks.scenarios import PRESETS, Scenario

logger = logging.getLogger(__name__)

LABEL_MODES = {"soft": True, "argmax": False}


def write_json_atomic(path: str, payload: dict) -> None:
    """
    Write JSON through a temporary file and a rename, so an interrupted run never leaves half a file.
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(payload, stream, indent=1)
    os.replace(temporary, path)


class ScenarioRun:
    """
    All attacks against all defence settings of one scenario and seed.
    """

    def __init__(self, scenario: Scenario, seed: int, args: argparse.Namespace) -> None:
        self.scenario, self.seed, self.args = scenario, seed, args
        self.device = args.device
        self.folder = os.path.join(args.run_dir, "points", scenario.name, f"seed{seed}")
        os.makedirs(self.folder, exist_ok=True)
        loaded = get_models(scenario, seed, args.cache_dir, args.data_root)
        self.models = {kind: model for kind, (model, _) in loaded.items()}
        self.model_metadata = {kind: metadata for kind, (_, metadata) in loaded.items()}
        x_test, y_test = load_source(scenario.test_source, args.data_root)
        seeds = scenario.attacks.jbda_seeds
        self.x_seeds, self.x_eval, self.y_eval = x_test[:seeds], x_test[seeds:], y_test[seeds:]
        self.points = defence_points(scenario)
        self.factory = DefenceFactory(scenario, self.models, seed, self._combined_score(args))
        served = self.factory.served_answers(self.x_eval, self.points)
        self.defender_accuracy = {p: float((served[p].argmax(1) == self.y_eval).mean()) for p in self.points}
        self.msp_benign = served[DefencePoint("oe_only")].max(axis=1)
        self.true_labels = {
            name: served[DefencePoint("undefended" if name == "plain" else "oe_only")].argmax(1)
            for name in ("plain", "oe")
        }

    def _combined_score(self, args: argparse.Namespace) -> CombinedScore | None:
        """
        :return: MSP + sign-step detector, its reference ranks fitted on the first half of the evaluation images (as in
                 ``benchmarks.ood_scores``), or None when the scenario sweeps no ``am_detector`` setting.
        """
        if not self.scenario.am_detector_thresholds:
            return None
        images = self.scenario.detector_images
        detector = get_sign_detector(self.scenario, images, args.cache_dir, args.data_root)
        reference = self.x_eval[: len(self.x_eval) // 2]
        score = CombinedScore([MaxSoftmaxProbability(), detector])
        return score.fit(predict_proba(self.models["oe"], reference).astype(np.float64), None, reference)

    def _record(
        self, point: DefencePoint, attack: str, labels: str, clone, queries: int, seconds: float, **extra
    ) -> dict:
        clone_labels = clone.predict(self.x_eval, batch_size=1024).argmax(1)
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "attack": attack,
            "labels": labels,
            "defence": point.defence,
            "parameter": point.parameter,
            "defender_accuracy": self.defender_accuracy[point],
            "clone_accuracy": float((clone_labels == self.y_eval).mean()),
            "clone_fidelity": agreement(clone_labels, self.true_labels[point.true_model]),
            "queries": int(queries),
            "seconds": seconds,
            **extra,
        }

    def _path(self, attack: str, labels: str, point: DefencePoint) -> str:
        return os.path.join(self.folder, f"{attack.replace(':', '_')}-{labels}-{point.key}.json")

    def jobs(self, attacks: list[str]) -> list[tuple[str, str, DefencePoint]]:
        """
        :return: The unfinished ``(attack, label mode, defence point)`` jobs, soft labels first so that an interrupted
                 run has the main comparison.
        """
        sources = [s for s in self.scenario.attacks.knockoff_sources if self.args.sources in (None, s)]
        names = [f"knockoff:{label}" for label in sources] if "knockoff" in attacks else []
        names += ["jbda"] if "jbda" in attacks else []
        return [
            (attack, mode, point)
            for mode in LABEL_MODES
            if mode in self.args.labels.split(",")
            for attack in names
            for point in self.points
            if self.args.defences is None or {point.defence, point.key} & set(self.args.defences.split(","))
            if not os.path.isfile(self._path(attack, mode, point))
        ]

    def run(self, attacks: list[str], shard: tuple[int, int] = (0, 1)) -> None:
        """
        Run this shard's share of the unfinished jobs.

        :param attacks: Subset of ``knockoff``, ``jbda``.
        :param shard: ``(index, count)``: run every ``count``-th job starting at ``index``.
        """
        jobs = self.jobs(attacks)[shard[0] :: shard[1]]
        answers: dict[str, tuple[np.ndarray, dict, dict]] = {}
        for attack, mode, point in tqdm(jobs, desc=self.scenario.name, disable=not self.args.progress):
            start = time.perf_counter()
            extra: dict = {}
            if attack == "jbda":
                victim = self.factory.live_victim(point, scenario_input_shape(self.scenario), self.device)
                clone, queries, sent = run_jbda(
                    self.scenario, victim, self.x_seeds, LABEL_MODES[mode], self.seed, self.device, False
                )
                if point.defence in AM_VARIANTS:
                    extra["misinformation_rate"] = victim.postprocessing_defences[0].statistics["misinformation_rate"]
                if point.defence == "undefended" and mode == "soft":
                    np.savez_compressed(os.path.join(self.folder, "queries-jbda.npz"), msp_queries=self._msp(sent))
            else:
                source = attack.split(":", 1)[1]
                if source not in answers:
                    x_queries, _ = load_source(self.scenario.attacks.knockoff_sources[source], self.args.data_root)
                    x_queries = x_queries[: self.scenario.attacks.knockoff_queries]
                    switch_scores = self.factory.switch_scores(x_queries, None, self.points)
                    served = self.factory.served_answers(x_queries, self.points, switch_scores)
                    answers[source] = (x_queries, served, switch_scores)
                    self._save_query_statistics(source, served)
                x_queries, served, switch_scores = answers[source]
                clone, queries = run_knockoff(
                    self.scenario, x_queries, served[point], LABEL_MODES[mode], self.seed, self.device, False
                )
                if point.defence in switch_scores:
                    extra["misinformation_rate"] = float((switch_scores[point.defence] < point.parameter).mean())
            record = self._record(point, attack, mode, clone, queries, time.perf_counter() - start, **extra)
            write_json_atomic(self._path(attack, mode, point), record)

    def _msp(self, x: np.ndarray) -> np.ndarray:
        return predict_proba(self.models["oe"], x).max(axis=1)

    def _save_query_statistics(self, source_label: str, answers: dict) -> None:
        """
        Hellinger distances between true and served answers per defence setting, and MSPs, for the figures.
        """
        path = os.path.join(self.folder, f"queries-{source_label}.npz")
        if os.path.isfile(path):
            return
        arrays = {"msp_queries": answers[DefencePoint("oe_only")].max(axis=1), "msp_benign": self.msp_benign}
        for point in self.points:
            truth = answers[DefencePoint("undefended" if point.true_model == "plain" else "oe_only")]
            arrays[f"hellinger/{point.key}"] = hellinger_distance(truth, answers[point])
        os.makedirs(self.folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".npz")
        os.close(handle)
        np.savez_compressed(temporary, **arrays)
        os.replace(temporary, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    parser.add_argument("--data-root", default="data", help="folder of real datasets (not needed for quick)")
    parser.add_argument("--run-dir", default=None, help="output folder; runs/<preset> by default")
    parser.add_argument("--cache-dir", default="runs/cache", help="folder of trained-model checkpoints")
    parser.add_argument("--seeds", type=int, default=1, help="repeat with seeds 0..N-1; the report gives mean ± std")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--scenario", default=None, help="only this scenario of the preset")
    parser.add_argument("--attacks", default="knockoff,jbda", help="comma-separated subset of knockoff,jbda")
    parser.add_argument("--sources", default=None, help="only this KnockoffNets query source")
    parser.add_argument("--labels", default="soft,argmax", help="comma-separated subset of soft,argmax")
    parser.add_argument(
        "--defences",
        default=None,
        help="comma-separated subset of the defence names or single settings, e.g. am,dcp-1 (default all)",
    )
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    parser.add_argument("--skip-overhead", action="store_true")
    parser.add_argument("--shard", default="0/1", help="K/N: run every N-th job from the K-th (parallel processes)")
    parser.add_argument("--report-only", action="store_true", help="only rebuild the report from saved points")
    args = parser.parse_args(argv)
    args.run_dir = args.run_dir or os.path.join("runs", args.preset)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    scenarios = [
        s.with_device(args.device, args.progress) for s in PRESETS[args.preset] if args.scenario in (None, s.name)
    ]
    if not scenarios:
        parser.error(f"no scenario named {args.scenario!r} in preset {args.preset}")
    shard_index, _, shard_count = args.shard.partition("/")
    shard = (int(shard_index), int(shard_count))
    if not 0 <= shard[0] < shard[1]:
        parser.error(f"--shard must be K/N with 0 <= K < N, got {args.shard}")
    start = time.perf_counter()
    for scenario in [] if args.report_only else scenarios:
        for seed in range(args.seeds):
            run = ScenarioRun(scenario, seed, args)
            run.run(args.attacks.split(","), shard)
            overhead_path = os.path.join(args.run_dir, "overhead", f"{scenario.name}.json")
            if seed == 0 and shard[0] == 0 and not args.skip_overhead and not os.path.isfile(overhead_path):
                overhead = measure_overhead(scenario, run.models, run.x_eval, args.device, run.factory.combined_score)
                write_json_atomic(overhead_path, overhead)
    summary = write_report(args.run_dir)
    print(summary)
    print(f"\nfinished in {time.perf_counter() - start:.0f} s; report in {args.run_dir}/summary.md")


if __name__ == "__main__":
    main()
