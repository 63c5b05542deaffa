"""An end-to-end run of the benchmark on a micro scenario: points, resume, report files."""

import dataclasses
import glob
import json
import os

import pytest

from art_am.training import TrainingConfig
from benchmarks import run as run_module
from benchmarks.scenarios import PRESETS, AttackSettings, Scenario


@pytest.fixture
def micro_preset(monkeypatch):
    fast = TrainingConfig(epochs=1, lr=0.05, progress=False)
    scenario = Scenario(
        name="micro",
        train_source="embedded:train",
        test_source="embedded:test",
        outlier_source="embedded:outliers",
        attacks=AttackSettings(
            knockoff_sources={"fashion_mnist": "embedded:queries"},
            knockoff_queries=300,
            clone_epochs=1,
            clone_lr=0.05,
            jbda_seeds=20,
            jbda_rounds=2,
            jbda_epochs=1,
        ),
        defender_recipe=fast,
        misinformation_recipe=dataclasses.replace(fast),
        am_thresholds=(0.9,),
        pp_epsilons=(0.5,),
        dcp_betas=(1.0,),
        overhead_repeats=1,
        overhead_all_parameter_rows=20,
    )
    monkeypatch.setitem(PRESETS, "micro", [scenario])
    return scenario


def test_run_writes_points_resumes_and_reports(tmp_path, micro_preset):
    arguments = ["--preset", "micro", "--run-dir", str(tmp_path / "run"), "--cache-dir", str(tmp_path / "cache")]
    run_module.main(arguments + ["--no-progress"])
    points = sorted(glob.glob(str(tmp_path / "run" / "points" / "micro" / "seed0" / "*.json")))
    # 6 defence settings x 2 attacks x 2 label modes
    assert len(points) == 24
    record = json.load(open(points[0]))
    assert 0.0 <= record["clone_accuracy"] <= 1.0 and record["queries"] > 0
    for name in ("results.json", "results.csv", "summary.md", "overhead/micro.json"):
        assert os.path.isfile(tmp_path / "run" / name)
    assert glob.glob(str(tmp_path / "run" / "figures" / "tradeoff-*.png"))
    assert os.path.isfile(tmp_path / "run" / "figures" / "msp-cdf-micro.png")
    modified = {path: os.path.getmtime(path) for path in points}
    os.remove(points[0])
    run_module.main(arguments + ["--no-progress", "--attacks", "knockoff,jbda"])
    assert os.path.isfile(points[0])  # the missing point was redone ...
    assert all(os.path.getmtime(p) == t for p, t in modified.items() if p != points[0])  # ... and only it


def test_unknown_scenario_is_an_error(micro_preset, tmp_path):
    with pytest.raises(SystemExit):
        run_module.main(["--preset", "micro", "--scenario", "nope", "--run-dir", str(tmp_path)])
