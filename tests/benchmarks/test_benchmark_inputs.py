"""
The benchmark's own bad inputs: every entry point refuses a bad selection before any work (one line naming the flag,
the value and the valid choices; exit status 2; nothing written), and every file it reads back names itself when it is
damaged, never publishing a number from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import publish, results_page, run
from benchmarks.run_files import RunFileError, load_points, load_sweeps, sweep_path, write_sweep
from tests.helpers import ROOT

QUICK = os.path.join(ROOT, "results", "quick")


@pytest.mark.parametrize(
    "flags,flag",
    [
        (["--defences", "am-abc"], "--defences"),
        (["--defences", "bogus"], "--defences"),
        (["--defences", ""], "--defences"),
        (["--defences", "undefended,am-abc"], "--defences"),
        (["--seeds", "-1"], "--seeds"),
        (["--seeds", "0"], "--seeds"),
        (["--seed-list", "1,x"], "--seed-list"),
        (["--sources", "bogus"], "--sources"),
        (["--query-source", "mine"], "--query-source"),
        (["--query-source", "my set=embedded:queries"], "--query-source"),
        (["--query-source", "mine=file:/nonexistent/mine.npz"], "--query-source"),
        (["--query-source", "mine=embedded:bogus"], "--query-source"),
        (["--query-source", "mine=embedded:queries", "--query-source", "mine=embedded:test"], "--query-source"),
        (["--query-source", "fashion_mnist=embedded:test"], "--query-source"),
        (["--cpus-per-job", "0"], "--cpus-per-job"),
        (["--attacks", "bogus"], "--attacks"),
        (["--attacks", ""], "--attacks"),
        (["--labels", "bogus"], "--labels"),
        (["--device", "bogus"], "--device"),
        (["--shard", "2/2"], "--shard"),
        (["--preset", "paper", "--data-root", "/nonexistent/data"], "--data-root"),
        (["--report-only", "--run-dir", "/nonexistent/run"], "--run-dir"),
    ],
)
def test_run_refuses_a_bad_selection_before_any_work(tmp_path, capsys, flags, flag):
    run_dir = tmp_path / "run"
    argv = ["--preset", "quick", "--run-dir", str(run_dir), "--cache-dir", str(tmp_path / "cache"), *flags]
    if "--run-dir" in flags:
        argv = ["--preset", "quick", "--cache-dir", str(tmp_path / "cache"), *flags]
    assert run.main(argv) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith(f"benchmarks.run: error: {flag}:"), error
    assert not run_dir.exists() and not (tmp_path / "cache").exists()


def test_run_and_cache_folders_that_are_files(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for flag in ("--run-dir", "--cache-dir"):
        assert run.main(["--preset", "quick", flag, str(a_file)]) == 2
        assert f"{flag}: " in capsys.readouterr().err
    assert a_file.read_text() == "x"


def _snapshot(folder) -> dict[str, str]:
    return {
        os.path.relpath(os.path.join(base, name), folder): hashlib.sha256(
            open(os.path.join(base, name), "rb").read()
        ).hexdigest()
        for base, _, names in os.walk(folder)
        for name in names
    }


@pytest.fixture
def docs(tmp_path, monkeypatch):
    folder = tmp_path / "docs"
    (folder / "figures").mkdir(parents=True)
    (folder / "benchmark_quick.md").write_text("the published page\n")
    monkeypatch.setattr(publish, "DOCS", str(folder))
    return folder


def test_publish_refuses_a_missing_or_empty_run_and_keeps_the_page(tmp_path, docs, capsys):
    before = _snapshot(docs)
    assert publish.main(["--run-dir", str(tmp_path / "missing"), "--name", "quick"]) == 2
    (tmp_path / "empty").mkdir()
    assert publish.main(["--run-dir", str(tmp_path / "empty"), "--name", "quick"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "no such run folder" in err[0] and "has no points" in err[1]
    assert _snapshot(docs) == before
    assert run.main(["--preset", "quick", "--report-only", "--run-dir", str(tmp_path / "empty")]) == 2
    assert os.listdir(tmp_path / "empty") == []


def _small_run(tmp_path, points: int = 6):
    """A copy of a few of the quick run's points, its overhead table and RUN.json."""
    run_dir = tmp_path / "run"
    paths = sorted(
        os.path.join(base, name) for base, _, names in os.walk(os.path.join(QUICK, "points")) for name in names
    )[:points]
    for path in paths:
        target = run_dir / os.path.relpath(path, QUICK)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    shutil.copytree(os.path.join(QUICK, "overhead"), run_dir / "overhead")
    shutil.copyfile(os.path.join(QUICK, "RUN.json"), run_dir / "RUN.json")
    return run_dir


def _first_point(run_dir):
    return sorted(run_dir.glob("points/*/seed*/*.json"))[0]


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda text: text[: len(text) // 2], "is not valid JSON"),
        (lambda text: "", "is not valid JSON \\(it is empty"),
        (lambda text: b"\xff\xfe\x00garbage", "is not UTF-8"),
        (lambda text: "[1, 2]", "must be a JSON object, got a JSON list"),
        (lambda text: json.dumps({k: v for k, v in json.loads(text).items() if k != "seed"}), "lacks 'seed'"),
        (lambda text: json.dumps({**json.loads(text), "seed": "four"}), "'seed' must be int, got 'four'"),
        (lambda text: json.dumps({**json.loads(text), "clone_accuracy": "0.5"}), "'clone_accuracy' must be float"),
        (lambda text: json.dumps({**json.loads(text), "clone_accuracy": float("nan")}), "must be a fraction"),
        (lambda text: json.dumps({**json.loads(text), "defence": "magic"}), "unknown defence 'magic'"),
    ],
)
def test_a_damaged_point_is_named(tmp_path, damage, message):
    run_dir = _small_run(tmp_path)
    point = _first_point(run_dir)
    damaged = damage(point.read_text())
    point.write_bytes(damaged if isinstance(damaged, bytes) else damaged.encode())
    with pytest.raises(RunFileError, match=message) as caught:
        load_points(
            str(run_dir),
            known_defences={"undefended", "am", "am_cm", "am_detector", "pp_extreme", "dcp"}
            | {"pp_argmax", "oe_only", "am_detector_broad"},
        )
    assert str(point) in str(caught.value)


def test_damaged_overhead_table_and_run_description_are_named(tmp_path, capsys):
    results = tmp_path / "results"
    run_dir = _small_run(tmp_path)
    shutil.move(str(run_dir), str(results / "quick"))
    for relative in ("quick/overhead/embedded-mnist.json", "quick/RUN.json"):
        path = results / relative
        original = path.read_bytes()
        path.write_bytes(original[: len(original) // 3])
        with pytest.raises(RunFileError, match="is not valid JSON") as caught:
            results_page.load_runs(str(results))
        assert str(path) in str(caught.value)
        path.write_bytes(original)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_bytes_over_any_run_file_change_nothing_else_and_publish_nothing(tmp_path_factory, data):
    """Property: random bytes written over any one file of a run that publish reads (a point, the overhead table)
    make it refuse, naming that file, and leave every other file of the run and the published page as they were;
    over RUN.json (read by the results page) they make the results page refuse, naming it."""
    tmp_path = tmp_path_factory.mktemp("run")
    run_dir = _small_run(tmp_path, points=3)
    docs = tmp_path / "docs"
    (docs / "figures").mkdir(parents=True)
    (docs / "benchmark_quick.md").write_text("the published page\n")
    files = sorted(p for p in run_dir.rglob("*.json"))
    target = data.draw(st.sampled_from(files))
    target.write_bytes(data.draw(st.binary(min_size=0, max_size=200)))
    before_run, before_docs = _snapshot(run_dir), _snapshot(docs)
    if target.name == "RUN.json":
        with pytest.raises(RunFileError) as caught:
            results_page.load_runs(str(tmp_path))
    else:
        original, publish.DOCS = publish.DOCS, str(docs)
        try:
            with pytest.raises(RunFileError) as caught:
                run.load_points_or_refuse(str(run_dir))
                publish.write_report(str(run_dir))  # not reached: load_points refused
            assert publish.main(["--run-dir", str(run_dir), "--name", "quick"]) == 2
        finally:
            publish.DOCS = original
    assert str(target) in str(caught.value)
    assert _snapshot(run_dir) == before_run  # nothing rewritten, nothing added
    assert _snapshot(docs) == before_docs


def test_one_entry_point_dispatches_and_refuses_unknown_commands(tmp_path, capsys):
    from benchmarks.__main__ import main  # pylint: disable=import-outside-toplevel

    assert main(["deploy"]) == 2
    assert "command 'deploy' is not valid; choose from: run, report, publish, results" in capsys.readouterr().err
    assert main(["report", "--preset", "quick", "--run-dir", str(tmp_path / "none")]) == 2  # run --report-only
    assert "--run-dir" in capsys.readouterr().err
    assert main(["publish", "--run-dir", str(tmp_path / "none"), "--name", "x"]) == 2
    assert "no such run folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    "flags,flag",
    [
        (["--device", "bogus"], "--device"),
        (["--preset", "paper", "--data-root", "/nonexistent/data"], "--data-root"),
        (["--scenario", "nope"], "--scenario"),
    ],
)
def test_the_studies_share_the_command_line_rule(capsys, flags, flag):
    """The leaf studies (defender quality, overhead, operating points, ...) check the shared flags the same way."""
    from benchmarks.studies import defender_quality  # pylint: disable=import-outside-toplevel

    with pytest.raises(SystemExit) as caught:
        defender_quality.main(["--preset", "quick", *flags])
    assert caught.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and f"error: {flag}: " in error[0], error


def _sweep_settings():
    return [
        {"defence": "undefended", "parameter": None, "defender_accuracy": 0.9, "defender_accuracy_validation": 0.91},
        {"defence": "am", "parameter": 0.3, "defender_accuracy": 0.89, "defender_accuracy_validation": 0.9},
    ]


def test_a_sweep_is_written_once_and_rides_on_its_seeds_points(tmp_path):
    from benchmarks.report import load_points as report_points  # pylint: disable=import-outside-toplevel

    run_dir = _small_run(tmp_path)
    scenario, seed = (lambda p: (p["scenario"], p["seed"]))(json.loads(_first_point(run_dir).read_text()))
    write_sweep(str(run_dir), scenario, seed, _sweep_settings())
    path = sweep_path(str(run_dir), scenario, seed)
    os.utime(path, (1, 1))
    write_sweep(str(run_dir), scenario, seed, _sweep_settings())  # the same sweep: left as it is
    assert os.path.getmtime(path) == 1
    points = report_points(str(run_dir))
    mine = [p for p in points if (p["scenario"], p["seed"]) == (scenario, seed)]
    expected = [dict(s, scenario=scenario, seed=seed) for s in _sweep_settings()]
    assert mine and all(p["sweep"] == expected for p in mine)
    assert all("sweep" not in p for p in points if (p["scenario"], p["seed"]) != (scenario, seed))
    changed = _sweep_settings()[:1]
    write_sweep(str(run_dir), scenario, seed, changed)  # another sweep replaces it
    assert load_sweeps(str(run_dir))[(scenario, seed)] == [dict(changed[0], scenario=scenario, seed=seed)]


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda sweep: "{", "is not valid JSON"),
        (lambda sweep: dict(sweep, settings=[]), "a sweep holds a non-empty list 'settings'"),
        (lambda sweep: dict(sweep, seed="0"), "'seed' must be int, got '0'"),
        (lambda sweep: dict(sweep, settings=[1]), r"settings\[0\] must be an object"),
        (
            lambda sweep: dict(sweep, settings=[{"defence": "am", "defender_accuracy": 0.5}]),
            r"settings\[0\]: the setting lacks 'defender_accuracy_validation'",
        ),
        (lambda sweep: dict(sweep, settings=[dict(sweep["settings"][1], defender_accuracy=1.5)]), "must be a fraction"),
        (lambda sweep: dict(sweep, settings=[dict(sweep["settings"][1], defence="magic")]), "unknown defence 'magic'"),
        (
            lambda sweep: dict(sweep, settings=[dict(sweep["settings"][1], parameter="0.3")]),
            "'parameter' must be a finite number or null, got '0.3'",
        ),
    ],
)
def test_a_damaged_sweep_is_named(tmp_path, damage, message):
    from benchmarks.report import load_points as report_points  # pylint: disable=import-outside-toplevel

    run_dir = _small_run(tmp_path, points=3)
    write_sweep(str(run_dir), "s", 0, _sweep_settings())
    path = sweep_path(str(run_dir), "s", 0)
    damaged = damage(json.loads(open(path, encoding="utf-8").read()))
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(damaged if isinstance(damaged, str) else json.dumps(damaged))
    with pytest.raises(RunFileError, match=message) as caught:
        report_points(str(run_dir))
    assert str(path) in str(caught.value)
    assert run.main(["--preset", "quick", "--run-dir", str(run_dir), "--report-only"]) == 2
