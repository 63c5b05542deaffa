"""Operating points chosen before any clone trains (benchmarks.operating_points): the settings it prints are the
strongest within each budget on the validation images, found here by brute force over the stored accuracies."""

import glob
import os

import numpy as np
import pytest

from benchmarks.operating_points import chosen_settings, main
from benchmarks.registry import DefencePoint


def _strongest_within(validation: dict, budget_pp: float) -> set[str]:
    """Brute force: per defence, the largest parameter whose accuracy is at least the undefended one's minus the
    budget (the reference the module's use of selection.operating_point is checked against)."""
    reference = next(acc for p, acc in validation.items() if p.defence == "undefended")
    best: dict[str, DefencePoint] = {}
    for point, acc in validation.items():
        if point.defence in ("undefended", "oe_only") or acc < reference - budget_pp / 100 - 1e-12:
            continue
        if point.defence not in best or point.parameter > best[point.defence].parameter:
            best[point.defence] = point
    return {p.key for p in best.values()}


def test_chosen_settings_are_the_strongest_within_each_budget():
    rng = np.random.default_rng(3)
    validation = {DefencePoint("undefended"): 0.90, DefencePoint("oe_only"): 0.90}  # OE alone: not a compared defence
    for defence in ("am", "pp_extreme", "dcp"):
        for parameter in (0.1, 0.2, 0.3, 0.5, 1.0):
            validation[DefencePoint(defence, parameter)] = 0.90 - rng.uniform(0, 0.03)
    validation[DefencePoint("pp_argmax", 0.5)] = 0.80  # no setting within any budget: left out, not weakened
    chosen = chosen_settings(validation, (0.5, 1, 2))
    assert chosen[0] == "undefended" and len(chosen) == len(set(chosen))
    expected = set().union(*(_strongest_within(validation, b) for b in (0.5, 1, 2)))
    assert set(chosen[1:]) == expected
    assert not any(key.startswith(("pp_argmax", "oe_only")) for key in chosen)


def test_chosen_settings_need_the_undefended_reference():
    with pytest.raises(ValueError, match="undefended"):
        chosen_settings({DefencePoint("am", 0.3): 0.9}, (0.5,))


def test_the_command_prints_the_settings_the_stored_accuracies_choose(tmp_path, capsys):
    run_dir, cache = tmp_path / "run", tmp_path / "cache"
    flags = ["--preset", "micro", "--cache-dir", str(cache), "--run-dir", str(run_dir), "--budgets", "0.5,5"]
    assert main(flags) == 0
    printed = capsys.readouterr().out.strip().split(",")
    # the run's stored evaluation (what a following benchmark run reads), read back without the module
    (path,) = glob.glob(os.path.join(run_dir, "context", "micro", "seed0", "evaluation.npz"))
    with np.load(path) as stored:
        validation = {}
        for name in stored.files:
            if name.startswith("validation/"):
                key = name.split("/", 1)[1]
                defence, _, parameter = key.partition("-")
                validation[DefencePoint(defence, float(parameter) if parameter else None)] = float(stored[name])
    assert printed[0] == "undefended"
    assert set(printed[1:]) == _strongest_within(validation, 0.5) | _strongest_within(validation, 5)


@pytest.mark.parametrize(
    "flag,value", [("--budgets", "half"), ("--budgets", "100"), ("--seed", "-1"), ("--scenario", None)]
)
def test_bad_flags_are_refused_by_name(tmp_path, capsys, flag, value):
    flags = ["--preset", "cifar10-fast-cpu" if flag == "--scenario" else "micro", "--cache-dir", str(tmp_path)]
    flags += [] if value is None else [flag, value]
    if flag == "--scenario":
        flags += ["--data-root", str(tmp_path)]
    assert main(flags) == 2
    assert flag in capsys.readouterr().err
