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
What a second JPEG pass does to the stored CIFAR-10 images, frequency by frequency. The committed defenders (trained on
the stored quality-75 images) lose more accuracy on test images re-encoded at 50 than at 30 (84.4 against 86.1 % on
seed 0, ``scripts/jpeg_retraining.py``), although 30 changes the pixels more. This measures why, on the luma channel
of the test images, in JPEG's own 8×8 blocks: each quality's luma quantisation steps as a multiple of the stored
quality-75 steps (read from the tables Pillow's libjpeg writes), and the energy of the re-encoded images' DCT
coefficients per frequency band relative to the stored images'.

    python scripts/jpeg_spectrum.py --data-root ../shared/data --out results/cifar10-fast/jpeg_spectrum.json

A step that is an exact multiple of the stored one (quality 50: twice quality 75's for most frequencies) puts many
stored coefficients, which sit on quality 75's grid, exactly half-way between two new levels: small pixel rounding
decides which, so the pass adds coefficient noise instead of removing detail. A step that is not (quality 30) rounds
the small coefficients to zero: the image is smoothed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

# run as a file (python scripts/jpeg_spectrum.py), the repository root must be importable for ``benchmarks``
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from art_am.atomic import write_json_atomic  # noqa: E402
from benchmarks.data import load_labelled  # noqa: E402
from benchmarks.presets import PRESETS  # noqa: E402
from benchmarks.studies.jpeg_quality import luma_table as ijg_luma_table  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jpeg_retraining import psnr, reencode  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order

BLOCK = 8
STORED_QUALITY = 75
# frequency bands by u + v of a block's DCT coefficient (0 is the block's mean, left out)
BANDS = {"low (u+v 1-2)": (1, 2), "middle (u+v 3-5)": (3, 5), "high (u+v 6-14)": (6, 14)}
U_PLUS_V = np.add.outer(np.arange(BLOCK), np.arange(BLOCK))
HIGH_BAND = U_PLUS_V >= BANDS["high (u+v 6-14)"][0]


def luma(x: np.ndarray) -> np.ndarray:
    """
    :param x: RGB images ``(N, 3, H, W)`` in [0, 1].
    :return: JPEG's (JFIF) luma ``(N, H, W)`` on the 0-255 scale, shifted by -128 as the encoder does.
    """
    pixels = x.astype(np.float64) * 255
    return 0.299 * pixels[:, 0] + 0.587 * pixels[:, 1] + 0.114 * pixels[:, 2] - 128


def block_dct(planes: np.ndarray) -> np.ndarray:
    """
    :param planes: ``(N, H, W)`` with H and W multiples of 8.
    :return: The orthonormal 2-D DCT-II of every 8×8 block on JPEG's grid, ``(N, H/8, W/8, 8, 8)`` (``[..., u, v]``).
    """
    n, height, width = planes.shape
    if height % BLOCK or width % BLOCK:
        raise ValueError(f"planes: height and width must be multiples of {BLOCK}, got {height}x{width}")
    k, i = np.meshgrid(np.arange(BLOCK), np.arange(BLOCK), indexing="ij")
    basis = np.sqrt(np.where(k == 0, 1.0, 2.0) / BLOCK) * np.cos(np.pi * (2 * i + 1) * k / (2 * BLOCK))
    blocks = planes.reshape(n, height // BLOCK, BLOCK, width // BLOCK, BLOCK).transpose(0, 1, 3, 2, 4)
    return np.einsum("ki,nabij,lj->nabkl", basis, blocks, basis)


def luma_table(quality: int) -> np.ndarray:
    """
    :return: The 8×8 luma quantisation steps (``[u, v]``) that Pillow's libjpeg writes at this quality.
    """
    return np.asarray(ijg_luma_table(quality), dtype=np.float64).reshape(BLOCK, BLOCK)


def band_energy_ratios(stored: np.ndarray, changed: np.ndarray) -> dict[str, float]:
    """
    :param stored: Block DCT coefficients of the stored images, ``(..., 8, 8)``.
    :param changed: Those of the same images after another pass, same shape.
    :return: Per band, the mean squared coefficient after the pass over the one before (above 1: energy added).
    """
    ratios = {}
    for name, (low, high) in BANDS.items():
        band = (U_PLUS_V >= low) & (U_PLUS_V <= high)
        ratios[name] = float(np.mean(changed[..., band] ** 2) / np.mean(stored[..., band] ** 2))
    return ratios


def half_step_share(stored: np.ndarray, steps: np.ndarray, mask: np.ndarray, tolerance: float = 0.1) -> float:
    """
    :param stored: Block DCT coefficients ``(..., 8, 8)`` before the pass.
    :param steps: The pass's 8×8 quantisation steps.
    :param mask: The 8×8 frequencies to count.
    :param tolerance: How close to half-way, in new steps.
    :return: Among the coefficients of ``mask`` at least ``0.5 - tolerance`` new steps from zero, the share within
             ``tolerance`` of half-way between two of the pass's levels: the ones that pixel rounding sends up or down
             by chance.
    """
    scaled = np.abs(stored[..., mask] / steps[mask])
    counted = scaled >= 0.5 - tolerance
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) < tolerance
    return float(np.sum(near_half & counted) / max(int(np.sum(counted)), 1))


def main() -> int:
    """Re-encode the test images at each quality, compare their spectra with the stored ones', write one JSON file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--qualities", default="75,50,30", help="comma-separated JPEG qualities, 1 to 95")
    parser.add_argument("--limit", type=int, default=None, help="the first N test images only (a dry run)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    qualities = [int(q) for q in args.qualities.split(",")]
    if not all(1 <= q <= 95 for q in qualities):
        print(f"error: --qualities: each must be in 1..95, got {args.qualities}", file=sys.stderr)
        return 2
    scenario = {s.name: s for s in PRESETS["cifar10-fast"]}["cifar10-fast"]
    x_test, _ = load_labelled(scenario.test_source, args.data_root, "test source")
    if args.limit is not None:
        x_test = x_test[: args.limit]
    stored = block_dct(luma(x_test))
    stored_steps = luma_table(STORED_QUALITY)
    result: dict = {"test_images": len(x_test), "stored_quality": STORED_QUALITY, "qualities": {}}
    for quality in qualities:
        steps = luma_table(quality)
        step_ratio = steps / stored_steps
        x_changed = reencode(x_test, quality)
        changed = block_dct(luma(x_changed))
        result["qualities"][str(quality)] = {
            "luma steps that are an exact even multiple of the stored ones (share of 64)": float(
                np.mean((step_ratio == np.rint(step_ratio)) & (np.rint(step_ratio) % 2 == 0))
            ),
            "luma step over the stored step (median over the 64)": float(np.median(step_ratio)),
            "psnr_db from the stored images": psnr(x_test, x_changed),
            "high-band coefficients within 0.1 step of half-way (share of those >= 0.4 step)": half_step_share(
                stored, steps, HIGH_BAND
            ),
            "luma energy after / before, per band": band_energy_ratios(stored, changed),
            "high-band coefficients below 1 in magnitude (before, after)": [
                float(np.mean(np.abs(stored[..., HIGH_BAND]) < 1)),
                float(np.mean(np.abs(changed[..., HIGH_BAND]) < 1)),
            ],
        }
    write_json_atomic(args.out, result)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
