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
