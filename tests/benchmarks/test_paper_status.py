"""The paper-status claims are data (benchmarks/paper_status.toml); the renderer fills them from a run's points."""

import os
import re

import pytest

from benchmarks import paper_status
from benchmarks.paper_status import fact, fill, load_claims, not_run


def _points():
    points = []
    for seed, (plain, oe) in enumerate(((0.70, 0.66), (0.72, 0.69), (0.74, 0.69))):
        for defence, accuracy in (("undefended", plain), ("oe_only", oe)):
            points.append(
                {
                    "scenario": "s",
                    "attack": "knockoff:tinyimagenet",
                    "labels": "soft",
                    "seed": seed,
                    "defence": defence,
                    "parameter": None,
                    "defender_accuracy": accuracy,
                    "defender_accuracy_validation": accuracy - 0.01,
                    "clone_accuracy": 0.5,
                    "clone_accuracy_validation": 0.5,
                }
            )
    return points


def test_a_fact_quotes_the_points_by_hand():
    runs = {"r": ({}, _points(), [])}
    plain = fact({"fact": "defender_accuracy", "run": "r", "scenario": "s", "defence": "undefended"}, runs, "/x")
    assert plain == "72.0 ± 2.0 % (3 seeds)"  # mean and sample std of 70, 72, 74
    # OE costs 4, 3, 5 pp on validation: mean 4, sample std 1
    cost = fact({"fact": "validation_cost", "run": "r", "scenario": "s", "defence": "oe_only"}, runs, "/x")
    assert cost == "4.0 ± 1.0 pp (3 seeds)"
    assert fact({"fact": "seeds", "run": "r", "scenario": "s"}, runs, "/x") == "3 seeds"
    # a run that is not committed reads "not run"
    assert fact({"fact": "seeds", "run": "other", "scenario": "s"}, runs, "/x") == "not run"


@pytest.mark.parametrize(
    "spec,message",
    [
        ({"fact": "nope", "run": "r", "scenario": "s"}, r"fact must be one of \[.*'defender_accuracy'.*got 'nope'"),
        ({"fact": "seeds", "scenario": "s"}, "needs a run and a scenario"),
        ({"fact": "seeds", "run": "r", "scenario": "s", "defence": "am"}, r"takes no arguments.*\['defence'\]"),
        ({"fact": "am_minus", "run": "r", "scenario": "s", "labels": "soft"}, r"needs \['baseline', 'drop_pp'\]"),
    ],
)
def test_a_bad_fact_is_an_error_naming_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=message):
        fact(spec, {"r": ({}, _points(), [])}, "/x")


def test_placeholders_and_facts_must_match():
    seeds = {"fact": "seeds", "run": "r", "scenario": "s"}
    runs = {"r": ({}, _points(), [])}
    assert fill("held on {n}.", {"n": seeds}, runs, "/x") == "held on 3 seeds."
    with pytest.raises(ValueError, match=r"without a fact \['m'\], unused \['n'\]"):
        fill("held on {m}.", {"n": seeds}, runs, "/x")


def test_every_claim_of_the_data_file_renders_without_runs():
    claims = load_claims()
    rows = paper_status.paper_status({}, "/nonexistent", claims)
    assert [row[0] for row in rows] == [item["paper"] for item in claims["item"]]
    for _, status, text in rows:
        assert status and "{" not in text and "}" not in text
    assert sum("not run" in text for _, _, text in rows) >= 5
    assert not_run({}, claims)[1].endswith("have not run.")


def test_no_run_or_scenario_is_named_in_the_renderer():
    results = os.path.join(os.path.dirname(paper_status.CLAIMS), os.pardir, "results")
    runs = [name for name in os.listdir(results) if os.path.isdir(os.path.join(results, name))]
    assert len(runs) >= 5
    with open(paper_status.__file__, encoding="utf-8") as handle:
        source = handle.read()
    named = [run for run in runs if re.search(rf"\b{re.escape(run)}\b", source)]
    assert not named, named
