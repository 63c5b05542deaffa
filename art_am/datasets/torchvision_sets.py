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

Offline use: point ``data_root`` at a folder in torchvision's layout (e.g. ``<data_root>/MNIST/raw/*-ubyte``). Where
``<data_root>/npz/<name>_<split>.npz`` exists (e.g. ``kmnist_test.npz``, ``flowers17_train.npz``) it is used; sets kept
as packed JPEG files (``<data_root>/npz/<archive>_<split>_jpeg.npz``: CIFAR-10, Tiny ImageNet) are decoded once and
cached (:mod:`art_am.datasets.packed_jpeg`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from art_am.datasets.arrays import to_float_images
from art_am.datasets.npz import load_npz
from art_am.datasets.packed_jpeg import decode_packed_jpeg

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
    packed: str | None = None  # stem of a packed JPEG archive: npz/<packed>_<split>_jpeg.npz
    packed_test_split: str = "test"  # the archive's name for the test split (Tiny ImageNet: "val")
    size: int | None = None  # side the packed images are resized to (None: as stored)


_SPECS: dict[str, _Spec] = {
    "mnist": _Spec("MNIST", "MNIST"),
    "fashion_mnist": _Spec("FashionMNIST", "FashionMNIST"),
    "kmnist": _Spec("KMNIST", "KMNIST"),
    "emnist_letters": _Spec("EMNIST", "EMNIST", (("split", "letters"),), label_offset=-1, transpose=True),
    "emnist_balanced": _Spec("EMNIST", "EMNIST", (("split", "balanced"),), transpose=True),
    "cifar10": _Spec("CIFAR10", "cifar-10-batches-py", packed="cifar10"),
    "cifar100": _Spec("CIFAR100", "cifar-100-python"),
    "svhn": _Spec("SVHN", "", split_argument=True),
    "notmnist": _Spec(None, "notMNIST"),
    "flowers17": _Spec(None, "flowers17"),
    # Tiny ImageNet: 200 classes at 64x64 (its "val" split serves as the test split), and downsampled to 32x32
    "tinyimagenet": _Spec(None, "tinyimagenet", packed="tinyimagenet", packed_test_split="val"),
    "tinyimagenet32": _Spec(None, "tinyimagenet", packed="tinyimagenet", packed_test_split="val", size=32),
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
                 cifar100, svhn, notmnist and flowers17 (npz only), tinyimagenet and tinyimagenet32 (packed JPEG only;
                 64x64 and 32x32; 80,000 x 3 x 64 x 64 floats take 3.9 GB).
    :param data_root: Folder holding the data in torchvision's layout, ``npz/<name>_<train|test>.npz`` or
                      ``npz/<archive>_<split>_jpeg.npz``.
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
    packed_file = None
    if spec.packed is not None:
        split_name = "train" if train else spec.packed_test_split
        packed_file = os.path.join(root, "npz", f"{spec.packed}_{split_name}_jpeg.npz")
        if os.path.isfile(packed_file):
            images, labels = decode_packed_jpeg(packed_file, size=spec.size)
            return to_float_images(images, source=packed_file), labels
    if spec.torchvision_class is None:
        where = f"'{npz_file}'" + (f" or '{packed_file}'" if packed_file else "")
        raise DatasetNotFoundError(
            f"Dataset '{name}' ({'train' if train else 'test'} split) is only read from {where}, which does not "
            "exist. Create the first with numpy.savez(path, x=uint8 images N x H x W [x 3], y=int64 labels)."
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
