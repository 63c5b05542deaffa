# MIT License
#
# Copyright (C) The Adversarial Robustness Toolbox (ART) Authors 2026
#
# Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
# documentation files (the "Software"), to deal in the Software without restriction, including without limitation the
# rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit
# persons to whom the Software is furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in all copies or substantial portions of the
# Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
# WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
# AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
# TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
# SOFTWARE.
"""
Where a benchmark point came from: the commit, the machine and the library versions, recorded with every point so that
a committed point is read without the run's log.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import platform
import shlex
import subprocess
from importlib import metadata

from art_am.atomic import write_json_atomic

PACKAGES = ("torch", "torchvision", "adversarial-robustness-toolbox", "numpy", "scikit-learn")


@functools.lru_cache(maxsize=4)
def provenance(device: str) -> dict:
    """
    :param device: The torch device the point was computed on.
    :return: ``commit`` (:data:`COMMIT`), ``device`` (the torch device, with the GPU's name or the CPU count),
             ``python`` and ``versions`` of the main packages.
    """
    return {
        "commit": COMMIT,
        "device": _device(device),
        "python": platform.python_version(),
        "versions": _versions(),
    }


def _commit() -> str:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return head + ("+dirty" if changes else "")


def _device(device: str) -> str:
    if device.startswith("cuda"):
        import torch  # pylint: disable=import-outside-toplevel

        return f"{device} ({torch.cuda.get_device_name(torch.device(device))})"
    return f"{device} ({os.cpu_count()} logical CPUs)"


def _versions() -> dict[str, str]:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


# The commit of the code this process runs: read when the benchmark is imported, not when a point is saved (a long run
# keeps the code it imported while the checkout moves on). "+dirty" where the working tree had uncommitted changes.
COMMIT = _commit()


# What the engine shares across seeds (benchmarks.model_cache keys every model by its seed; PP's surrogate and the
# clones are seeded by the job's seed): said once here so that every RUN.json says the same.
SHARED_ACROSS_SEEDS = (
    "nothing but the data (and a scenario's pretrained backbone, where it has one, as public weights are): every "
    "model (plain, OE, misinformation, the sign-step detectors, PP's surrogate, every clone) is retrained per seed"
)


def record_run(
    run_dir: str,
    argv: list[str],
    device: str,
    seeds: list[int],
    scenarios: list[str],
    query_sources: dict[str, dict[str, str]] | None = None,
) -> dict:
    """
    Write or extend the run's ``RUN.json``: the first call writes the command, commit (with ``+dirty`` for uncommitted
    changes), device, Python and package versions, seeds, scenarios and what is shared across seeds; a later call on
    the same folder (a resumed or extended run) adds its command, seeds and scenarios and keeps everything else, notes
    typed by hand included. The results page and ``publish`` read it.

    :param run_dir: The run folder.
    :param argv: The command's arguments after ``python -m benchmarks.run``.
    :param device: The run's torch device.
    :param seeds: The seeds this command runs.
    :param scenarios: The scenarios this command runs.
    :param query_sources: Query sets the command added (``--query-source``), with what each name stands for
                          (:func:`benchmarks.query_sources.fingerprints`): kept under ``query_sources``.
    :return: The description written.
    """
    path = os.path.join(run_dir, "RUN.json")
    command = shlex.join(["python", "-m", "benchmarks.run", *argv])
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as stream:
            description = json.load(stream)
    else:
        description = {
            **provenance(device),
            "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
            "commands": [],
            "seeds": [],
            "scenarios": [],
            "shared_across_seeds": SHARED_ACROSS_SEEDS,
        }
    if command not in description.setdefault("commands", []):
        description["commands"].append(command)
    description["seeds"] = sorted(set(description.get("seeds", [])) | set(seeds))
    description["scenarios"] = sorted(set(description.get("scenarios", [])) | set(scenarios))
    if query_sources:
        description["query_sources"] = description.get("query_sources", {}) | query_sources
    write_json_atomic(path, description)
    return description
