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
Datasets: torchvision sets and ``.npz`` archives as arrays, and the embedded default data.
"""

from art_am.datasets.arrays import to_float_images
from art_am.datasets.embedded import EMBEDDED_PATH, EmbeddedDefault, load_embedded_default
from art_am.datasets.npz import load_npz
from art_am.datasets.torchvision_sets import DATASET_NAMES, DatasetNotFoundError, load_dataset

__all__ = [
    "DATASET_NAMES",
    "DatasetNotFoundError",
    "EMBEDDED_PATH",
    "EmbeddedDefault",
    "load_dataset",
    "load_embedded_default",
    "load_npz",
    "to_float_images",
]
