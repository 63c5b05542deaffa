"""
The one rule for the files a benchmark run reads back (points, ``RUN.json``, overhead tables): each is read through
:func:`read_json_file`, and a point through :func:`check_point`, so that a truncated, empty, non-UTF-8 or malformed file
fails with a :class:`RunFileError` naming the file and what is wrong with it, never a bare ``JSONDecodeError`` or
``KeyError``, and never a published number (a string seed or a NaN accuracy is refused, not rendered).
"""

from __future__ import annotations

import glob
import json
import math
import os
from typing import Any

# What every point holds, and the type each must have.
POINT_KEYS = {
    "scenario": str,
    "seed": int,
    "attack": str,
    "labels": str,
    "defence": str,
    "defender_accuracy": float,
    "clone_accuracy": float,
}
# Accuracies: fractions in [0, 1] wherever they appear.
ACCURACY_KEYS = (
    "defender_accuracy",
    "defender_accuracy_validation",
    "clone_accuracy",
    "clone_accuracy_validation",
    "clone_fidelity",
)


# What every RUN.json describes: how the run was made, on what, with which seeds.
RUN_KEYS = ("commands", "commit", "device", "python", "seeds", "versions")


class RunFileError(ValueError):
    """A file of a benchmark run that cannot be used; the message names it."""


def read_json_file(path: str, what: str) -> dict:
    """
    :param path: The file.
    :param what: What it should be, for the message (``"a point"``, ``"RUN.json"``).
    :return: Its JSON object.
    :raises RunFileError: If it cannot be read, is not UTF-8, not JSON or not a JSON object.
    """
    try:
        with open(path, "rb") as stream:
            content = stream.read()
        value = json.loads(content.decode("utf-8"))
    except OSError as error:
        raise RunFileError(f"{path}: cannot read {what}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise RunFileError(f"{path}: {what} is not UTF-8 text ({error.reason} at byte {error.start})") from error
    except json.JSONDecodeError as error:
        reason = "it is empty" if not content.strip() else f"{error.msg} at line {error.lineno} column {error.colno}"
        raise RunFileError(f"{path}: {what} is not valid JSON ({reason}; a truncated write?)") from error
    if not isinstance(value, dict):
        raise RunFileError(f"{path}: {what} must be a JSON object, got a JSON {type(value).__name__}")
    return value


def check_point(point: dict, path: str, known_defences: Any = None) -> dict:
    """
    :param point: A point read by :func:`read_json_file`.
    :param path: Its file, for messages.
    :param known_defences: The defence names a point may carry (None: not checked).
    :return: ``point``.
    :raises RunFileError: If a key is missing or has the wrong type, a seed is negative, an accuracy is not a finite
                          fraction, or the defence is unknown.
    """
    for key, kind in POINT_KEYS.items():
        if key not in point:
            raise RunFileError(f"{path}: the point lacks '{key}' (a point holds {', '.join(POINT_KEYS)})")
        value = point[key]
        ok = (
            isinstance(value, (int, float)) and not isinstance(value, bool)
            if kind is float
            else isinstance(value, kind)
        )
        if kind is int and isinstance(value, bool):
            ok = False
        if not ok:
            raise RunFileError(f"{path}: '{key}' must be {kind.__name__}, got {value!r}")
    if point["seed"] < 0:
        raise RunFileError(f"{path}: 'seed' must be >= 0, got {point['seed']}")
    for key in ACCURACY_KEYS:
        value = point.get(key)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0 <= value <= 1
        ):
            raise RunFileError(f"{path}: '{key}' must be a fraction in [0, 1], got {value!r}")
    if known_defences is not None and point["defence"] not in known_defences:
        raise RunFileError(f"{path}: unknown defence {point['defence']!r}; known: {', '.join(sorted(known_defences))}")
    return point


def read_run_description(path: str) -> dict:
    """
    :return: The ``RUN.json`` at ``path``.
    :raises RunFileError: If it is damaged or lacks one of :data:`RUN_KEYS`.
    """
    description = read_json_file(path, "RUN.json")
    missing = [key for key in RUN_KEYS if key not in description]
    if missing:
        raise RunFileError(f"{path}: RUN.json lacks {missing} (it describes a run by {', '.join(RUN_KEYS)})")
    return description


def load_points(run_dir: str, known_defences: Any = None) -> list[dict]:
    """
    :param run_dir: A run folder.
    :param known_defences: See :func:`check_point`.
    :return: Every saved point of the run, each checked.
    :raises RunFileError: If the folder does not exist or a point is damaged.
    """
    if not os.path.isdir(run_dir):
        raise RunFileError(f"{run_dir}: no such run folder")
    paths = sorted(glob.glob(os.path.join(glob.escape(run_dir), "points", "*", "seed*", "*.json")))
    return [check_point(read_json_file(path, "a point"), path, known_defences) for path in paths]


def load_json_files(pattern: str, what: str) -> list[dict]:
    """
    :return: Every file matching ``pattern`` (sorted), read with :func:`read_json_file`.
    """
    return [read_json_file(path, what) for path in sorted(glob.glob(pattern))]
