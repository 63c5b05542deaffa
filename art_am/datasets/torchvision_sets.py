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
Image classification sets loaded through torchvision, returned as arrays in the library's convention.

Offline use: point ``data_root`` at a folder in torchvision's layout (e.g. ``<data_root>/MNIST/raw/*-ubyte``). For sets
that exist only as ``.npz`` files (``<data_root>/npz/<name>_<split>.npz``, e.g. ``kmnist_test.npz``), those are used.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from art_am.datasets.arrays import to_float_images
from art_am.datasets.npz import load_npz

logger = logging.getLogger(__name__)


class DatasetNotFoundError(FileNotFoundError):
    """
    Raised when a dataset's files are not under ``data_root`` and downloading was not requested or failed.
    """


@dataclass(frozen=True)
class _Spec:
    torchvision_class: str | None
    folder: str
    kwargs: tuple[tuple[str, Any], ...] = ()
    label_offset: int = 0
    transpose: bool = False  # EMNIST's files store images transposed
    split_argument: bool = False  # SVHN takes split="train"/"test" instead of train=True/False


_SPECS: dict[str, _Spec] = {
    "mnist": _Spec("MNIST", "MNIST"),
    "fashion_mnist": _Spec("FashionMNIST", "FashionMNIST"),
    "kmnist": _Spec("KMNIST", "KMNIST"),
    "emnist_letters": _Spec("EMNIST", "EMNIST", (("split", "letters"),), label_offset=-1, transpose=True),
    "emnist_balanced": _Spec("EMNIST", "EMNIST", (("split", "balanced"),), transpose=True),
    "cifar10": _Spec("CIFAR10", "cifar-10-batches-py"),
    "cifar100": _Spec("CIFAR100", "cifar-100-python"),
    "svhn": _Spec("SVHN", "", split_argument=True),
    "notmnist": _Spec(None, "notMNIST"),
}

DATASET_NAMES = tuple(sorted(_SPECS))


def _npz_path(data_root: str, name: str, train: bool) -> str:
    return os.path.join(data_root, "npz", f"{name}_{'train' if train else 'test'}.npz")


def load_dataset(
    name: str, data_root: str | os.PathLike = "data", train: bool = True, download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """
    Load a dataset split as arrays.

    :param name: One of ``DATASET_NAMES``: mnist, fashion_mnist, kmnist, emnist_letters, emnist_balanced, cifar10,
                 cifar100, svhn, notmnist (npz only).
    :param data_root: Folder holding the data in torchvision's layout, or ``npz/<name>_<train|test>.npz``.
    :param train: Load the training split if True, else the test split.
    :param download: Let torchvision download the files when they are missing (needs internet access).
    :return: Tuple ``(x, y)``: ``x`` float32 ``(N, C, H, W)`` in [0, 1], ``y`` int64 ``(N,)``.
    :raises ValueError: For an unknown name.
    :raises DatasetNotFoundError: When the files are missing, with the paths looked at and how to get them.
    """
    if name not in _SPECS:
        raise ValueError(f"Unknown dataset '{name}'. Valid names: {', '.join(DATASET_NAMES)}.")
    spec = _SPECS[name]
    root = os.fspath(data_root)
    npz_file = _npz_path(root, name, train)
    if os.path.isfile(npz_file):
        logger.info("Loading %s from %s", name, npz_file)
        return load_npz(npz_file)
    if spec.torchvision_class is None:
        raise DatasetNotFoundError(
            f"Dataset '{name}' ({'train' if train else 'test'} split) is only read from '{npz_file}', which does not "
            "exist. Create it with numpy.savez(path, x=uint8 images N x H x W, y=int64 labels)."
        )
    import torchvision  # pylint: disable=import-outside-toplevel

    dataset_class = getattr(torchvision.datasets, spec.torchvision_class)
    split = {"split": "train" if train else "test"} if spec.split_argument else {"train": train}
    try:
        dataset = dataset_class(root=root, download=download, **split, **dict(spec.kwargs))
    except (RuntimeError, OSError) as error:  # torchvision raises RuntimeError("Dataset not found ...")
        expected = os.path.join(root, spec.folder)
        how = (
            "Downloading failed; check the network or fetch the files by hand."
            if download
            else f"Pass download=True (or --download) to fetch it, e.g. torchvision.datasets.{spec.torchvision_class}"
            f"(root='{root}', download=True)."
        )
        raise DatasetNotFoundError(
            f"Dataset '{name}' ({'train' if train else 'test'} split) not found: torchvision looked in '{expected}' "
            f"and there is no '{npz_file}'. {how} (torchvision said: {error})"
        ) from error
    images = np.asarray(dataset.data)
    if spec.transpose:
        images = np.swapaxes(images, 1, 2)
    targets = dataset.targets if hasattr(dataset, "targets") else dataset.labels  # SVHN names them labels
    labels = np.asarray(targets, dtype=np.int64) + spec.label_offset
    return to_float_images(images, source=name), labels
