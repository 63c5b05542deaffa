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

from art.defences.postprocessor.prediction_poisoning_pytorch import PredictionPoisoningPyTorch
from tests.utils import ARTTestException

logger = logging.getLogger(__name__)


@pytest.mark.skip_framework("tensorflow", "tensorflow2v1", "keras", "kerastf", "mxnet", "non_dl_frameworks")
def test_within_budget_on_the_simplex_and_top1_kept_by_mad_argmax(art_warning, image_dl_estimator):
    try:
        classifier, _ = image_dl_estimator()
        x = np.random.default_rng(0).random((40, 1, 28, 28)).astype(np.float32)
        preds = classifier.predict(x)
        probabilities = np.exp(preds) / np.exp(preds).sum(axis=1, keepdims=True)
        for oracle in ("extreme", "argmax"):
            defence = PredictionPoisoningPyTorch(classifier.model, epsilon=0.5, oracle=oracle, preds_type="logits")
            served = defence(preds, x=x)
            np.testing.assert_allclose(served.sum(axis=1), 1.0, atol=1e-5)
            assert (np.abs(served - probabilities).sum(axis=1) <= 0.5 + 1e-4).all()
            if oracle == "argmax":
                np.testing.assert_array_equal(served.argmax(axis=1), probabilities.argmax(axis=1))
    except ARTTestException as e:
        art_warning(e)


@pytest.mark.skip_framework("tensorflow", "tensorflow2v1", "keras", "kerastf", "mxnet", "non_dl_frameworks")
def test_check_params(art_warning):
    try:
        for kwargs, name in (({"epsilon": -1.0}, "epsilon"), ({"norm": "l3"}, "norm"), ({"oracle": "x"}, "oracle")):
            with pytest.raises(ValueError, match=name):
                PredictionPoisoningPyTorch(**kwargs)
    except ARTTestException as e:
        art_warning(e)
