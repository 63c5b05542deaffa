"""
Can an attacker who knows AM invert its misinformation? AM answers out-of-distribution queries with ``f_hat``, a model
trained to give the true class no probability. An attacker whose clone copied ``f_hat`` perfectly could predict the
class ``f_hat`` ranks *lowest* (argmin) instead of its top class. This study measures the ceiling of that inversion
on a run's committed models, per seed, without training any clone:

- ``f_hat`` top-1 and argmin accuracy on the scenario's test images (chance: 1 / K);
- the true class's mean rank among ``f_hat``'s classes, counted from the lowest (0: always the lowest; (K - 1) / 2:
  no information);
- on the attacker's KnockoffNets queries, how often ``f_hat``'s argmin is the OE defender's own top class (what a
  clone of the true answers would learn);
- a decoder: multinomial logistic regression from ``f_hat``'s log-probabilities to the true class, fitted on the first
  ``n`` of the shuffled test images (150, JBDA's seed count, and 1,000; at most half) and scored on the last half: the
  ceiling of an attacker who holds ``f_hat``'s answers on a few labelled images of its own and decodes its clone's.

    python -m benchmarks.studies.misinformation_inversion --preset cifar10-cpu --scenario cifar10-cpu \
        --data-root ../shared/data --checkpoints results/cifar10-cpu/checkpoints \
        --output results/misinformation_inversion/cifar10-cpu.json
"""

from __future__ import annotations

import glob
import logging
import os

import numpy as np
from sklearn.linear_model import LogisticRegression

from art_am.inference import predict_proba
from art_am.training import load_checkpoint
from benchmarks.cli import scenario_parser, selected_scenarios, write_output
from benchmarks.data import load_labelled, load_source
from benchmarks.model_cache import CHECKPOINT_NAME
from benchmarks.scenarios import Scenario
from benchmarks.selection import Summary, ci95, pct

DECODER_FITS = (150, 1000)


def _checkpoints(folder: str, scenario: str, kind: str) -> dict[int, str]:
    found = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.pt"))):
        match = CHECKPOINT_NAME.match(os.path.basename(path))
        if match and (match["scenario"], match["kind"]) == (scenario, kind):
            found[int(match["seed"])] = path
    return found


def inversion(misinformation: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """
    :param misinformation: ``(N, K)`` probabilities of ``f_hat``.
    :param labels: ``(N,)`` classes to recover.
    :return: ``f_hat``'s top-1 and argmin agreement with ``labels``, and the labels' mean rank counted from the lowest.
    """
    ranks = np.argsort(np.argsort(misinformation, axis=1, kind="stable"), axis=1, kind="stable")
    return {
        "top1": float(np.mean(misinformation.argmax(axis=1) == labels)),
        "argmin": float(np.mean(misinformation.argmin(axis=1) == labels)),
        "mean_rank_from_lowest": float(np.mean(ranks[np.arange(len(labels)), labels])),
    }


def decoder_accuracy(misinformation: np.ndarray, labels: np.ndarray, fitted_on: int, seed: int = 0) -> float:
    """
    :return: Accuracy, on the last half of a shuffled order, of a logistic regression from ``f_hat``'s log-probabilities
             to ``labels`` fitted on its first ``fitted_on`` rows (at most half).
    """
    order = np.random.default_rng(seed).permutation(len(labels))
    half = len(labels) // 2
    fit, score = order[: min(fitted_on, half)], order[half:]
    features = np.log(np.clip(misinformation, 1e-12, 1.0))
    model = LogisticRegression(max_iter=2000).fit(features[fit], labels[fit])
    return float(model.score(features[score], labels[score]))


def study(scenario: Scenario, data_root: str, folder: str, queries: int) -> dict:
    """
    :return: Per seed, the inversion measurements on the test images and on the first ``queries`` KnockoffNets queries.
    """
    x_test, y_test = load_labelled(scenario.test_source, data_root, role="test")
    source = next(iter(scenario.attacks.knockoff_sources.values()))
    x_query, _ = load_source(source, data_root)
    x_query = x_query[:queries]
    misinformation_models = _checkpoints(folder, scenario.name, "misinformation")
    oe_models = _checkpoints(folder, scenario.name, "oe")
    if not misinformation_models:
        raise SystemExit(f"error: --checkpoints: no {scenario.name}-misinformation-seed*.pt in {folder}")
    seeds = {}
    for seed, path in sorted(misinformation_models.items()):
        f_hat = load_checkpoint(path)[0].eval()
        answers = predict_proba(f_hat, x_test)
        row = {"test": inversion(answers, y_test)}
        for fitted_on in sorted({min(n, len(y_test) // 2) for n in DECODER_FITS}):
            row["test"][f"decoder_{fitted_on}"] = decoder_accuracy(answers, y_test, fitted_on)
        if seed in oe_models:
            defender = load_checkpoint(oe_models[seed])[0].eval()
            row["test"]["defender_top1"] = float(np.mean(predict_proba(defender, x_test).argmax(axis=1) == y_test))
            row["queries"] = inversion(predict_proba(f_hat, x_query), predict_proba(defender, x_query).argmax(axis=1))
        seeds[str(seed)] = row
    return {
        "scenario": scenario.name,
        "classes": scenario.num_classes,
        "test_images": len(x_test),
        "queries": len(x_query),
        "query_source": source,
        "checkpoints": folder,
        "seeds": seeds,
    }


def markdown(result: dict) -> str:
    """
    :return: The study's table: mean ± std over seeds and the 95 % interval of each measurement.
    """
    lines = [
        f"{result['scenario']}: {len(result['seeds'])} seeds, {result['test_images']} test images, "
        f"{result['queries']} KnockoffNets queries; chance {100 / result['classes']:.1f} %, "
        f"uninformative mean rank {(result['classes'] - 1) / 2:g}",
        "",
        "| measured on | quantity | mean ± std | 95 % | per seed |",
        "|---|---|---|---|---|",
    ]
    rows = list(result["seeds"].values())
    decoders = [key for key in rows[0]["test"] if key.startswith("decoder_")]
    for where, quantity, percent in (
        ("test", "defender_top1", True),
        ("test", "top1", True),
        ("test", "argmin", True),
        ("test", "mean_rank_from_lowest", False),
        *(("test", key, True) for key in decoders),
        ("queries", "argmin", True),
        ("queries", "mean_rank_from_lowest", False),
    ):
        values = [row[where][quantity] for row in rows if quantity in row.get(where, {})]
        if not values:
            continue
        summary = Summary(tuple(values))
        if percent:
            cells = (f"{pct(summary)} %", ci95(summary), " / ".join(f"{100 * v:.1f}" for v in values))
        else:
            spread = f" ± {np.std(values, ddof=1):.2f}" if len(values) > 1 else ""
            cells = (f"{np.mean(values):.2f}{spread}", "", " / ".join(f"{v:.2f}" for v in values))
        names = {"defender_top1": "OE defender top-1", "top1": "f_hat top-1", "argmin": "f_hat argmin"}
        names.update({key: f"decoder of f_hat fitted on {key[8:]} labelled images" for key in decoders})
        name = names.get(quantity, "true class's rank from the lowest")
        label = "test images (true class)" if where == "test" else "queries (the defender's top-1)"
        lines.append(f"| {label} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = scenario_parser(__doc__)
    parser.add_argument("--checkpoints", required=True, help="folder of the run's committed checkpoints")
    parser.add_argument("--queries", type=int, default=5000, help="KnockoffNets queries to measure on")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    if not os.path.isdir(args.checkpoints):
        parser.error(f"--checkpoints: {args.checkpoints} is not a folder")
    results = [study(s, args.data_root, args.checkpoints, args.queries) for s in selected_scenarios(args)]
    for result in results:
        print(markdown(result) + "\n")
    write_output(args.output, results)
    return results


if __name__ == "__main__":
    main()
