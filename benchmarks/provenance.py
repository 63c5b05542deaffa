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

import functools
import os
import platform
import subprocess
from importlib import metadata

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
