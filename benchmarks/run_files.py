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

from art_am.atomic import write_json_atomic

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
    return _check_record(point, path, "point", POINT_KEYS, known_defences)


def _check_record(record: dict, path: str, what: str, kinds: dict[str, type], known_defences: Any) -> dict:
    """
    :param what: What the record is, for messages (``"point"``, ``"setting"``).
    :param kinds: The keys it must hold and the type of each.
    :return: ``record``, checked as :func:`check_point` says.
    """
    for key, kind in kinds.items():
        if key not in record:
            raise RunFileError(f"{path}: the {what} lacks '{key}' (a {what} holds {', '.join(kinds)})")
        value = record[key]
        ok = (
            isinstance(value, (int, float)) and not isinstance(value, bool)
            if kind is float
            else isinstance(value, kind)
        )
        if kind is int and isinstance(value, bool):
            ok = False
        if not ok:
            raise RunFileError(f"{path}: '{key}' must be {kind.__name__}, got {value!r}")
    if record.get("seed", 0) < 0:
        raise RunFileError(f"{path}: 'seed' must be >= 0, got {record['seed']}")
    for key in ACCURACY_KEYS:
        value = record.get(key)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0 <= value <= 1
        ):
            raise RunFileError(f"{path}: '{key}' must be a fraction in [0, 1], got {value!r}")
    if known_defences is not None and record["defence"] not in known_defences:
        raise RunFileError(f"{path}: unknown defence {record['defence']!r}; known: {', '.join(sorted(known_defences))}")
    parameter = record.get("parameter")
    if parameter is not None and (
        isinstance(parameter, bool) or not isinstance(parameter, (int, float)) or not math.isfinite(parameter)
    ):
        raise RunFileError(f"{path}: 'parameter' must be a finite number or null, got {parameter!r}")
    return record


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


# Every swept setting's defender accuracies of one (scenario, seed), beside its points: the settings an operating point
# is chosen from, also those at which no clone trained (a run on two CPU cores trains clones at the chosen ones only,
# and without this file a larger budget would silently fall back to them). Not under ``seed*/``: it is not a point.
SWEEP_FOLDER = "defender-sweep"
SWEEP_KEYS = {"defence": str, "defender_accuracy": float, "defender_accuracy_validation": float}


def sweep_path(run_dir: str, scenario: str, seed: int) -> str:
    """
    :return: The sweep file of a (scenario, seed) in a run folder.
    """
    return os.path.join(run_dir, "points", scenario, SWEEP_FOLDER, f"seed{seed}.json")


def write_sweep(run_dir: str, scenario: str, seed: int, settings: list[dict]) -> None:
    """
    Store a (scenario, seed)'s sweep (atomically), unless the same one is stored: every process of the seed calls it.

    :param settings: One ``{"defence", "parameter", "defender_accuracy", "defender_accuracy_validation"}`` per setting.
    """
    path = sweep_path(run_dir, scenario, seed)
    content = {"scenario": scenario, "seed": seed, "settings": settings}
    if os.path.isfile(path):
        try:
            if read_json_file(path, "a sweep") == content:
                return
        except RunFileError:
            pass  # a damaged one is replaced
    write_json_atomic(path, content)


def check_sweep(sweep: dict, path: str, known_defences: Any = None) -> list[dict]:
    """
    :param sweep: A sweep file read by :func:`read_json_file`: ``{"scenario", "seed", "settings": [...]}``.
    :param path: Its file, for messages.
    :param known_defences: See :func:`check_point`.
    :return: Its settings, each with the sweep's scenario and seed added (the fields a point has for them).
    :raises RunFileError: If a key is missing or has the wrong type, or an accuracy is not a finite fraction.
    """
    settings = sweep.get("settings")
    if not isinstance(settings, list) or not settings:
        raise RunFileError(f"{path}: a sweep holds a non-empty list 'settings', got {settings!r}")
    scenario, seed = sweep.get("scenario"), sweep.get("seed")
    _check_record({"scenario": scenario, "seed": seed}, path, "sweep", {"scenario": str, "seed": int}, None)
    entries = []
    for index, setting in enumerate(settings):
        if not isinstance(setting, dict):
            raise RunFileError(f"{path}: settings[{index}] must be an object, got {setting!r}")
        _check_record(setting, f"{path}: settings[{index}]", "setting", SWEEP_KEYS, known_defences)
        entries.append(
            {
                "scenario": scenario,
                "seed": seed,
                "parameter": setting.get("parameter"),
                **{key: setting[key] for key in SWEEP_KEYS},
            }
        )
    return entries


def load_sweeps(run_dir: str, known_defences: Any = None) -> dict[tuple[str, int], list[dict]]:
    """
    :return: ``{(scenario, seed): settings}`` of every sweep file of the run (:func:`check_sweep`); empty for a run
             whose clones cover its sweeps (it wrote none).
    :raises RunFileError: If a sweep file is damaged.
    """
    pattern = os.path.join(glob.escape(run_dir), "points", "*", SWEEP_FOLDER, "seed*.json")
    sweeps = {}
    for path in sorted(glob.glob(pattern)):
        settings = check_sweep(read_json_file(path, "a sweep"), path, known_defences)
        sweeps[(settings[0]["scenario"], settings[0]["seed"])] = settings
    return sweeps


# The ``kind`` of a file of benchmarks.studies.fine_tuned_reference, checked before one is read.
FINE_TUNED_REFERENCE_KIND = "fine-tuned plain defender (no outliers)"


def read_fine_tuned_reference(path: str) -> dict:
    """
    :param path: A file of :mod:`benchmarks.studies.fine_tuned_reference`.
    :return: Its content: ``{"kind", "scenario", "recipe", "seeds": {"<k>": {"plain": {"validation", "test"},
             "fine_tuned": {...}, ...}}}``.
    :raises RunFileError: If it is not such a file, or a seed's accuracies are not fractions.
    """
    content = read_json_file(path, "a fine-tuned reference")
    if content.get("kind") != FINE_TUNED_REFERENCE_KIND or not isinstance(content.get("scenario"), str):
        raise RunFileError(
            f"{path}: not a fine-tuned reference file (expected kind '{FINE_TUNED_REFERENCE_KIND}' and a scenario)"
        )
    seeds = content.get("seeds")
    if not isinstance(seeds, dict):
        raise RunFileError(f"{path}: 'seeds' must be an object of per-seed entries, got {seeds!r}")
    for seed, entry in seeds.items():
        if not seed.isdigit() or not isinstance(entry, dict):
            raise RunFileError(f"{path}: seed entry {seed!r} must be a non-negative integer's entry object")
        for model in ("plain", "fine_tuned"):
            accuracies = entry.get(model)
            if not isinstance(accuracies, dict) or "validation" not in accuracies:
                raise RunFileError(f"{path}: seed {seed} lacks the {model} defender's validation accuracy")
            for part, value in accuracies.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                    raise RunFileError(
                        f"{path}: seed {seed}'s {model} {part} accuracy must be a fraction in [0, 1], got {value!r}"
                    )
    return content


def load_json_files(pattern: str, what: str) -> list[dict]:
    """
    :return: Every file matching ``pattern`` (sorted), read with :func:`read_json_file`.
    """
    return [read_json_file(path, what) for path in sorted(glob.glob(pattern))]
