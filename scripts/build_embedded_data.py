"""
Build ``art_am/datasets/data/embedded_default.npz`` from the real dataset files, reproducibly (fixed seed).

    python scripts/build_embedded_data.py --data-root ../shared/data

Needs ``MNIST/raw`` and ``FashionMNIST/raw`` in torchvision's layout and ``npz/kmnist_test.npz`` under the data root.
Images are stored as uint8 to keep the archive small.
"""

import argparse
import os

import numpy as np

from art_am.datasets import EMBEDDED_PATH, load_dataset

SIZES = {"defender_train": 6000, "defender_test": 2000, "outliers": 3000, "queries": 6000}


def _uint8(x: np.ndarray) -> np.ndarray:
    return np.round(x[:, 0] * 255.0).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=EMBEDDED_PATH)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    def pick(x, y, n):
        index = np.sort(rng.choice(len(x), size=n, replace=False))
        return _uint8(x[index]), y[index]

    mnist_train = load_dataset("mnist", args.data_root, train=True)
    mnist_test = load_dataset("mnist", args.data_root, train=False)
    kmnist_test = load_dataset("kmnist", args.data_root, train=False)
    fashion_train = load_dataset("fashion_mnist", args.data_root, train=True)
    arrays = {}
    for part, (x, y) in {
        "defender_train": mnist_train,
        "defender_test": mnist_test,
        "outliers": kmnist_test,
        "queries": fashion_train,
    }.items():
        arrays[f"{part}_x"], arrays[f"{part}_y"] = pick(x, y, SIZES[part])
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    np.savez_compressed(args.output, **arrays)
    print(f"wrote {args.output} ({os.path.getsize(args.output) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
