"""The engine writes RUN.json itself, and a resumed or extended run adds to it without losing what is there."""

import json
import subprocess

from benchmarks.provenance import COMMIT, PACKAGES, SHARED_ACROSS_SEEDS, record_run
from benchmarks.run_files import RUN_KEYS, read_run_description
from tests.helpers import ROOT


def test_a_first_command_writes_every_field_the_pages_read(tmp_path):
    record_run(str(tmp_path), ["--preset", "micro", "--seeds", "2"], "cpu", [0, 1], ["micro"])
    description = read_run_description(str(tmp_path / "RUN.json"))  # raises if a key the pages read is missing
    assert set(RUN_KEYS) <= set(description)
    assert description["commands"] == ["python -m benchmarks.run --preset micro --seeds 2"]
    assert description["seeds"] == [0, 1] and description["scenarios"] == ["micro"]
    assert description["shared_across_seeds"] == SHARED_ACROSS_SEEDS
    assert set(description["versions"]) == set(PACKAGES)
    # the commit the process imported its code from (commits made while it runs do not change it)
    assert description["commit"] == COMMIT and description["commit"].split("+")[0] in _commits_of_head()


def _commits_of_head() -> str:
    """The short hashes of HEAD's history (or COMMIT's placeholder outside a git checkout)."""
    log = subprocess.run(
        ["git", "log", "--format=%h", "--abbrev=12", "-n", "50"], cwd=ROOT, capture_output=True, text=True
    )
    return log.stdout if log.returncode == 0 else COMMIT


def test_a_later_command_adds_its_command_and_seeds_and_keeps_notes(tmp_path):
    record_run(str(tmp_path), ["--preset", "micro"], "cpu", [0], ["micro"])
    path = tmp_path / "RUN.json"
    description = json.loads(path.read_text())
    description["note"] = "typed by hand"
    path.write_text(json.dumps(description))
    record_run(str(tmp_path), ["--preset", "micro", "--seed-list", "2", "--attacks", "jbda"], "cpu", [2], ["micro"])
    record_run(str(tmp_path), ["--preset", "micro"], "cpu", [0], ["micro"])  # the same command again: not repeated
    again = json.loads(path.read_text())
    assert again["note"] == "typed by hand" and again["started"] == description["started"]
    assert again["commands"] == [
        "python -m benchmarks.run --preset micro",
        "python -m benchmarks.run --preset micro --seed-list 2 --attacks jbda",
    ]
    assert again["seeds"] == [0, 2]
