"""
Every bad input of ``tests/bad_inputs.py`` gets a ``ValueError`` naming the problem, or, where valid, a correct answer.
"""

from __future__ import annotations

import pytest

from tests.bad_inputs import CASES


@pytest.mark.parametrize("case", CASES, ids=[f"{case.group}: {case.given}" for case in CASES])
def test_bad_input_is_named_or_handled(case):
    if case.match is None:
        assert case.run()
    else:
        with pytest.raises(ValueError, match=case.match):
            case.run()


def test_the_committed_table_is_the_scripts_output():
    import importlib.util  # pylint: disable=import-outside-toplevel
    import os  # pylint: disable=import-outside-toplevel

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "bad_inputs_table.py")
    spec = importlib.util.spec_from_file_location("bad_inputs_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "docs/bad_inputs.md is stale: run python scripts/bad_inputs_table.py"
