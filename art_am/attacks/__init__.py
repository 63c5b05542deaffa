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
Extraction attacks: Jacobian-based dataset augmentation (ART's KnockoffNets is used as it is), and the adaptive
attackers of the benchmark: a detector-aware JBDA, a selective (truth-filtering) random-query extraction, and a clone
read through a decoder fitted on a few labelled images (against AM's systematic misinformation), and
in-distribution-looking queries made from the attacker's few images (against AM's out-of-distribution switch).
"""

from art_am.attacks.decoded_clone import DecodedClone
from art_am.attacks.detector_aware_jbda_pytorch import (
    STEP_FORMS,
    DetectorAwareJBDA,
    DetectorAwareJBDAPyTorch,
    optimised_step,
    step_forms,
)
from art_am.attacks.jacobian_augmentation import JacobianDatasetAugmentation
from art_am.attacks.seed_augmentation import augment_seed_images
from art_am.attacks.selective_extraction import SELECTIONS, SelectiveExtraction, shifted_views

__all__ = [
    "DecodedClone",
    "DetectorAwareJBDA",
    "DetectorAwareJBDAPyTorch",
    "JacobianDatasetAugmentation",
    "SELECTIONS",
    "STEP_FORMS",
    "augment_seed_images",
    "SelectiveExtraction",
    "optimised_step",
    "shifted_views",
    "step_forms",
]
