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

from art.attacks.extraction.jacobian_augmentation import JacobianDatasetAugmentation
from tests.utils import ARTTestException

logger = logging.getLogger(__name__)


@pytest.mark.skip_framework("tensorflow", "tensorflow2v1", "keras", "kerastf", "mxnet", "non_dl_frameworks")
def test_jbda_queries_within_budget_and_steps_along_the_sign(art_warning, image_dl_estimator):
    try:
        victim, _ = image_dl_estimator()
        thief, _ = image_dl_estimator()
        seeds = np.random.default_rng(0).random((10, 1, 28, 28)).astype(np.float32)
        attack = JacobianDatasetAugmentation(
            victim, nb_rounds=2, nb_epochs=1, use_probability=False, query_budget=20, seed=0, verbose=False
        )
        attack.extract(seeds, thieved_classifier=thief)
        assert attack.queries_used == 20  # 10 seeds and 10 synthetic points, one per seed
    except ARTTestException as e:
        art_warning(e)


@pytest.mark.skip_framework("tensorflow", "tensorflow2v1", "keras", "kerastf", "mxnet", "non_dl_frameworks")
def test_check_params(art_warning, image_dl_estimator):
    try:
        victim, _ = image_dl_estimator()
        for kwargs, name in (({"nb_rounds": 0}, "nb_rounds"), ({"step_size": 0.0}, "step_size")):
            with pytest.raises(ValueError, match=name):
                JacobianDatasetAugmentation(victim, **kwargs)
    except ARTTestException as e:
        art_warning(e)
