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
Pack what a GPU run of the CIFAR-10 or Flowers-17 scenarios reads into a folder that travels with the working tree
(the device machine takes at most 64 MiB of it, and ``../shared`` does not travel), with Tiny ImageNet re-encoded with
a fixed number of images per class (the first ones by index), so that it fits:

- ``--task cifar10``: CIFAR-10's packed JPEG archives as they are, KMNIST-test and notMNIST-test (the conservative
  setting's outliers), Tiny ImageNet at 32x32 (100 training images per class by default);
- ``--task flowers17``: Flowers-17's npz files as they are and Tiny ImageNet at 64x64 (60 training images per class
  by default, JPEG quality 75: the 64x64 images cost four times the pixels).

    python scripts/pack_device_data.py --data-root ../shared/data --out .gpu/data
    python scripts/pack_device_data.py --task flowers17 --data-root ../shared/data --out .gpu/flowers

Substitution (state it next to every GPU number): CIFAR-10's ``--train-per-class 100`` gives 10,000 outlier images
(classes 0-99) and 10,000 KnockoffNets queries (classes 100-199) instead of the 40,000 of each that ``../shared/data``
holds; Flowers-17's 60 per class give 6,000 of each and 12,000 pretraining images instead of 80,000.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
from typing import NamedTuple

import numpy as np
from PIL import Image

BUDGET_BYTES = 64 * 1024 * 1024
WORKING_TREE_BYTES = 16 * 1024 * 1024  # kept for the checkout itself (about 11 MiB tracked in December 2026)


class Task(NamedTuple):
    """
    What one dataset's GPU scenarios read: files copied as they are, and Tiny ImageNet's size and default packing.
    """

    copied: tuple[str, ...]
    size: int
    train_per_class: int
    quality: int


TASKS = {
    "cifar10": Task(
        ("cifar10_train_jpeg.npz", "cifar10_test_jpeg.npz", "kmnist_test.npz", "notmnist_test.npz"), 32, 100, 90
    ),
    "flowers17": Task(("flowers17_train.npz", "flowers17_test.npz"), 64, 60, 75),
}


def _repack(source: str, target: str, per_class: int, size: int, quality: int) -> int:
    """
    :return: Images written: the first ``per_class`` of each class of ``source``, resized (box filter) and re-encoded.
    """
    with np.load(source) as archive:
        data, offsets, labels = archive["jpeg"], archive["offsets"], archive["y"]
        extra = {key: archive[key] for key in archive.files if key not in ("jpeg", "offsets", "y")}
    chosen = np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in np.unique(labels)])
    chosen.sort()
    encoded = []
    for index in chosen:
        image = Image.open(io.BytesIO(data[offsets[index] : offsets[index + 1]].tobytes())).convert("RGB")
        buffer = io.BytesIO()
        image.resize((size, size), Image.Resampling.BOX).save(buffer, format="JPEG", quality=quality)
        encoded.append(np.frombuffer(buffer.getvalue(), dtype=np.uint8))
    new_offsets = np.concatenate([[0], np.cumsum([len(e) for e in encoded])]).astype(np.int64)
    np.savez_compressed(target, jpeg=np.concatenate(encoded), offsets=new_offsets, y=labels[chosen], **extra)
    return len(chosen)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", choices=sorted(TASKS), default="cifar10", help="the scenarios' dataset")
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--out", default=".gpu/data")
    parser.add_argument("--train-per-class", type=int, help="Tiny ImageNet training images per class")
    parser.add_argument("--val-per-class", type=int, default=25, help="Tiny ImageNet validation images per class")
    parser.add_argument("--quality", type=int, help="JPEG quality of the re-encoded Tiny ImageNet images")
    args = parser.parse_args(argv)
    task = TASKS[args.task]
    source, target = os.path.join(args.data_root, "npz"), os.path.join(args.out, "npz")
    os.makedirs(target, exist_ok=True)
    for name in task.copied:
        shutil.copyfile(os.path.join(source, name), os.path.join(target, name))
    train_per_class = task.train_per_class if args.train_per_class is None else args.train_per_class
    for split, per_class in (("train", train_per_class), ("val", args.val_per_class)):
        count = _repack(
            os.path.join(source, f"tinyimagenet_{split}_jpeg.npz"),
            os.path.join(target, f"tinyimagenet_{split}_jpeg.npz"),
            per_class,
            task.size,
            task.quality if args.quality is None else args.quality,
        )
        print(f"tinyimagenet {split}: {count} images at {task.size}x{task.size}")
    total = sum(os.path.getsize(os.path.join(target, name)) for name in os.listdir(target))
    print(f"{total / 2**20:.1f} MiB in {target}")
    if total > BUDGET_BYTES - WORKING_TREE_BYTES:
        raise SystemExit(f"{total / 2**20:.1f} MiB leaves too little of the 64 MiB for the working tree")


if __name__ == "__main__":
    main()
