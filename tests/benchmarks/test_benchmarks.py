"""An end-to-end run of the benchmark on a micro scenario: points, resume, report files."""

import glob
import json
import os

import numpy as np
import pytest

from benchmarks import run as run_module
from benchmarks.studies import score_comparison


@pytest.mark.slow
def test_run_writes_points_resumes_and_reports(tmp_path, micro_preset):
    arguments = ["--preset", "micro", "--run-dir", str(tmp_path / "run"), "--cache-dir", str(tmp_path / "cache")]
    run_module.main(arguments + ["--no-progress"])
    points = sorted(glob.glob(str(tmp_path / "run" / "points" / "micro" / "seed0" / "*.json")))
    # 9 defence settings (AM, AM + confidence matching, AM with either detector, ...) x 2 attacks x 2 label modes
    assert len(points) == 36
    record = json.load(open(points[0]))
    assert 0.0 <= record["clone_accuracy"] <= 1.0 and record["queries"] > 0
    for name in ("results.json", "results.csv", "summary.md", "overhead/micro.json"):
        assert os.path.isfile(tmp_path / "run" / name)
    assert glob.glob(str(tmp_path / "run" / "figures" / "tradeoff-*.png"))
    assert os.path.isfile(tmp_path / "run" / "figures" / "msp-cdf-micro.png")
    results = json.load(open(tmp_path / "run" / "results.json"))
    # every defence gets an operating point inside the 0.5 pp budget for each attack and label mode (soft, argmax, best)
    budget = [entry for entry in results["matched_comparison"] if entry["drop_pp"] == 0.5]
    assert len(budget) == 6 and all(set(entry["defences"]) >= {"am", "am_cm", "am_detector", "dcp"} for entry in budget)
    assert {"defender_accuracy_validation", "clone_accuracy_validation", "commit", "versions"} <= set(record)
    floors = [p for p in results["points"] if p["attack"] == "jbda" and p["defence"] == "undefended"]
    assert floors and all(0.0 <= p["seeds_only_clone_accuracy"] <= 1.0 for p in floors)
    overhead = json.load(open(tmp_path / "run" / "overhead" / "micro.json"))
    assert any("sign detector" in row["defence"] for row in overhead["rows"])
    modified = {path: os.path.getmtime(path) for path in points}
    os.remove(points[0])
    run_module.main(arguments + ["--no-progress", "--attacks", "knockoff,jbda"])
    assert os.path.isfile(points[0])  # the missing point was redone ...
    assert all(os.path.getmtime(p) == t for p, t in modified.items() if p != points[0])  # ... and only it
    # the engine wrote RUN.json itself, with both commands
    description = json.load(open(tmp_path / "run" / "RUN.json"))
    assert [c.endswith("--attacks knockoff,jbda") for c in description["commands"]] == [False, True]
    assert description["seeds"] == [0] and description["scenarios"] == ["micro"]
    # --defences takes families and single settings
    subset = ["--run-dir", str(tmp_path / "subset"), "--cache-dir", str(tmp_path / "cache"), "--skip-overhead"]
    subset += ["--no-progress", "--attacks", "knockoff", "--labels", "soft", "--defences", "am-0.9,dcp"]
    run_module.main(["--preset", "micro"] + subset)
    written = glob.glob(str(tmp_path / "subset" / "points" / "micro" / "seed0" / "*.json"))
    assert sorted(os.path.basename(p) for p in written) == [
        "knockoff_fashion_mnist-soft-am-0.9.json",
        "knockoff_fashion_mnist-soft-dcp-1.json",
    ]
    # the subset run stores every swept setting's defender accuracies, the settings without a clone included: the
    # same values the full run's points carry
    sweep = json.load(open(tmp_path / "subset" / "points" / "micro" / "defender-sweep" / "seed0.json"))
    full = {(r["defence"], r["parameter"]): r for r in results["points"] if r["labels"] != "best"}
    assert len(sweep["settings"]) == len({key for key in full}) > len(written)
    for setting in sweep["settings"]:
        point = full[(setting["defence"], setting["parameter"])]
        assert setting["defender_accuracy"] == point["defender_accuracy"]
        assert setting["defender_accuracy_validation"] == point["defender_accuracy_validation"]
    # an argmax-label clone of a defence that keeps every top-1 answer is the undefended one's: shared, not trained ...
    shared = json.load(
        open(tmp_path / "run" / "points" / "micro" / "seed0" / "knockoff_fashion_mnist-argmax-dcp-1.json")
    )
    assert shared["clone_shared_with"] == "micro/seed0/knockoff_fashion_mnist-argmax-undefended"
    # ... and it is the clone that training without the undefended point gives
    alone = ["--run-dir", str(tmp_path / "alone"), "--cache-dir", str(tmp_path / "cache"), "--skip-overhead"]
    alone += ["--no-progress", "--attacks", "knockoff", "--labels", "argmax", "--defences", "dcp-1"]
    run_module.main(["--preset", "micro"] + alone)
    trained = json.load(
        open(tmp_path / "alone" / "points" / "micro" / "seed0" / "knockoff_fashion_mnist-argmax-dcp-1.json")
    )
    assert "clone_shared_with" not in trained
    for field in ("clone_accuracy", "clone_accuracy_validation", "clone_fidelity", "queries", "defender_accuracy"):
        assert trained[field] == shared[field], field
    # ART's adaptive KnockoffNets policy runs on the stored answers, with the attacker's labels of its query set
    adaptive = ["--run-dir", str(tmp_path / "adaptive"), "--cache-dir", str(tmp_path / "cache"), "--skip-overhead"]
    adaptive += ["--no-progress", "--attacks", "knockoff-adaptive,knockoff-bandit", "--labels", "argmax"]
    run_module.main(["--preset", "micro", "--defences", "undefended"] + adaptive)
    records = [
        json.load(open(p)) for p in glob.glob(str(tmp_path / "adaptive" / "points" / "micro" / "seed0" / "*.json"))
    ]
    assert sorted(r["attack"] for r in records) == ["knockoff-adaptive:fashion_mnist", "knockoff-bandit:fashion_mnist"]
    assert all(r["queries"] == micro_preset.attacks.knockoff_queries for r in records)
    # KnockoffNets read through a decoder fitted on JBDA's seeds, which it labels by querying the defence
    decoded = ["--run-dir", str(tmp_path / "decoded"), "--cache-dir", str(tmp_path / "cache"), "--skip-overhead"]
    decoded += ["--no-progress", "--attacks", "knockoff-decoded", "--labels", "soft", "--defences", "undefended,am-0.9"]
    run_module.main(["--preset", "micro"] + decoded)
    records = [
        json.load(open(p)) for p in glob.glob(str(tmp_path / "decoded" / "points" / "micro" / "seed0" / "*.json"))
    ]
    assert sorted(r["defence"] for r in records) == ["am", "undefended"]
    expected = micro_preset.attacks.knockoff_queries + micro_preset.attacks.jbda_seeds
    assert all(r["attack"] == "knockoff-decoded:fashion_mnist" and r["queries"] == expected for r in records)
    assert all(0.0 <= r["clone_accuracy"] <= 1.0 and 0.0 <= r["clone_fidelity"] <= 1.0 for r in records)
    # the detector-aware JBDA that optimises its steps against its copy of the deployed detector
    optimised = ["--run-dir", str(tmp_path / "optimised"), "--cache-dir", str(tmp_path / "cache"), "--skip-overhead"]
    optimised += ["--no-progress", "--attacks", "jbda-optimised", "--labels", "soft", "--defences", "am_detector"]
    run_module.main(["--preset", "micro"] + optimised)
    (point,) = glob.glob(str(tmp_path / "optimised" / "points" / "micro" / "seed0" / "*.json"))
    chosen = json.load(open(point))["step_forms_chosen"]
    assert "optimised" in chosen and sum(chosen.values()) > 0


def test_unknown_scenario_is_an_error(micro_preset, tmp_path, capsys):
    assert run_module.main(["--preset", "micro", "--scenario", "nope", "--run-dir", str(tmp_path / "run")]) == 2
    assert "--scenario: 'nope' is not valid; choose from: micro" in capsys.readouterr().err


@pytest.mark.slow
def test_ood_score_study_runs_resumes_and_reports(tmp_path, micro_preset):
    arguments = ["--preset", "micro", "--scenario", "micro", "--run-dir", str(tmp_path / "run")]
    arguments += [
        "--cache-dir",
        str(tmp_path / "cache"),
        "--scores",
        "msp,noise-level,msp+noise-level",
        "--steps",
        "0.1",
        "--detector-images",
        "256",
        "--budgets",
        "0.005,0.02",
    ]
    score_comparison.main(arguments)
    points = glob.glob(str(tmp_path / "run" / "micro" / "points" / "*.json"))
    # seeds only, undefended JBDA, and per score and budget one JBDA and one KnockoffNets run
    assert len(points) == 2 + 3 * 2 * 2
    # a resumed study recomputes exactly the missing point
    modified = {path: os.path.getmtime(path) for path in points}
    removed = sorted(points)[3]
    os.remove(removed)
    score_comparison.main(arguments)
    assert os.path.isfile(removed)
    assert all(os.path.getmtime(p) == t for p, t in modified.items() if p != removed)
    score_comparison.main(arguments + ["--report-only"])
    report = json.load(open(tmp_path / "run" / "micro" / "report.json"))
    assert set(report["auroc"]) == set(score_comparison.SCORE_NAMES)
    columns = report["auroc"]["noise-level"]
    assert {"knockoff fashion_mnist", "jbda lambda=0.1 round 1", "jbda lambda=0.1 round 2"} <= set(columns)
    assert all(0.0 <= value <= 1.0 for row in report["auroc"].values() for value in row.values())
    # Round 1 is the seeds: test images like the benign ones, which no score should separate well.
    assert abs(columns["jbda lambda=0.1 round 1"] - 0.5) < 0.25
    # Each threshold keeps the loss against the normally trained defender inside its budget on the calibration half
    # (checked here on all benign images, with room for the other half's sampling error).
    for key, point in report["operating_points"].items():
        budget = float(key.rsplit("@", 1)[1])
        assert point["undefended_accuracy"] - point["defender_accuracy"] <= budget + 0.03
    assert all(ratio > 0 for ratio in report["overhead"]["ratio"].values())
    assert "AUROC" in open(tmp_path / "run" / "micro" / "report.md").read()
    assert os.path.isfile(tmp_path / "run" / "micro" / "ood-scores-micro.png")
    assert os.path.isfile(tmp_path / "run" / "micro" / "ood-scores-curves-micro.png")


def test_training_speed_compares_every_variant_with_the_plain_loop(tmp_path):
    from benchmarks.studies import training_speed  # pylint: disable=import-outside-toplevel

    output = tmp_path / "speed.json"
    result = training_speed.main(
        ["--architecture", "resnet8", "--images", "48", "--repeats", "2", "--output", str(output)]
    )
    rows = {row["variant"]: row for row in result["rows"]}
    assert set(rows) == set(training_speed.VARIANTS) and json.loads(output.read_text())["images"] == 48
    for row in rows.values():
        assert len(row["seconds"]) == 2 and row["median_seconds"] > 0
        assert row["images_per_second"] == pytest.approx(48 / row["median_seconds"])
        assert row["speed_up_over_plain"] == pytest.approx(rows["plain"]["median_seconds"] / row["median_seconds"])
    assert rows["plain"]["speed_up_over_plain"] == 1.0


def test_the_report_header_names_only_the_models_its_defences_use():
    from benchmarks.report import _retrained  # pylint: disable=import-outside-toplevel

    def header(*defences):
        return _retrained([{"defence": defence} for defence in defences])

    assert "sign-step detector" not in header("undefended", "am", "pp_argmax") and "PP's surrogate" in header(
        "pp_argmax"
    )
    assert "sign-step detector" in header("am_detector_broad") and "PP's surrogate" not in header("am", "dcp")
    assert header("undefended").startswith("the defender, the OE defender, the misinformation model")


def test_the_query_msp_table_counts_each_seed_once_and_matches_a_sorted_count(tmp_path):
    from benchmarks.report import _query_msp_section  # pylint: disable=import-outside-toplevel

    rng = np.random.default_rng(0)
    benign = {seed: rng.random(200) for seed in (0, 1)}
    knockoff = {seed: rng.random(300) ** 3 for seed in (0, 1)}
    for seed in (0, 1):
        folder = tmp_path / "points" / "s" / f"seed{seed}"
        folder.mkdir(parents=True)
        np.savez(folder / "queries-jbda.npz", msp_queries=rng.random(50), msp_benign=benign[seed])
        np.savez(folder / "queries-web.npz", msp_queries=knockoff[seed], msp_benign=benign[seed])
    points = [{"scenario": "s", "defence": "am", "parameter": t} for t in (0.5, 0.25)] + [
        {"scenario": "s", "defence": "pp_extreme", "parameter": 2.0}
    ]
    lines = _query_msp_section(str(tmp_path), points)
    assert "| s | seeds | MSP < 0.25 | MSP < 0.5 |" in lines

    def row(name, arrays):
        shares = np.array([[np.searchsorted(np.sort(a), t) / len(a) * 100 for t in (0.25, 0.5)] for a in arrays])
        cells = [f"{c.mean():.1f} ± {c.std(ddof=1):.1f}" for c in shares.T]
        return f"| {name} | 2 | " + " | ".join(cells) + " |"

    assert row("benign test images", benign.values()) in lines  # two seeds, not four files
    assert row("KnockoffNets queries (web)", knockoff.values()) in lines
    assert _query_msp_section(str(tmp_path), points[2:]) == []  # no AM threshold: no table


@pytest.mark.slow
def test_seed_list_runs_only_the_named_seeds(micro_preset, tmp_path, capsys):
    arguments = ["--preset", "micro", "--run-dir", str(tmp_path), "--cache-dir", str(tmp_path / "cache")]
    arguments += ["--skip-overhead", "--no-progress", "--attacks", "knockoff", "--labels", "soft"]
    run_module.main(arguments + ["--defences", "undefended", "--seed-list", "1"])
    written = glob.glob(str(tmp_path / "points" / "micro" / "seed*" / "*.json"))
    assert [os.path.basename(os.path.dirname(p)) for p in written] == ["seed1"]
    assert os.listdir(tmp_path / "points" / "micro" / "defender-sweep") == ["seed1.json"]
    for bad in ("1,x", "-1"):
        assert run_module.main(arguments + ["--seed-list", bad]) == 2
        assert "--seed-list: " in capsys.readouterr().err
