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
import logging

import numpy as np
import pytest

from art.defences.postprocessor.adaptive_misinformation import AdaptiveMisinformation
from art.estimators.classification import BlackBoxClassifier
from tests.utils import ARTTestException

logger = logging.getLogger(__name__)


def _answers(rows, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(rows, classes)) * 3.0
    return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), rng.dirichlet(np.ones(classes), rows)


def _misinformation_model(x, answers):
    index = {row.tobytes(): i for i, row in enumerate(x)}
    return BlackBoxClassifier(
        lambda batch: answers[[index[row.tobytes()] for row in batch]],
        x.shape[1:],
        answers.shape[1],
        clip_values=(0, 1),
    )


@pytest.mark.skip_framework("tensorflow", "tensorflow2v1", "keras", "kerastf", "mxnet", "non_dl_frameworks")
def test_answer_is_the_reverse_sigmoid_blend(art_warning):
    try:
        x = np.random.default_rng(1).random((30, 1, 8, 8)).astype(np.float32)
        victim, misinformation = _answers(30)
        tau = float(np.median(victim.max(axis=1)))
        defence = AdaptiveMisinformation(_misinformation_model(x, misinformation), threshold=tau)
        served = defence(victim, x=x)
        weight = 1.0 / (1.0 + np.exp(np.clip(1000.0 * (victim.max(axis=1) - tau), -700, 700)))
        expected = (1.0 - weight[:, None]) * victim + weight[:, None] * misinformation
        np.testing.assert_allclose(served, expected, atol=1e-6)
    except ARTTestException as e:
        art_warning(e)


@pytest.mark.skip_framework("tensorflow", "tensorflow2v1", "keras", "kerastf", "mxnet", "non_dl_frameworks")
def test_threshold_zero_answers_truthfully(art_warning):
    try:
        x = np.random.default_rng(2).random((12, 1, 8, 8)).astype(np.float32)
        victim, misinformation = _answers(12)
        served = AdaptiveMisinformation(_misinformation_model(x, misinformation), threshold=0.0)(victim, x=x)
        np.testing.assert_allclose(served, victim, atol=1e-6)
    except ARTTestException as e:
        art_warning(e)


@pytest.mark.skip_framework("tensorflow", "tensorflow2v1", "keras", "kerastf", "mxnet", "non_dl_frameworks")
def test_check_params(art_warning):
    try:
        x = np.zeros((2, 1, 8, 8), dtype=np.float32)
        model = _misinformation_model(x, _answers(2)[1])
        for kwargs, name in (({"threshold": float("nan")}, "threshold"), ({"nu": -1.0}, "nu")):
            with pytest.raises(ValueError, match=name):
                AdaptiveMisinformation(model, **{"threshold": 0.5, **kwargs})
    except ARTTestException as e:
        art_warning(e)
