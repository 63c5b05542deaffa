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
Copy cached checkpoints with their floating-point tensors stored in float16 (half the bytes), for committing trained
models so that results can be checked without retraining. :func:`art_am.training.load_checkpoint` loads them into the
usual float32 model (``load_state_dict`` casts); the metadata records ``stored_dtype: float16``, and the accuracy of
the loaded copy on the same images differs from the float32 original's by rounding alone.

    python scripts/half_checkpoints.py runs/fast/cache/cifar10-fast-*-seed?-*.pt --out results/cifar10-fast/checkpoints
"""

from __future__ import annotations

import argparse
import os

from art_am.training import load_checkpoint, save_checkpoint


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", nargs="+", help="checkpoint files written by save_checkpoint")
    parser.add_argument("--out", required=True, help="folder of the float16 copies (same file names)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for path in args.checkpoints:
        model, metadata = load_checkpoint(path)
        save_checkpoint(
            os.path.join(args.out, os.path.basename(path)), model.half(), dict(metadata, stored_dtype="float16")
        )
        print(f"{path}: {os.path.getsize(path) / 2**20:.1f} MiB -> float16")


if __name__ == "__main__":
    main()
