"""
The benchmark tables in ``docs/`` are the report's output on the raw points committed under ``results/``.
"""

from __future__ import annotations

import os
import shutil

import pytest

from benchmarks.publish import DOCS
from benchmarks.report import write_report

ROOT = os.path.dirname(DOCS)
# every committed run (a folder of results/ with a RUN.json) is published as docs/benchmark_<name>.md
RUNS = sorted(
    name
    for name in os.listdir(os.path.join(ROOT, "results"))
    if os.path.isfile(os.path.join(ROOT, "results", name, "RUN.json"))
)


def test_every_committed_run_is_tested():
    assert {"quick", "quick-fashion", "paper_pp_argmax_rerun", "cifar10-cpu"} <= set(RUNS)


@pytest.mark.slow
@pytest.mark.parametrize("name", RUNS)
def test_published_tables_equal_the_report_of_the_committed_points(tmp_path, name):
    run_dir = tmp_path / name
    for folder in ("points", "overhead"):
        source = os.path.join(ROOT, "results", name, folder)
        if os.path.isdir(source):
            shutil.copytree(source, run_dir / folder)
    with open(os.path.join(DOCS, f"benchmark_{name}.md"), encoding="utf-8") as stream:
        assert write_report(str(run_dir)) == stream.read()


def test_results_pages_equal_the_generator_output():
    from benchmarks.results_page import RUN_PAGES, load_runs, render_pages

    pages = render_pages(load_runs())
    assert os.path.join(DOCS, "results.md") in pages
    for path, text in pages.items():
        with open(path, encoding="utf-8") as stream:
            assert text == stream.read(), path
    # no page of a run that is no longer committed
    assert sorted(os.listdir(RUN_PAGES)) == sorted(os.path.basename(p) for p in pages if p.startswith(RUN_PAGES))
