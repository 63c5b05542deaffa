"""
The benchmark's one entry point:

    python -m benchmarks run --preset quick                          # run (resumable), then report
    python -m benchmarks report --preset quick --run-dir runs/quick  # rebuild a run's report from its points
    python -m benchmarks publish --run-dir results/quick --name quick
    python -m benchmarks results [--check]                           # docs/results.md from every run in results/

The module paths (``python -m benchmarks.run``, ``benchmarks.publish``, ``benchmarks.results_page``) keep working.
"""

from __future__ import annotations

import sys

COMMANDS = ("run", "report", "publish", "results")


def main(argv: list[str] | None = None) -> int:
    """
    :return: The exit status of the command (2 for an unknown one).
    """
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        given = argv[0] if argv else ""
        print(f"benchmarks: error: command {given!r} is not valid; choose from: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    # pylint: disable=import-outside-toplevel
    if command in ("run", "report"):
        from benchmarks import run

        return run.main(rest + (["--report-only"] if command == "report" else []))
    if command == "publish":
        from benchmarks import publish

        return publish.main(rest)
    from benchmarks import results_page

    return results_page.main(rest)


if __name__ == "__main__":
    sys.exit(main())
