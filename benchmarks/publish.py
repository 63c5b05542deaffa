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
Publish a benchmark run's report into ``docs/``: the report is rebuilt from the run's saved points alone, its summary
becomes ``docs/benchmark_<name>.md`` and its figures ``docs/figures/<name>-*.png``. Runs meant for the documentation
keep their raw points in the repository under ``results/<name>/`` (with ``RUN.json``: command, commit, device,
versions), so that every published table can be rebuilt and checked (``tests/benchmarks/test_published_results.py``).

    python -m benchmarks.publish --run-dir results/quick --name quick
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import sys

from art_am.atomic import write_text_atomic
from benchmarks.cli import UsageError, fail
from benchmarks.report import write_report
from benchmarks.run import load_points_or_refuse
from benchmarks.run_files import RunFileError

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")


def main(argv: list[str] | None = None) -> int:
    """
    :return: The exit status: 0, or 2 when the run folder is missing, holds no points or a damaged file (one line on
             stderr; the published page is left as it is).
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", required=True, help="the run folder, e.g. results/quick")
    parser.add_argument("--name", required=True, help="the page name: docs/benchmark_<name>.md")
    args = parser.parse_args(argv)
    if not args.name or os.sep in args.name or args.name.startswith("."):
        return fail("benchmarks.publish", UsageError("--name", args.name, "give a plain page name such as quick"))
    try:
        load_points_or_refuse(args.run_dir)  # before anything is written: a report of nothing would replace the page
        summary = write_report(args.run_dir)
    except RunFileError as error:
        return fail("benchmarks.publish", error)
    write_text_atomic(os.path.join(DOCS, f"benchmark_{args.name}.md"), summary)
    for figure in sorted(glob.glob(os.path.join(glob.escape(args.run_dir), "figures", "*.png"))):
        shutil.copyfile(figure, os.path.join(DOCS, "figures", f"{args.name}-{os.path.basename(figure)}"))
    print(f"published {args.run_dir} as docs/benchmark_{args.name}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
