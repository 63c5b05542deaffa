"""
Command-line pieces shared by the benchmark scripts: choosing a preset's scenario, where data and models live, and
writing a JSON result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from art_am.atomic import write_text_atomic
from benchmarks.presets import PRESETS
from benchmarks.scenarios import Scenario


def scenario_parser(
    description: str | None, scenario: str | None = None, output: bool = True
) -> argparse.ArgumentParser:
    """
    The one parser builder of the benchmark entry points, so that every flag has one name and one default.

    :param description: The script's docstring.
    :param scenario: Default scenario name (None: every scenario of the preset).
    :param output: Whether the script writes one JSON result (``--output``).
    :return: A parser with ``--preset``, ``--scenario``, ``--data-root``, ``--cache-dir``, ``--device`` (and
             ``--output``).
    """
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    parser.add_argument("--scenario", default=scenario, help="a scenario of the preset (default: %(default)s)")
    parser.add_argument("--data-root", default="data", help="folder of real datasets (not needed for quick)")
    parser.add_argument("--cache-dir", default="runs/cache", help="folder of trained-model checkpoints")
    parser.add_argument("--device", default="cpu", help="torch device of training and inference, e.g. cuda")
    if output:
        parser.add_argument("--output", default=None, help="JSON file to write the result to")
    return parser


def add_run_arguments(parser: argparse.ArgumentParser, run_dir: str | None) -> None:
    """
    The flags of entry points that run resumable jobs: ``--run-dir``, ``--shard`` and ``--report-only``.

    :param parser: A parser from :func:`scenario_parser`.
    :param run_dir: Default output folder (None: the entry point derives one).
    """
    parser.add_argument("--run-dir", default=run_dir, help="output folder of points and report")
    parser.add_argument("--shard", default="0/1", help="K/N: run every N-th job from the K-th (parallel processes)")
    parser.add_argument("--report-only", action="store_true", help="only rebuild the report from saved points")


def selected_scenarios(args: argparse.Namespace) -> list[Scenario]:
    """
    The scenarios of a study's ``--preset`` / ``--scenario``, with the flags every entry point shares checked before
    any work (the command-line rule: one line naming the flag, the value and the choices, exit status 2).

    :return: The preset's scenarios, or only the one named by ``--scenario``.
    :raises SystemExit: With status 2 for an unknown scenario, a device torch cannot use here, a missing data folder
                        (where a scenario reads real data) or a cache or output path that is not what it should be.
    """
    scenarios = [s for s in PRESETS[args.preset] if args.scenario in (None, s.name)]
    try:
        if not scenarios:
            valid = ", ".join(s.name for s in PRESETS[args.preset])
            raise UsageError("--scenario", args.scenario, f"choose from: {valid}")
        needs_data = any(not s.train_source.startswith("embedded:") for s in scenarios)
        check_folder_flag("--data-root", args.data_root, must_exist=needs_data)
        check_folder_flag("--cache-dir", args.cache_dir)
        check_device("--device", args.device)
        output = getattr(args, "output", None)
        if output and os.path.isdir(output):
            raise UsageError("--output", output, "it is a folder; give a file path")
    except UsageError as error:
        raise SystemExit(fail(os.path.basename(sys.argv[0]) or "benchmarks", error)) from error
    return scenarios


def write_output(path: str | None, result: object) -> None:
    """
    Print ``result`` as JSON and, if ``path`` is given, write it there too.
    """
    text = json.dumps(result, indent=1)
    print(text)
    if path:
        write_text_atomic(path, text)


def parse_shard(text: str) -> tuple[int, int]:
    """
    :param text: ``K/N``.
    :return: ``(K, N)``.
    :raises ValueError: Unless ``0 <= K < N``.
    """
    index, _, count = text.partition("/")
    try:
        shard = (int(index), int(count))
    except ValueError as error:
        raise ValueError(f"--shard must be K/N with 0 <= K < N, got {text!r}") from error
    if not 0 <= shard[0] < shard[1]:
        raise ValueError(f"--shard must be K/N with 0 <= K < N, got {text!r}")
    return shard


def parse_seed_list(text: str) -> list[int]:
    """
    :param text: Comma-separated seeds, e.g. ``1,2``.
    :return: The seeds, sorted, each once.
    :raises ValueError: Unless every entry is an integer >= 0.
    """
    try:
        seeds = sorted({int(entry) for entry in text.split(",")})
    except ValueError as error:
        raise ValueError(f"--seed-list must be comma-separated integers >= 0, e.g. 1,2, got {text!r}") from error
    if seeds[0] < 0:
        raise ValueError(f"--seed-list must be comma-separated integers >= 0, e.g. 1,2, got {text!r}")
    return seeds


class UsageError(ValueError):
    """A command-line value that cannot be used: the flag, the value and what would be valid, in one line."""

    def __init__(self, flag: str, value: object, valid: str) -> None:
        super().__init__(f"{flag}: {value!r} is not valid; {valid}")


def fail(prog: str, error: Exception) -> int:
    """
    Print ``error`` as the one line an entry point gives on bad input.

    :return: 2, the exit status of a usage error.
    """
    print(f"{prog}: error: {error}", file=sys.stderr)
    return 2


def check_choices(flag: str, text: str, valid: list[str] | tuple[str, ...]) -> list[str]:
    """
    :param flag: The flag, e.g. ``--attacks``.
    :param text: Its comma-separated value.
    :param valid: The allowed entries.
    :return: The entries.
    :raises UsageError: If the value is empty or an entry is not allowed (the whole selection is refused, not the valid
                        part run).
    """
    entries = [entry.strip() for entry in text.split(",")]
    unknown = [entry for entry in entries if entry not in valid]
    if not text.strip() or unknown:
        shown = ", ".join(valid) if len(valid) <= 30 else ", ".join(list(valid)[:30]) + f", ... ({len(valid)} in all)"
        raise UsageError(flag, text if not unknown else ",".join(unknown), f"choose from: {shown}")
    return entries


def check_folder_flag(flag: str, path: str, must_exist: bool = False) -> None:
    """
    :raises UsageError: If ``path`` is a file (or, with ``must_exist``, not an existing folder).
    """
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(flag, path, "it is a file; give a folder")
    if must_exist and not os.path.isdir(path):
        raise UsageError(flag, path, "no such folder")


def check_device(flag: str, device: str) -> None:
    """
    :raises UsageError: If torch cannot parse the device or it is not available here.
    """
    import torch  # pylint: disable=import-outside-toplevel

    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError) as error:
        raise UsageError(flag, device, "give a torch device such as cpu, cuda or cuda:0") from error
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(flag, device, "CUDA is not available on this machine; use cpu")
    if parsed.type not in ("cpu", "cuda", "mps", "xpu"):
        raise UsageError(flag, device, "give cpu, cuda[:N], mps or xpu")
