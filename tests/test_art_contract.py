"""
The contract with ART that input-aware postprocessors rely on (see art_am/defences/input_aware.py). If a future ART
release breaks it, these tests fail with a message that says what changed.
"""

import re
from pathlib import Path

import art
import numpy as np
import pytest
from art.defences.postprocessor.postprocessor import Postprocessor
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from art_am.defences.input_aware import SUPPORTED_ART_VERSIONS, find_query_input
from tests.helpers import classifier, tiny_cnn


class _Probe(Postprocessor):
    def __init__(self):
        super().__init__(is_fitted=True, apply_fit=False, apply_predict=True)
        self.seen = []

    def __call__(self, preds):
        x, estimator = find_query_input(self, preds)
        self.seen.append((x, estimator))
        return preds


def test_installed_art_is_a_supported_version():
    assert Version(art.__version__) in SpecifierSet(SUPPORTED_ART_VERSIONS), (
        f"ART {art.__version__} is outside the versions on which the query-input mechanism was checked "
        f"({SUPPORTED_ART_VERSIONS}); run this file and widen SUPPORTED_ART_VERSIONS if it passes."
    )


def test_declared_range_is_the_tested_one():
    """setup.py declares SUPPORTED_ART_VERSIONS; its lower end is the version CI's lowest-ART job installs and its
    upper end admits the pinned one (the sdist carries both constraint files)."""
    root = Path(__file__).resolve().parent.parent
    declared = re.search(r'"adversarial-robustness-toolbox([^"]+)"', (root / "setup.py").read_text()).group(1)
    assert SpecifierSet(declared) == SpecifierSet(SUPPORTED_ART_VERSIONS)

    def pinned(name: str) -> Version:
        text = (root / name).read_text()
        return Version(re.search(r"^adversarial-robustness-toolbox==(\S+)", text, re.MULTILINE).group(1))

    lowest, newest = pinned("constraints-lowest.txt"), pinned("constraints.txt")
    lower_bounds = [Version(s.version) for s in SpecifierSet(SUPPORTED_ART_VERSIONS) if s.operator == ">="]
    assert lower_bounds == [lowest], (lower_bounds, lowest)
    assert newest in SpecifierSet(SUPPORTED_ART_VERSIONS) and lowest < newest


@pytest.mark.parametrize("batch_size", [1, 7, 128])
def test_postprocessor_sees_the_whole_raw_query(x_random, batch_size):
    probe = _Probe()
    estimator = classifier(tiny_cnn(), [probe])
    estimator.predict(x_random, batch_size=batch_size)
    ((x, owner),) = probe.seen
    assert x is x_random, "the postprocessor no longer sees the caller's x"
    assert owner is estimator


def test_probe_not_listed_by_caller_is_not_fed_a_foreign_x(x_random):
    probe, other = _Probe(), _Probe()
    estimator = classifier(tiny_cnn(), [other])

    def nested_call():
        estimator.predict(x_random)
        return probe(np.zeros((len(x_random), 10), np.float32))

    with pytest.raises(ValueError, match="x=x"):
        nested_call()
