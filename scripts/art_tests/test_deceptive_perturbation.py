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

from art.defences.postprocessor import ReverseSigmoid
from art.defences.postprocessor.deceptive_perturbation import DeceptivePerturbation
from tests.utils import ARTTestException

logger = logging.getLogger(__name__)


@pytest.mark.skip_framework("tensorflow", "tensorflow2v1", "keras", "kerastf", "mxnet", "non_dl_frameworks")
def test_top1_kept_and_reverse_sigmoid_elsewhere(art_warning):
    try:
        rng = np.random.default_rng(0)
        for classes in (2, 5, 10, 100):
            preds = rng.dirichlet(np.full(classes, 0.3), size=200)
            served = DeceptivePerturbation(beta=3.0, gamma=0.1, preds_type="probabilities")(preds)
            np.testing.assert_array_equal(served.argmax(axis=1), preds.argmax(axis=1))
            np.testing.assert_allclose(served.sum(axis=1), 1.0, atol=1e-5)
            reverse_sigmoid = ReverseSigmoid(beta=3.0, gamma=0.1)(preds)
            same = reverse_sigmoid.argmax(axis=1) == preds.argmax(axis=1)
            np.testing.assert_allclose(served[same], reverse_sigmoid[same], atol=1e-5)
    except ARTTestException as e:
        art_warning(e)


@pytest.mark.skip_framework("tensorflow", "tensorflow2v1", "keras", "kerastf", "mxnet", "non_dl_frameworks")
def test_check_params(art_warning):
    try:
        for kwargs, name in (({"beta": 0.0}, "beta"), ({"gamma": -1.0}, "gamma"), ({"preds_type": "odds"}, "preds")):
            with pytest.raises(ValueError, match=name):
                DeceptivePerturbation(**kwargs)
    except ARTTestException as e:
        art_warning(e)
