"""
The contract with ART that input-aware postprocessors rely on (see art_am/defences/query_input.py). If a future ART
release breaks it, these tests fail with a message that says what changed.
"""

import art
import numpy as np
import pytest
from art.defences.postprocessor.postprocessor import Postprocessor
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from art_am.defences.query_input import SUPPORTED_ART_VERSIONS, find_query_input
from tests.conftest import classifier, tiny_cnn


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
