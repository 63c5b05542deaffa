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
The fast training path for colour images (bfloat16 autocast, channels-last), measured against the plain loop on the
same device, side by side: each repeat times every variant in a rotated order, and the table gives median images per
second and each variant's speed-up over the plain loop (the ratio is what is compared: the machines are shared and
noisy).

    python -m benchmarks.studies.training_speed --device cuda --output docs/training_speed_gpu.json
    python -m benchmarks.studies.training_speed --device cpu --images 1024 --output docs/training_speed_cpu.json

Variants (each trains the same ResNet on the same batches with :func:`art_am.training.loop.run_sgd`, data already on
the device as one tensor): ``plain``: the per-image crop-and-flip loop of earlier versions, float32, contiguous;
``batched``: the crop and flip gathered for the whole batch on the device; ``batched+channels_last``;
``batched+channels_last+bf16``: also bfloat16 autocast.
"""

from __future__ import annotations

import argparse
import sys
import time
from unittest import mock

import numpy as np
import torch
from torch import nn

from art_am.models import create_model
from art_am.training.loop import TrainingConfig, run_sgd
from benchmarks.cli import write_output


def per_image_augment(
    batch: torch.Tensor, generator: torch.Generator, pad: int = 4, flip: torch.Tensor | None = None
) -> torch.Tensor:
    """
    The plain loop's augmentation (the baseline): one crop (padding 4) and flip per image, in Python; ``pad`` and
    ``flip`` are accepted for the loop's call signature and only the defaults are timed.
    """
    n, _, height, width = batch.shape
    padded = nn.functional.pad(batch, (4, 4, 4, 4), mode="reflect")
    dy = torch.randint(0, 9, (n,), generator=generator).tolist()
    dx = torch.randint(0, 9, (n,), generator=generator).tolist()
    coins = torch.rand(n, generator=generator).tolist()
    out = torch.empty_like(batch)
    for i in range(n):
        crop = padded[i, :, dy[i] : dy[i] + height, dx[i] : dx[i] + width]
        out[i] = crop.flip(-1) if coins[i] < 0.5 else crop
    return out


VARIANTS = {
    "plain": {"per_image": True},
    "batched": {},
    "batched+channels_last": {"channels_last": True},
    "batched+channels_last+bf16": {"channels_last": True, "mixed_precision": True},
}


def _cross_entropy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, outliers: torch.Tensor | None) -> torch.Tensor:
    del outliers
    return nn.functional.cross_entropy(model(x), y)


def _seconds(variant: dict, x: np.ndarray, y: np.ndarray, architecture: str, device: str, epochs: int) -> float:
    options = {k: v for k, v in variant.items() if k != "per_image"}
    config = TrainingConfig(
        epochs=epochs, lr=0.05, batch_size=128, augment=True, device=device, progress=False, **options
    )
    torch.manual_seed(0)
    model = create_model(architecture, 10, **({"cifar_stem": True} if architecture == "resnet18" else {}))
    patch = mock.patch("art_am.training.loop._augment", per_image_augment) if variant.get("per_image") else None
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    if patch is None:
        run_sgd(model, x, y, _cross_entropy, config)
    else:
        with patch:
            run_sgd(model, x, y, _cross_entropy, config)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--architecture", default="resnet18", help="resnet18 (CIFAR stem) or resnet8")
    parser.add_argument("--images", type=int, default=10000, help="32x32 RGB training images (random)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    x = rng.random((args.images, 3, 32, 32), dtype=np.float32)
    y = rng.integers(0, 10, args.images)
    _seconds(VARIANTS["batched"], x[:256], y[:256], args.architecture, args.device, 1)  # warm-up
    timings: dict[str, list[float]] = {name: [] for name in VARIANTS}
    names = list(VARIANTS)
    for repeat in range(args.repeats):
        for name in names[repeat % len(names) :] + names[: repeat % len(names)]:
            timings[name].append(_seconds(VARIANTS[name], x, y, args.architecture, args.device, args.epochs))
    images = args.images * args.epochs
    plain = float(np.median(timings["plain"]))
    rows = [
        {
            "variant": name,
            "median_seconds": float(np.median(seconds)),
            "images_per_second": images / float(np.median(seconds)),
            "speed_up_over_plain": plain / float(np.median(seconds)),
            "seconds": seconds,
        }
        for name, seconds in timings.items()
    ]
    result = {
        "command": "python -m benchmarks.studies.training_speed " + " ".join(sys.argv[1:] if argv is None else argv),
        "device": (
            torch.cuda.get_device_name()
            if args.device.startswith("cuda")
            else f"cpu ({torch.get_num_threads()} threads)"
        ),
        "architecture": args.architecture,
        "images": args.images,
        "epochs": args.epochs,
        "repeats": args.repeats,
        "rows": rows,
    }
    write_output(args.output, result)
    return result


if __name__ == "__main__":
    main()
