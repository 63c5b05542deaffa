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
Pack what a GPU run of the CIFAR-10 scenarios reads into a folder that travels with the working tree (the device
machine takes at most 64 MiB of it, and ``../shared`` does not travel): CIFAR-10's packed JPEG archives as they are,
KMNIST-test and notMNIST-test (the conservative setting's outliers), and Tiny ImageNet re-encoded at 32x32 with a
fixed number of images per class (the first ones by index), so that it fits.

    python scripts/pack_device_data.py --data-root ../shared/data --out .gpu/data

Substitution (state it next to every GPU number): ``--train-per-class 100`` gives 10,000 outlier images (classes 0-99)
and 10,000 KnockoffNets queries (classes 100-199) instead of the 40,000 of each that ``../shared/data`` holds.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil

import numpy as np
from PIL import Image

BUDGET_BYTES = 64 * 1024 * 1024
WORKING_TREE_BYTES = 16 * 1024 * 1024  # kept for the checkout itself (about 11 MiB tracked in December 2026)


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
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--out", default=".gpu/data")
    parser.add_argument("--train-per-class", type=int, default=100, help="Tiny ImageNet training images per class")
    parser.add_argument("--val-per-class", type=int, default=25, help="Tiny ImageNet validation images per class")
    parser.add_argument("--quality", type=int, default=90)
    args = parser.parse_args(argv)
    source, target = os.path.join(args.data_root, "npz"), os.path.join(args.out, "npz")
    os.makedirs(target, exist_ok=True)
    for name in ("cifar10_train_jpeg.npz", "cifar10_test_jpeg.npz", "kmnist_test.npz", "notmnist_test.npz"):
        shutil.copyfile(os.path.join(source, name), os.path.join(target, name))
    for split, per_class in (("train", args.train_per_class), ("val", args.val_per_class)):
        count = _repack(
            os.path.join(source, f"tinyimagenet_{split}_jpeg.npz"),
            os.path.join(target, f"tinyimagenet_{split}_jpeg.npz"),
            per_class,
            32,
            args.quality,
        )
        print(f"tinyimagenet {split}: {count} images at 32x32")
    total = sum(os.path.getsize(os.path.join(target, name)) for name in os.listdir(target))
    print(f"{total / 2**20:.1f} MiB in {target}")
    if total > BUDGET_BYTES - WORKING_TREE_BYTES:
        raise SystemExit(f"{total / 2**20:.1f} MiB leaves too little of the 64 MiB for the working tree")


if __name__ == "__main__":
    main()
