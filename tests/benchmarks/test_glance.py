"""The "at a glance" table: one row per run and scenario, and its verdict says when one attacker alone ran."""

import itertools

from benchmarks.glance import did_not_hold, glance_records


def _points(attacks, clone_of, seeds=(0, 1, 2)):
    """Points of three seeds: the undefended model and one setting per defence, all within 0.1 pp of defender
    accuracy, with clone accuracies from ``clone_of(defence, seed)``."""
    points = []
    settings = [("undefended", None), ("am", 0.2), ("pp_extreme", 0.3), ("pp_argmax", 2.0), ("dcp", 2.0)]
    for seed, attack, labels, (defence, parameter) in itertools.product(seeds, attacks, ("soft", "argmax"), settings):
        clone = clone_of(defence, seed)
        points.append(
            {
                "scenario": "s",
                "seed": seed,
                "attack": attack,
                "labels": labels,
                "defence": defence,
                "parameter": parameter,
                "defender_accuracy": 0.9 - (0.001 if defence != "undefended" else 0.0),
                "defender_accuracy_validation": 0.9 - (0.001 if defence != "undefended" else 0.0),
                "clone_accuracy": clone,
                "clone_accuracy_validation": clone,
                "queries": 100,
            }
        )
    return points


def _clone(defence, seed):
    return (0.05 if defence == "am" else 0.5) + 0.01 * seed


def test_a_scenario_with_one_attacker_is_shown_and_says_so():
    (row,) = glance_records({"run": ({}, _points(["knockoff:q"], _clone), [])})
    assert row.budget_pp == 0.5 and row.verdict == "AM lower"
    assert row.single_attacker == "knockoff:q"
    assert "AM lower (knockoff:q only)" in row.markdown
    # AM's clone 5 % + seed, the baselines' 50 % + seed: AM − best baseline = -45 pp on every seed
    assert "-45.0 ± 0.0" in row.markdown
    (sentence,) = [s for s in did_not_hold([row]) if s.startswith("- One attacker only")]
    assert "`run` / `s` (knockoff:q)" in sentence


def test_with_two_attackers_the_verdict_is_plain():
    (row,) = glance_records({"run": ({}, _points(["knockoff:q", "jbda"], _clone), [])})
    assert row.single_attacker is None and row.markdown.endswith("| AM lower |")
    assert not [s for s in did_not_hold([row]) if s.startswith("- One attacker only")]


def test_fewer_than_three_seeds_give_no_row():
    assert not glance_records({"run": ({}, _points(["knockoff:q"], _clone, seeds=(0, 1)), [])})


def test_a_setting_missing_on_a_seed_is_named_as_not_run():
    points = [p for p in _points(["knockoff:q"], _clone) if not (p["seed"] == 2 and p["defence"] == "am")]
    (row,) = glance_records({"run": ({}, points, [])})
    assert row.verdict is None and "did not run on every seed" in row.markdown


def test_a_run_summary_opens_with_its_own_glance_even_on_one_seed():
    from benchmarks.glance import run_glance  # pylint: disable=import-outside-toplevel

    lines = run_glance("mine", _points(["knockoff:q", "jbda"], _clone, seeds=(0,)))
    assert lines[0] == "## At a glance"
    (row,) = [line for line in lines if line.startswith("| `mine` / `s` |")]
    # one seed: the difference has no interval, so no verdict is drawn from it
    assert "-45.0 [" not in row and "AM lower" not in row


def test_the_console_shows_the_glance_section_alone():
    from benchmarks.run import glance_of  # pylint: disable=import-outside-toplevel

    summary = "# Benchmark summary\n\nSeeds: 0\n\n## At a glance\n\n| t |\n\n## Every defence\n\n| many rows |\n"
    assert glance_of(summary) == "## At a glance\n\n| t |\n\n"
    assert glance_of("# Old summary\n\n| rows |\n") == "# Old summary\n\n| rows |\n"
