"""AM's operating point against the stricter budget reference (benchmarks.studies.budget_reference)."""

import json

import numpy as np
import pytest

from benchmarks.run_files import FINE_TUNED_REFERENCE_KIND, write_sweep
from benchmarks.studies.budget_reference import FINE_TUNED, main, strict_settings


def _sweep(plain, oe, taus):
    settings = [
        {"defence": "undefended", "parameter": None, "defender_accuracy": plain, "defender_accuracy_validation": plain},
        {"defence": "oe_only", "parameter": None, "defender_accuracy": oe, "defender_accuracy_validation": oe},
    ]
    return settings + [
        {"defence": "am", "parameter": tau, "defender_accuracy": a - 0.001, "defender_accuracy_validation": a}
        for tau, a in taus.items()
    ]


@pytest.mark.parametrize("trial", range(15))
def test_each_reference_chooses_the_largest_tau_within_the_budget_of_its_accuracy(trial):
    rng = np.random.default_rng(trial)
    plain, oe = 0.90 + rng.uniform(0, 0.01, size=2)
    taus = {round(float(t), 2): float(plain - rng.uniform(0, 0.012)) for t in rng.uniform(0.05, 0.9, size=12)}
    sweep = [dict(s, scenario="s", seed=0) for s in _sweep(float(plain), float(oe), taus)]
    fine_tuned = float(0.90 + rng.uniform(0, 0.01))
    chosen = strict_settings(sweep, 0.005, fine_tuned=fine_tuned)
    # reference: each tau checked one by one against each level
    for reference, level in (("plain", plain), ("better of plain and OE", max(plain, oe)), (FINE_TUNED, fine_tuned)):
        within = [t for t, a in taus.items() if a >= level - 0.005 - 1e-12]
        assert (chosen[reference] and chosen[reference]["parameter"]) == (max(within) if within else None)
    plain_tau, strict_tau, _ = (chosen[r]["parameter"] if chosen[r] else -1 for r in chosen)
    assert strict_tau <= plain_tau  # a stricter reference never allows a stronger setting


def test_the_report_reads_the_strongest_clone_at_each_reference_and_prints_the_settings(tmp_path, capsys):
    run_dir = tmp_path / "run"
    sweep = _sweep(0.900, 0.903, {0.2: 0.902, 0.25: 0.899, 0.3: 0.896, 0.35: 0.890})
    write_sweep(str(run_dir), "s", 1, sweep)
    folder = run_dir / "points" / "s" / "seed1"
    folder.mkdir(parents=True)
    for defence, tau, clone in (("undefended", None, 0.5), ("am", 0.3, 0.1)):
        point = {
            "scenario": "s", "seed": 1, "attack": "knockoff:q", "labels": "soft", "defence": defence,
            "parameter": tau, "defender_accuracy": 0.9, "defender_accuracy_validation": 0.9,
            "clone_accuracy": clone, "clone_accuracy_validation": clone,
        }  # fmt: skip
        (folder / f"{defence}.json").write_text(json.dumps(point))
    assert main(["--run-dir", str(run_dir), "--settings-of", "1"]) == 0
    # plain: 0.900 - 0.5 pp admits 0.896 (tau 0.3); the OE defender's 0.903 admits 0.899 only (tau 0.25)
    assert capsys.readouterr().out.strip() == "am-0.3,am-0.25"
    assert main(["--run-dir", str(run_dir)]) == 0
    table = capsys.readouterr().out
    assert "| s | 1 | 90.00 | 90.30 | plain | 90.00 | 0.3 | 89.50 | +0.50 | 10.0 | knockoff:q (soft) |" in table
    assert "| s | 1 | 90.00 | 90.30 | better of plain and OE | 90.30 | 0.25 | 89.80 | +0.20 | not run | |" in table
    assert "| s | validation | 1 | +0.30 | 0.30 | – |" in table  # the OE defender gains 0.3 pp over the plain one
    assert main(["--run-dir", str(run_dir), "--settings-of", "0"]) == 2
    assert "--settings-of: seed 0 has 0 sweep files" in capsys.readouterr().err
    assert main(["--run-dir", str(run_dir), "--budget", "-1"]) == 2
    assert "--budget: -1.0 is not in [0, 100)" in capsys.readouterr().err


def test_one_attack_is_read_where_only_it_ran_at_the_stricter_setting(tmp_path, capsys):
    """The strongest attacker needs every paper attack at a setting; --attack reads one attack's clone, its label mode
    chosen on the validation images (soft here, although argmax tests higher)."""
    run_dir = tmp_path / "run"
    write_sweep(str(run_dir), "s", 1, _sweep(0.900, 0.903, {0.2: 0.902, 0.25: 0.899, 0.3: 0.896}))
    folder = run_dir / "points" / "s" / "seed1"
    folder.mkdir(parents=True)
    for name, attack, labels, defence, tau, clone, clone_validation in (
        ("u", "knockoff:q", "soft", "undefended", None, 0.5, 0.5),
        ("a", "knockoff:q", "soft", "am", 0.3, 0.1, 0.1),
        ("s", "knockoff:seedmix", "soft", "am", 0.25, 0.30, 0.30),
        ("t", "knockoff:seedmix", "argmax", "am", 0.25, 0.35, 0.20),
    ):
        point = {
            "scenario": "s", "seed": 1, "attack": attack, "labels": labels, "defence": defence, "parameter": tau,
            "defender_accuracy": 0.9, "defender_accuracy_validation": 0.9, "clone_accuracy": clone,
            "clone_accuracy_validation": clone_validation,
        }  # fmt: skip
        (folder / f"{name}.json").write_text(json.dumps(point))
    assert main(["--run-dir", str(run_dir)]) == 0
    assert "| better of plain and OE | 90.30 | 0.25 | 89.80 | +0.20 | not run | |" in capsys.readouterr().out
    assert main(["--run-dir", str(run_dir), "--attack", "knockoff:seedmix"]) == 0
    table = capsys.readouterr().out
    assert "| better of plain and OE | 90.30 | 0.25 | 89.80 | +0.20 | 30.0 | knockoff:seedmix (soft) |" in table
    assert "| plain | 90.00 | 0.3 | 89.50 | +0.50 | not run | |" in table  # that attack never ran at tau 0.3
    assert "| s | better of plain and OE | 1 | 30.0 | – |" in table
    assert main(["--run-dir", str(run_dir), "--attack", "jbda"]) == 2
    assert "--attack: 'jbda' never ran against AM in this run; it ran knockoff:q, knockoff:seedmix" in (
        capsys.readouterr().err
    )


def _reference_file(path, seeds, scenario="s", kind=FINE_TUNED_REFERENCE_KIND):
    entries = {str(k): {"plain": {"validation": 0.9}, "fine_tuned": {"validation": v}} for k, v in seeds.items()}
    path.write_text(json.dumps({"kind": kind, "scenario": scenario, "recipe": {}, "seeds": entries}))
    return str(path)


def test_the_fine_tuned_reference_is_a_third_reference_of_its_scenario_and_seeds_only(tmp_path, capsys):
    """The fine-tuned plain defender's 0.9015 admits 0.8965 and above: tau 0.25 (0.899), not 0.3 (0.896); a seed the
    file lacks keeps the two references; a file of another kind is refused, naming the flag."""
    run_dir = tmp_path / "run"
    for seed in (1, 2):
        write_sweep(str(run_dir), "s", seed, _sweep(0.900, 0.898, {0.2: 0.902, 0.25: 0.899, 0.3: 0.896}))
    reference = _reference_file(tmp_path / "ref.json", {1: 0.9015})
    assert main(["--run-dir", str(run_dir), "--settings-of", "1", "--fine-tuned-reference", reference]) == 0
    assert capsys.readouterr().out.strip() == "am-0.3,am-0.25"
    assert main(["--run-dir", str(run_dir), "--settings-of", "2", "--fine-tuned-reference", reference]) == 0
    assert capsys.readouterr().out.strip() == "am-0.3"
    assert main(["--run-dir", str(run_dir), "--fine-tuned-reference", reference]) == 0
    table = capsys.readouterr().out
    assert f"| s | 1 | 90.00 | 89.80 | {FINE_TUNED} | 90.15 | 0.25 | 89.80 | +0.20 | not run | |" in table
    assert f"| s | 2 | 90.00 | 89.80 | {FINE_TUNED}" not in table
    other = _reference_file(tmp_path / "other.json", {1: 0.95}, scenario="t")  # another scenario's: not applied
    assert main(["--run-dir", str(run_dir), "--fine-tuned-reference", other]) == 0
    assert FINE_TUNED not in capsys.readouterr().out
    nan = _reference_file(tmp_path / "nan.json", {1: float("nan")})  # json writes NaN; a fraction it is not
    assert main(["--run-dir", str(run_dir), "--fine-tuned-reference", nan]) == 2
    assert "seed 1's fine_tuned validation accuracy must be a fraction in [0, 1], got nan" in capsys.readouterr().err
    wrong = _reference_file(tmp_path / "wrong.json", {1: 0.9}, kind="something else")
    assert main(["--run-dir", str(run_dir), "--fine-tuned-reference", wrong]) == 2
    assert "--fine-tuned-reference: " in capsys.readouterr().err


def test_am_is_paired_by_seed_with_each_baseline_at_its_plain_budget_setting(tmp_path, capsys):
    """Reference, by hand: PP-MAD's setting within 0.5 pp of the plain defender is epsilon 0.3 (0.897; 0.5 costs
    0.6 pp), AM's tau 0.3 against the plain reference; AM − PP-MAD per seed 0.10 − 0.40 and 0.12 − 0.46, i.e.
    −32.0 ± 2.8 pp over two seeds; the defender-cost difference is PP-MAD's test accuracy minus AM's, +0.5 pp."""
    run_dir = tmp_path / "run"
    for seed, (am_clone, pp_clone) in enumerate(((0.10, 0.40), (0.12, 0.46))):
        sweep = _sweep(0.900, 0.899, {0.3: 0.896})
        sweep += [
            {"defence": "pp_extreme", "parameter": eps, "defender_accuracy": a, "defender_accuracy_validation": a}
            for eps, a in ((0.3, 0.897), (0.5, 0.894))
        ]
        write_sweep(str(run_dir), "s", seed, sweep)
        folder = run_dir / "points" / "s" / f"seed{seed}"
        folder.mkdir(parents=True)
        for defence, parameter, clone, defender in (
            ("undefended", None, 0.6, 0.9),
            ("am", 0.3, am_clone, 0.890),
            ("pp_extreme", 0.3, pp_clone, 0.895),
            ("pp_extreme", 0.5, 0.01, 0.893),  # beyond the budget: never read
        ):
            point = {
                "scenario": "s", "seed": seed, "attack": "knockoff:q", "labels": "soft", "defence": defence,
                "parameter": parameter, "defender_accuracy": defender, "defender_accuracy_validation": defender,
                "clone_accuracy": clone, "clone_accuracy_validation": clone,
            }  # fmt: skip
            (folder / f"{defence}-{parameter}.json").write_text(json.dumps(point))
    assert main(["--run-dir", str(run_dir)]) == 0
    table = capsys.readouterr().out
    differences = np.array([0.10 - 0.40, 0.12 - 0.46]) * 100
    half = 12.706 * differences.std(ddof=1) / np.sqrt(2)  # Student's t, 1 degree of freedom, 97.5 % (a table's)
    expected = (
        f"{differences.mean():.1f} ± {differences.std(ddof=1):.1f} "
        f"[{differences.mean() - half:.1f}, {differences.mean() + half:.1f}]"
    )
    assert f"| s | plain | pp_extreme | 2 | {expected}: 2 seeds: no verdict; defender cost +0.5 pp |" in table
    assert "| s | plain | dcp |" not in table  # a baseline that never ran is not paired
