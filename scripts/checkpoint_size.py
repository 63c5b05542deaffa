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
How small committed float16 checkpoints can get without losing a bit: per file, the bytes as stored, the bytes of its
float16 tensors, what xz (LZMA, preset 9 extreme) makes of them split into high and low byte planes (the high byte
holds the sign, the exponent and two mantissa bits, the low byte eight mantissa bits), and the Shannon bound of a
coder that sees each weight's sign, exponent and top mantissa bits as independent symbols per tensor (the low
mantissa byte counted at 8 bits: it is close to uniform). Issue 34 asks for the nine models in 30 MB or less.

    python -m benchmarks.checkpoint_pack unpack results/cifar10-fast/checkpoints/cifar10-fast-plain-seed?-*.packed \
        results/cifar10-fast-cpu/checkpoints/*.packed --out runs/committed
    python scripts/checkpoint_size.py runs/committed/*.pt --output results/cifar10-fast/checkpoint_size.json

(The committed files are packed by :mod:`benchmarks.checkpoint_pack`, which also codes a fine-tuned model against the
model it was fine-tuned from; this script measures each file on its own, as it was measured before that packing.)
"""

from __future__ import annotations

import argparse
import json
import lzma
import os

import numpy as np
import torch


def _entropy_bits(symbols: np.ndarray) -> float:
    _, counts = np.unique(symbols, return_counts=True)
    share = counts / counts.sum()
    return float(-(share * np.log2(share)).sum() * len(symbols))


def _half_tensors(payload: object) -> list[np.ndarray]:
    if isinstance(payload, torch.Tensor):
        return [payload.numpy().ravel().view(np.uint16)] if payload.dtype == torch.float16 else []
    if isinstance(payload, dict):
        return [array for value in payload.values() for array in _half_tensors(value)]
    return []


def measure(path: str) -> dict:
    """
    :return: The sizes of one checkpoint, in bytes.
    """
    tensors = _half_tensors(torch.load(path, map_location="cpu", weights_only=True))
    if not tensors:
        raise SystemExit(f"error: {path} holds no float16 tensors (store it with scripts/half_checkpoints.py first)")
    bits = np.concatenate(tensors)
    planes = [(bits >> 8).astype(np.uint8).tobytes(), (bits & 0xFF).astype(np.uint8).tobytes()]
    bound_bits = sum(
        _entropy_bits(t >> 15) + _entropy_bits((t >> 10) & 0x1F) + _entropy_bits((t >> 8) & 0x3) + 8 * len(t)
        for t in tensors
    )
    return {
        "file": os.path.basename(path),
        "stored": os.path.getsize(path),
        "float16_tensors": int(bits.nbytes),
        "xz_byte_planes": sum(len(lzma.compress(p, preset=9 | lzma.PRESET_EXTREME)) for p in planes),
        "shannon_bound": round(bound_bits / 8),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", nargs="+", help="float16 checkpoint files")
    parser.add_argument("--output", required=True, help="JSON file of the per-file sizes and their totals")
    args = parser.parse_args(argv)
    files = [measure(path) for path in args.checkpoints]
    totals = {
        key: sum(f[key] for f in files) for key in ("stored", "float16_tensors", "xz_byte_planes", "shannon_bound")
    }
    with open(args.output, "w", encoding="utf-8") as handle:
        json.dump({"files": files, "total": totals}, handle, indent=1)
    for key, value in totals.items():
        print(f"{key}: {value / 1e6:.2f} MB ({value / 2**20:.2f} MiB)")


if __name__ == "__main__":
    main()
