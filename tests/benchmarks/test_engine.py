"""
The benchmark's execution engine: shards, the shared model cache, and Ray. The Ray tests start a real local Ray
cluster (2 CPUs) inside a network namespace that holds only the loopback interface, so that every byte of test traffic
stays on 127.0.0.1 (Ray binds the machine's own address while another interface exists); they are skipped, with the
reason, where Ray is not installed or such a namespace cannot be made.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from benchmarks.clone_sharing import argmax_twin, shared_clone
from benchmarks.defence_points import DefencePoint, defence_points
from benchmarks.fault_injection import FAULT_INJECTION_VARIABLE
from benchmarks.jobs import Job, pending, plan
from benchmarks.presets import MICRO
from tests.helpers import ROOT

# A fixed subset of the micro preset: every defence setting x 2 attacks, soft labels.
JOB_ARGUMENTS = ["--preset", "micro", "--attacks", "knockoff,jbda", "--labels", "soft", "--skip-overhead"]
JOB_ARGUMENTS += ["--no-progress", "--cpus-per-job", "1"]


def _benchmark(run_dir, cache_dir, *extra: str, namespace: bool = False, env: dict | None = None):
    command = [sys.executable, "-m", "benchmarks.run", *JOB_ARGUMENTS, "--run-dir", str(run_dir)]
    command += ["--cache-dir", str(cache_dir), *extra]
    if namespace:
        command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command]
    environment = {**os.environ, "PYTHONPATH": ROOT, **(env or {})}
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _finish(process) -> str:
    # A guard against a hung run, not a speed check: the Ray run passed inside 600 s alone on two cores in every CI
    # run, and ran past it once with a two-thread benchmark beside it (2026-12-06), so the guard leaves room for load.
    output = process.communicate(timeout=1800)[0].decode()
    assert process.returncode == 0, output[-3000:]
    return output


def _points(run_dir) -> dict[str, dict]:
    paths = glob.glob(os.path.join(run_dir, "points", "micro", "seed0", "*.json"))
    points = {}
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            point = json.load(stream)
        # provenance, not results: the time taken, and the commit (a commit made while the test runs changes it)
        point.pop("seconds")
        point.pop("commit")
        points[os.path.basename(path)] = point
    return points


def test_shards_stripe_the_whole_list_before_dropping_finished_jobs(tmp_path):
    jobs = plan(MICRO, [0], ["knockoff", "jbda"], ["soft", "argmax"])
    # one job per defence setting, attack (one KnockoffNets source) and label mode, each id distinct
    assert len(jobs) == len({job.job_id for job in jobs}) == len(defence_points(MICRO)) * 2 * 2
    shards = [pending(jobs, str(tmp_path), (index, 3)) for index in range(3)]
    assert sorted(job.job_id for shard in shards for job in shard) == sorted(job.job_id for job in jobs)
    # Shard 1 finishes two of its jobs and shard 0 one of its own; a restarted shard 1 runs only the rest of its own.
    for job in shards[1][:2] + shards[0][:1]:
        os.makedirs(os.path.dirname(job.path(str(tmp_path))), exist_ok=True)
        open(job.path(str(tmp_path)), "w").close()
    assert pending(jobs, str(tmp_path), (1, 3)) == shards[1][2:]
    assert pending(jobs, str(tmp_path), (0, 3)) == shards[0][1:]
    with pytest.raises(ValueError, match="shard"):
        pending(jobs, str(tmp_path), (3, 3))


@pytest.mark.slow
def test_two_runs_sharing_an_empty_cache_train_each_model_once(tmp_path):
    cache = tmp_path / "cache"
    runs = [
        _benchmark(tmp_path / f"run{i}", cache, "--defences", "undefended,am", "--attacks", "knockoff") for i in (0, 1)
    ]
    outputs = [_finish(process) for process in runs]
    trained = sum(output.count("benchmarks.model_cache: trained") for output in outputs)
    # plain, oe, misinformation and the two detectors (sign and broad family): each once across both runs
    assert trained == 3 + 2
    assert _points(tmp_path / "run0") == _points(tmp_path / "run1")
    from art_am.training import load_checkpoint  # pylint: disable=import-outside-toplevel

    for path in glob.glob(str(cache / "micro-*.pt")):
        load_checkpoint(path)  # digests verified: nothing half-written or interleaved
    assert not glob.glob(str(cache / "*.tmp"))


def _namespace_available() -> str | None:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip (util-linux, iproute2) is not installed"
    probe = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True, check=False)
    if probe.returncode != 0:
        return f"cannot make a loopback-only network namespace: {probe.stderr.decode().strip()}"
    return None


def _ray_skip_reason() -> str | None:
    try:
        import ray  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        return "Ray is not installed (pip install -e '.[benchmarks]')"
    return _namespace_available()


@pytest.mark.slow
@pytest.mark.skipif(_ray_skip_reason() is not None, reason=str(_ray_skip_reason()))
def test_ray_executor_survives_a_killed_worker_equals_local_and_resumes(tmp_path):
    cache = tmp_path / "cache"
    ray_run, local_run = tmp_path / "ray", tmp_path / "local"
    killed = "knockoff_fashion_mnist-soft-am-0.9"
    ray_arguments = ["--executor", "ray", "--ray-num-cpus", "2"]
    output = _finish(_benchmark(ray_run, cache, *ray_arguments, namespace=True, env={FAULT_INJECTION_VARIABLE: killed}))
    marker = ray_run / "points" / "micro" / "seed0" / f"{killed}.json.killed"
    assert marker.exists()  # the worker running that job died ...
    ray_points = _points(ray_run)
    settings = len(defence_points(MICRO))  # soft labels (the default here), KnockoffNets and JBDA
    assert len(ray_points) == 2 * settings and f"{killed}.json" in ray_points  # ... and the retried task finished it
    # The same jobs in this process, one torch thread each as under Ray, give the same points.
    _finish(_benchmark(local_run, cache))
    assert _points(local_run) == ray_points
    # A second run recomputes nothing.
    modified = {path: os.path.getmtime(path) for path in glob.glob(str(ray_run / "points" / "micro" / "seed0" / "*"))}
    output = _finish(_benchmark(ray_run, cache, *ray_arguments, namespace=True))
    assert f"{2 * settings} jobs, 0 of them this shard's and unfinished" in output
    assert all(os.path.getmtime(path) == time for path, time in modified.items())


def test_a_damaged_cached_model_is_trained_again(tmp_path, caplog):
    from art_am.training import load_checkpoint  # pylint: disable=import-outside-toplevel
    from benchmarks.model_cache import get_models  # pylint: disable=import-outside-toplevel

    first = get_models(MICRO, 0, str(tmp_path), "data")
    path = sorted(glob.glob(str(tmp_path / "micro-plain-*.pt")))[0]
    with open(path, "r+b") as stream:
        stream.seek(os.path.getsize(path) // 2)
        byte = stream.read(1)
        stream.seek(-1, os.SEEK_CUR)
        stream.write(bytes([byte[0] ^ 0xFF]))
    with caplog.at_level("WARNING"):
        second = get_models(MICRO, 0, str(tmp_path), "data")
    assert "cannot be used" in caplog.text
    load_checkpoint(path)  # rewritten intact
    for kind in ("plain", "oe", "misinformation"):
        first_state, second_state = first[kind][0].state_dict(), second[kind][0].state_dict()
        assert all(
            (first_state[key] == second_state[key]).all() for key in first_state
        )  # retrained to the same weights


def test_a_model_with_the_same_training_is_shared_across_scenarios(tmp_path, caplog):
    import dataclasses  # pylint: disable=import-outside-toplevel

    from benchmarks.model_cache import get_models  # pylint: disable=import-outside-toplevel

    first = get_models(MICRO, 0, str(tmp_path), "data")
    # another scenario with other outliers: its plain defender trains on the same data with the same recipe
    other = dataclasses.replace(MICRO, name="micro-other", outlier_source="embedded:queries")
    with caplog.at_level("INFO"):
        second = get_models(other, 0, str(tmp_path), "data")
    plain_files = glob.glob(str(tmp_path / "*-plain-*.pt"))
    assert [os.path.basename(p).split("-plain-")[0] for p in plain_files] == ["micro"]  # trained once
    assert "loaded " + plain_files[0] in caplog.text
    state = second["plain"][0].state_dict()
    assert all((first["plain"][0].state_dict()[key] == value).all() for key, value in state.items())
    # the models that saw the outliers are trained again for the other scenario
    assert len(glob.glob(str(tmp_path / "micro-other-oe-*.pt"))) == 1
    assert len(glob.glob(str(tmp_path / "micro-other-misinformation-*.pt"))) == 1


def test_a_fine_tuned_oe_defender_starts_from_the_seeds_plain_one(tmp_path):
    """Reference: at a vanishing learning rate the fine-tuned OE defender keeps the plain defender's weights (a model
    trained from scratch would not); at the recipe's rate it moves away, and its key names the plain one's digest."""
    from benchmarks.model_cache import _digest, _key, get_models  # pylint: disable=import-outside-toplevel

    still = dataclasses.replace(
        MICRO, name="micro-ft", oe_fine_tuning=dataclasses.replace(MICRO.defender_recipe, lr=1e-12)
    )
    models = get_models(still, 0, str(tmp_path), "data", kinds=("oe",))
    assert set(models) == {"plain", "oe"}  # the plain defender is trained first, as the start
    plain, oe = models["plain"][0].state_dict(), models["oe"][0].state_dict()
    for name, value in plain.items():
        if value.is_floating_point() and "running" not in name:  # batch-norm statistics still follow the outliers
            torch.testing.assert_close(oe[name], value, atol=1e-6, rtol=0)
    scratch = get_models(MICRO, 0, str(tmp_path), "data", kinds=("oe",))["oe"][0].state_dict()
    assert any(not torch.allclose(scratch[name], value) for name, value in plain.items() if value.is_floating_point())
    assert _key(still, "oe", 0)["recipe"]["start"] == {"plain": _digest(_key(still, "plain", 0))}
    assert "start" not in _key(MICRO, "oe", 0)["recipe"]  # scenarios trained from scratch keep their digests
    moving = dataclasses.replace(still, oe_fine_tuning=MICRO.defender_recipe)
    assert _digest(_key(moving, "misinformation", 0)) != _digest(_key(still, "misinformation", 0))
    moved = get_models(moving, 0, str(tmp_path), "data", kinds=("oe",))["oe"][0].state_dict()
    assert any(not torch.allclose(moved[name], value) for name, value in plain.items() if value.is_floating_point())


def test_a_killed_driver_loses_no_point_and_a_restart_recomputes_none(tmp_path):
    import signal  # pylint: disable=import-outside-toplevel
    import time  # pylint: disable=import-outside-toplevel

    run_dir, cache = tmp_path / "run", tmp_path / "cache"
    folder = run_dir / "points" / "micro" / "seed0"
    process = _benchmark(run_dir, cache, "--attacks", "knockoff")
    deadline = time.time() + 300
    while len(glob.glob(str(folder / "*.json"))) < 2 and time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    finished = {path: os.path.getmtime(path) for path in glob.glob(str(folder / "*.json"))}
    settings = len(defence_points(MICRO))  # KnockoffNets with soft labels: one job per setting
    assert 2 <= len(finished) < settings
    for path in finished:
        with open(path, encoding="utf-8") as stream:
            json.load(stream)  # whole files only
    output = _finish(_benchmark(run_dir, cache, "--attacks", "knockoff"))
    assert f"{settings} jobs, {settings - len(finished)} of them this shard's and unfinished" in output
    assert len(glob.glob(str(folder / "*.json"))) == settings
    assert all(os.path.getmtime(path) == time_ for path, time_ in finished.items())


def test_a_stored_context_missing_a_setting_is_extended_with_it(tmp_path):
    """A stored context without a setting (the scenario gained a threshold, or an earlier run selected other settings)
    must not be read without it (KeyError) nor serve stale arrays: the missing arrays are computed, once, and added to
    the file; the arrays it held are kept as they were."""
    from types import SimpleNamespace  # pylint: disable=import-outside-toplevel

    import numpy as np  # pylint: disable=import-outside-toplevel

    from benchmarks.scenario_run import ScenarioRun  # pylint: disable=import-outside-toplevel

    run = SimpleNamespace(context=str(tmp_path))
    given = []

    def compute(stored):
        given.append(sorted(stored))
        return {key: np.full(2, float(len(key))) for key in ("served/a", "served/bb") if key not in stored}

    first = ScenarioRun._stored(run, "answers.npz", compute, {"served/a"})  # pylint: disable=protected-access
    assert given == [[]] and set(first) == {"served/a", "served/bb"}
    np.savez(tmp_path / "answers.npz", **{"served/a": np.zeros(2)})  # as a run that selected fewer settings left it
    again = ScenarioRun._stored(run, "answers.npz", compute, {"served/a"})  # pylint: disable=protected-access
    assert len(given) == 1 and np.array_equal(again["served/a"], np.zeros(2))  # loaded, not recomputed
    grown = ScenarioRun._stored(  # pylint: disable=protected-access
        run, "answers.npz", compute, {"served/a", "served/bb"}
    )
    assert given[1] == ["served/a"]  # told what the file holds, so it computes only the rest
    assert np.array_equal(grown["served/a"], np.zeros(2)) and np.array_equal(grown["served/bb"], np.full(2, 9.0))
    with np.load(tmp_path / "answers.npz") as stored:
        assert set(stored.files) == {"served/a", "served/bb"}
    ScenarioRun._stored(run, "answers.npz", compute, {"served/a", "served/bb"})  # pylint: disable=protected-access
    assert len(given) == 2


def test_the_prerequisite_task_gets_the_largest_live_node_and_restores_the_thread_count():
    from benchmarks import executors  # pylint: disable=import-outside-toplevel

    class _Cluster:  # ray's ``nodes()`` as it reports a dead large node, a live 4-CPU node and a CPU-less one
        @staticmethod
        def nodes():
            return [
                {"Alive": False, "Resources": {"CPU": 64.0}},
                {"Alive": True, "Resources": {"CPU": 4.0}},
                {"Alive": True, "Resources": {"GPU": 1.0}},
            ]

    assert executors._largest_node_cpus(_Cluster()) == 4  # pylint: disable=protected-access
    before = torch.get_num_threads()
    seen = executors._call_with_threads(  # pylint: disable=protected-access
        lambda offset: torch.get_num_threads() + offset, 1 if before > 1 else 2, 100
    )
    assert seen == 100 + (1 if before > 1 else 2) and torch.get_num_threads() == before


def test_an_argmax_clone_is_shared_only_when_it_would_repeat_the_undefended_one(tmp_path):
    undefended, dcp, am = DefencePoint("undefended"), DefencePoint("dcp", 1.0), DefencePoint("am", 0.5)
    rng = np.random.default_rng(0)
    truth = rng.dirichlet(np.ones(10), size=50)
    # DCP-like: every answer changed, every top-1 class kept; AM-like: the same answers behind the OE model
    kept = 0.5 * truth + 0.5 * np.eye(10)[truth.argmax(1)]
    served = {undefended: truth, dcp: kept, am: kept}
    job = Job("micro", 0, "knockoff:fashion_mnist", "argmax", dcp)
    twin = Job("micro", 0, "knockoff:fashion_mnist", "argmax", undefended)
    assert argmax_twin(job, served, str(tmp_path)) is None  # the undefended clone has not run
    os.makedirs(os.path.dirname(twin.path(str(tmp_path))))
    point = {"clone_accuracy": 0.4, "clone_accuracy_validation": 0.3, "clone_fidelity": 0.5, "queries": 50}
    json.dump(point | {"seconds": 9.0}, open(twin.path(str(tmp_path)), "w"))
    assert argmax_twin(job, served, str(tmp_path)) == twin
    assert shared_clone(twin, str(tmp_path)) == point | {"clone_shared_with": twin.job_id}
    for other in (
        dataclasses.replace(job, labels="soft"),  # soft labels train on the changed answers
        dataclasses.replace(job, attack="knockoff-adaptive:fashion_mnist"),  # its policy reads the answers
        dataclasses.replace(job, point=am),  # its fidelity is measured against another model
    ):
        assert argmax_twin(other, served, str(tmp_path)) is None
    flipped = kept.copy()
    flipped[7] = np.roll(flipped[7], 1)  # one query's top-1 class changes
    assert argmax_twin(job, served | {dcp: flipped}, str(tmp_path)) is None


def test_the_decoding_attacker_reads_the_clone_its_knockoff_job_trained(tmp_path):
    """Reference: the decoding attacker run alone (it trains its own clone from the same seed). Run beside plain
    KnockoffNets it loads the clone that job stored instead, and its points are the same to the last digit; argmax
    labels on a setting that keeps every top-1 class store no clone of their own."""
    from benchmarks.options import RunOptions  # pylint: disable=import-outside-toplevel
    from benchmarks.run import run  # pylint: disable=import-outside-toplevel

    settings = dict(preset="micro", cache_dir=str(tmp_path / "cache"), defences="undefended,am,dcp", progress=False)
    settings |= dict(skip_overhead=True, labels="soft,argmax")
    assert run(RunOptions(run_dir=str(tmp_path / "both"), attacks="knockoff,knockoff-decoded", **settings)) == 0
    assert run(RunOptions(run_dir=str(tmp_path / "alone"), attacks="knockoff-decoded", **settings)) == 0
    stored = sorted(
        os.path.basename(p) for p in glob.glob(str(tmp_path / "both" / "context" / "*" / "*" / "clones" / "*.pt"))
    )
    assert stored == sorted(f"fashion_mnist-{labels}-{key}.pt" for labels, key in (
        ("soft", "undefended"), ("soft", "am-0.9"), ("soft", "dcp-1"), ("argmax", "undefended"), ("argmax", "am-0.9"))
    )  # fmt: skip
    for path in glob.glob(str(tmp_path / "alone" / "points" / "micro" / "seed0" / "knockoff-decoded*.json")):
        with open(path, encoding="utf-8") as stream:
            alone = json.load(stream)
        with open(path.replace(os.sep + "alone" + os.sep, os.sep + "both" + os.sep), encoding="utf-8") as stream:
            both = json.load(stream)
        for field in ("clone_accuracy", "clone_accuracy_validation", "clone_fidelity", "queries"):
            assert both[field] == alone[field], (path, field)
    assert len(glob.glob(str(tmp_path / "alone" / "points" / "micro" / "seed0" / "knockoff-decoded*.json"))) == 6


def test_a_run_serves_only_the_settings_it_selects_and_a_later_run_adds_its_own(tmp_path):
    """``--defences`` limits the answers served to a query set to those settings and the two true models (serving
    every setting costs minutes per set at CIFAR scale); a later run selecting another setting adds its answers to the
    stored file. The arrays equal those of a prerequisite step that served every setting at once."""
    from benchmarks import run as run_module  # pylint: disable=import-outside-toplevel
    from benchmarks.options import RunOptions  # pylint: disable=import-outside-toplevel
    from benchmarks.scenario_run import prepare_models  # pylint: disable=import-outside-toplevel

    common = ["--preset", "micro", "--cache-dir", str(tmp_path / "cache"), "--skip-overhead", "--no-progress"]
    common += ["--attacks", "knockoff", "--labels", "soft", "--sources", "fashion_mnist"]
    common += ["--run-dir", str(tmp_path / "some")]
    answers = tmp_path / "some" / "context" / "micro" / "seed0" / "answers-fashion_mnist.npz"
    statistics = tmp_path / "some" / "points" / "micro" / "seed0" / "queries-fashion_mnist.npz"

    def served(path, prefix="served/"):
        with np.load(path) as stored:
            return {key[len(prefix) :]: stored[key] for key in stored.files if key.startswith(prefix)}

    assert run_module.main(common + ["--defences", "am-0.9"]) == 0
    assert set(served(answers)) == {"undefended", "oe_only", "am-0.9"}
    assert run_module.main(common + ["--defences", "pp_extreme-0.5"]) == 0
    some = served(answers)
    assert set(some) == {"undefended", "oe_only", "am-0.9", "pp_extreme-0.5"}
    assert set(served(statistics, "hellinger/")) == set(some)
    with np.load(answers) as stored:
        assert "switch/am" in stored.files  # AM's switch score, kept when PP's answers were added
    prepare_models(
        RunOptions(preset="micro", cache_dir=str(tmp_path / "cache"), run_dir=str(tmp_path / "all")).resolved(),
        "micro",
        0,
    )
    every = served(tmp_path / "all" / "context" / "micro" / "seed0" / "answers-fashion_mnist.npz")
    assert len(every) == len(defence_points(MICRO))
    for key, value in some.items():
        np.testing.assert_array_equal(value, every[key], err_msg=key)


def test_a_run_without_knockoffnets_attacks_serves_no_query_set(tmp_path):
    """The served answers of a query set are read by the KnockoffNets family only (JBDA and the truth filters ask the
    live defence), so a run of those alone must not spend minutes serving them; a later KnockoffNets run does, and its
    points equal those of a run that prepared the answers first."""
    from benchmarks import run as run_module  # pylint: disable=import-outside-toplevel

    common = ["--preset", "micro", "--cache-dir", str(tmp_path / "cache"), "--skip-overhead", "--no-progress"]
    common += ["--labels", "soft", "--sources", "fashion_mnist", "--defences", "am-0.9"]
    context = tmp_path / "later" / "context" / "micro" / "seed0"
    assert run_module.main(common + ["--run-dir", str(tmp_path / "later"), "--attacks", "jbda,confident"]) == 0
    points = sorted(os.listdir(tmp_path / "later" / "points" / "micro" / "seed0"))
    assert points == ["confident_fashion_mnist-soft-am-0.9.json", "jbda-soft-am-0.9.json"]
    assert not glob.glob(str(context / "answers-*.npz"))
    assert run_module.main(common + ["--run-dir", str(tmp_path / "later"), "--attacks", "knockoff"]) == 0
    assert [os.path.basename(p) for p in glob.glob(str(context / "answers-*.npz"))] == ["answers-fashion_mnist.npz"]
    assert run_module.main(common + ["--run-dir", str(tmp_path / "first"), "--attacks", "knockoff"]) == 0
    records = []
    for folder in ("later", "first"):
        point = tmp_path / folder / "points" / "micro" / "seed0" / "knockoff_fashion_mnist-soft-am-0.9.json"
        with open(point, encoding="utf-8") as stream:
            records.append(json.load(stream))
    for field in ("clone_accuracy", "clone_accuracy_validation", "clone_fidelity", "queries"):
        assert records[0][field] == records[1][field], field
