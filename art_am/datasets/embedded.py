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
The embedded default data: small real subsets shipped inside the package, so that the quick benchmark and the
README quickstart run on a machine without any dataset files or network.

Built reproducibly by ``scripts/build_embedded_data.py`` (see ``docs/datasets.md`` for sources and licences):

- defender task: MNIST digits (``defender_train``, ``defender_test``);
- outlier-exposure set: KMNIST test images (``outliers``);
- attacker's surrogate queries: Fashion-MNIST training images (``queries``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from art_am.datasets.arrays import to_float_images

EMBEDDED_PATH = os.path.join(os.path.dirname(__file__), "data", "embedded_default.npz")


@dataclass(frozen=True)
class EmbeddedDefault:
    """
    Arrays of the embedded default data, images float32 ``(N, 1, 28, 28)`` in [0, 1], labels int64.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_outliers: np.ndarray
    x_queries: np.ndarray
    y_queries: np.ndarray


def load_embedded_default(path: str = EMBEDDED_PATH) -> EmbeddedDefault:
    """
    Load the embedded default data shipped with the package.

    :param path: Location of the archive; the packaged one by default.
    :return: The defender's train/test split, the outlier set and the attacker's query set.
    :raises FileNotFoundError: If the archive is missing (rebuild it with ``scripts/build_embedded_data.py``).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"The embedded default data is missing at '{path}'. Rebuild it with "
            "'python scripts/build_embedded_data.py --data-root <folder with MNIST, FashionMNIST and "
            "npz/kmnist_test.npz>'."
        )
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    return EmbeddedDefault(
        x_train=to_float_images(arrays["defender_train_x"]),
        y_train=arrays["defender_train_y"].astype(np.int64),
        x_test=to_float_images(arrays["defender_test_x"]),
        y_test=arrays["defender_test_y"].astype(np.int64),
        x_outliers=to_float_images(arrays["outliers_x"]),
        x_queries=to_float_images(arrays["queries_x"]),
        y_queries=arrays["queries_y"].astype(np.int64),
    )
