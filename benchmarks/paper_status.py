"""
The status of each of the paper's tables and figures on the results page, and what has not run or was withdrawn: the
sentences live in ``paper_status.toml`` (data: paper item → run, scenario, query), and each ``{name}`` in them is a
fact read off the committed run's points (``benchmarks.run_facts``). No run or scenario is named here.
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable
from typing import Any

import numpy as np
import tomllib

from benchmarks.registry import DEFENCE_LABELS
from benchmarks.run_facts import (
    am_minus_baseline,
    clone_accuracy,
    cut_at,
    defender_accuracy,
    hellinger,
    jbda_floor,
    quote,
    share_below,
    validation_cost,
)
from benchmarks.selection import BASELINES

CLAIMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "paper_status.toml")
KNOCKOFF_TINY = "knockoff:tinyimagenet"
Runs = dict[str, tuple[dict, list[dict], list[dict]]]


def cut_and_baselines(
    points: list[dict], scenario: str, attack: str, labels: str, drop_pp: float, baselines: tuple[str, ...]
) -> str:
    """
    :return: within the budget, how far AM cuts the attacker's clone and AM's clone minus each baseline's, with their
             verdicts: the one sentence every dataset's AM-against-baselines comparison is quoted in.
    """
    cut = cut_at(points, scenario, attack, labels, drop_pp)
    if cut is None:
        return "no AM clone to quote (no AM setting fits the budget, or its clones have not run)"
    differences = ", ".join(
        f"minus {DEFENCE_LABELS[baseline]}'s "
        + quote(am_minus_baseline(points, scenario, attack, labels, baseline, drop_pp), "pp", True)
        for baseline in baselines
    )
    return f"AM cuts the clone by {quote(cut, 'pp')}, and AM's clone {differences}"


def _jbda(points: list[dict], scenario: str, drop_pp: float) -> str:
    """JBDA against AM and the argmax-preserving baselines within the budget, with the attacker's best labels, next to
    the clone that the seed images alone give (JBDA's floor)."""
    return (
        f"undefended clone {quote(clone_accuracy(points, scenario, 'jbda', 'soft', 'undefended'))} with soft labels, "
        f"{quote(clone_accuracy(points, scenario, 'jbda', 'argmax', 'undefended'))} with argmax labels (the seed "
        f"images alone give {quote(jbda_floor(points, scenario))}); within {drop_pp:g} pp, with the attacker's best "
        "labels, " + cut_and_baselines(points, scenario, "jbda", "best", drop_pp, ("pp_argmax", "dcp"))
    )


def _hellinger_spread(run_dir: str, scenario: str, source: str, setting: str) -> str:
    distances = hellinger(run_dir, scenario, source, setting)
    if distances is None:
        return "not run"
    q25, q50, q75 = np.percentile(distances, [25, 50, 75])
    return f"median {q50:.2f}, quartiles {q25:.2f} to {q75:.2f}"


def _truthful_share(run_dir: str, scenario: str, source: str, setting: str) -> str:
    distances = hellinger(run_dir, scenario, source, setting)
    return "not run" if distances is None else f"{100 * np.mean(distances < 1e-3):.1f} %"


def _seeds(points: list[dict], scenario: str) -> str:
    count = len({p["seed"] for p in points if p["scenario"] == scenario})
    return f"{count} seed{'s' * (count != 1)}"


# Each kind: (its arguments beyond run and scenario, with defaults; what it returns from points, run folder, arguments)
_Fact = Callable[[list[dict], str, str, dict[str, Any]], str]
FACT_KINDS: dict[str, tuple[dict[str, Any], _Fact]] = {
    "defender_accuracy": (
        {"defence": None, "parameter": None},
        lambda points, _, scenario, a: quote(defender_accuracy(points, scenario, a["defence"], a["parameter"])),
    ),
    "validation_cost": (
        {"defence": None, "parameter": None},
        lambda points, _, scenario, a: quote(validation_cost(points, scenario, a["defence"], a["parameter"]), "pp"),
    ),
    "clone_accuracy": (
        {"attack": KNOCKOFF_TINY, "labels": None, "defence": None, "parameter": None},
        lambda points, _, scenario, a: quote(
            clone_accuracy(points, scenario, a["attack"], a["labels"], a["defence"], a["parameter"])
        ),
    ),
    "am_minus": (
        {"attack": KNOCKOFF_TINY, "labels": None, "baseline": None, "drop_pp": None},
        lambda points, _, scenario, a: quote(
            am_minus_baseline(points, scenario, a["attack"], a["labels"], a["baseline"], a["drop_pp"]), "pp", True
        ),
    ),
    "cut": (
        {"attack": KNOCKOFF_TINY, "labels": None, "drop_pp": None},
        lambda points, _, scenario, a: quote(cut_at(points, scenario, a["attack"], a["labels"], a["drop_pp"]), "pp"),
    ),
    "cut_and_baselines": (
        {"attack": KNOCKOFF_TINY, "labels": None, "drop_pp": None, "baselines": None},
        lambda points, _, scenario, a: cut_and_baselines(
            points,
            scenario,
            a["attack"],
            a["labels"],
            a["drop_pp"],
            BASELINES if a["baselines"] == "all" else tuple(a["baselines"]),
        ),
    ),
    "jbda": ({"drop_pp": None}, lambda points, _, scenario, a: _jbda(points, scenario, a["drop_pp"])),
    "share_below": (
        {"source": None, "threshold": None},
        lambda _, run_dir, scenario, a: quote(share_below(run_dir, scenario, a["source"], a["threshold"])),
    ),
    "hellinger_spread": (
        {"source": None, "setting": None},
        lambda _, run_dir, scenario, a: _hellinger_spread(run_dir, scenario, a["source"], a["setting"]),
    ),
    "truthful_share": (
        {"source": None, "setting": None},
        lambda _, run_dir, scenario, a: _truthful_share(run_dir, scenario, a["source"], a["setting"]),
    ),
    "seeds": ({}, lambda points, _, scenario, a: _seeds(points, scenario)),
}


def load_claims(path: str = CLAIMS) -> dict:
    """
    :return: The paper-status data file, parsed.
    :raises ValueError: If it is not valid TOML.
    """
    with open(path, "rb") as handle:
        try:
            return tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{path} is not valid TOML: {error}") from error


def fact(spec: dict, runs: Runs, results_dir: str) -> str:
    """
    :param spec: One fact of the data file: ``fact`` (a kind of :data:`FACT_KINDS`), ``run``, ``scenario`` and the
                 kind's arguments.
    :return: The fact as the page quotes it; ``not run`` where the run is not among ``runs``.
    :raises ValueError: If the kind is unknown, an argument is missing or not the kind's.
    """
    spec = dict(spec)
    kind, run, scenario = spec.pop("fact", None), spec.pop("run", None), spec.pop("scenario", None)
    if kind not in FACT_KINDS:
        raise ValueError(f"fact must be one of {sorted(FACT_KINDS)}, got {kind!r}.")
    if not isinstance(run, str) or not isinstance(scenario, str):
        raise ValueError(f"a {kind} fact needs a run and a scenario (strings), got run={run!r}, scenario={scenario!r}.")
    defaults, read = FACT_KINDS[kind]
    unknown = sorted(set(spec) - set(defaults))
    if unknown:
        raise ValueError(
            f"a {kind} fact takes {sorted(defaults) or 'no arguments'} besides run and scenario, got {unknown}."
        )
    arguments = {**defaults, **spec}
    # parameter may stay None (a defence without one); every other argument without a default must be given
    missing = sorted(name for name, value in arguments.items() if value is None and name != "parameter")
    if missing:
        raise ValueError(f"a {kind} fact needs {missing}.")
    if run not in runs:
        return "not run"
    return read(runs[run][1], os.path.join(results_dir, run), scenario, arguments)


def fill(text: str, facts: dict[str, dict], runs: Runs, results_dir: str) -> str:
    """
    :return: ``text`` with each ``{name}`` replaced by its fact.
    :raises ValueError: If a placeholder has no fact, or a fact is never used.
    """
    names = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    if names != set(facts):
        raise ValueError(
            f"placeholders and facts differ: without a fact {sorted(names - set(facts))}, "
            f"unused {sorted(set(facts) - names)}."
        )
    return text.format(**{name: fact(spec, runs, results_dir) for name, spec in facts.items()})


def paper_status(runs: Runs, results_dir: str, claims: dict | None = None) -> list[tuple[str, str, str]]:
    """
    :return: ``(paper's table or figure, status, deviation and reason)`` rows of the data file, their numbers read off
             the runs' points.
    """
    claims = load_claims() if claims is None else claims
    return [
        (item["paper"], item["status"], fill(item["text"], item.get("facts", {}), runs, results_dir))
        for item in claims["item"]
    ]


def not_run(runs: Runs, claims: dict | None = None) -> list[str]:
    """
    :return: What has not run yet, with the seeds each listed run holds per scenario and what their points lack.
    """
    section = (load_claims() if claims is None else claims)["not_run"]
    held = "; ".join(
        f"{scenario}: {_seeds(runs[name][1], scenario)}"
        for name in section["held_runs"]
        if name in runs
        for scenario in sorted({p["scenario"] for p in runs[name][1]})
    )

    def holds(need: dict) -> bool:
        points = runs[need["run"]][1] if need["run"] in runs else []
        return any(
            p["attack"] == need.get("attack", p["attack"])
            and p["scenario"].endswith(need.get("scenario_ending", ""))
            and (not need.get("defended") or p["defence"] not in ("undefended", "oe_only"))
            for p in points
        )

    missing = [need["what"] for need in section["missing"] if not holds(need)]
    ending = f"; {' and '.join(missing)} have not run." if missing else "."
    return [text.format(held=held or "nothing", missing=ending) for text in section["texts"]]


def withdrawn(claims: dict | None = None) -> str:
    """
    :return: What was withdrawn from the results page, and why.
    """
    return (load_claims() if claims is None else claims)["withdrawn"]["text"]
