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
Write the in-distribution-looking query set of a scenario's attacker (:func:`art_am.attacks.augment_seed_images`) to a
NumPy archive, for ``benchmarks.run --query-source NAME=file:<archive>``: variations of the scenario's JBDA seed images
(the attacker's only images of the task), blended with images of its KnockoffNets query set. The images are stored as
8-bit pixels, as a client sends them; the draw is fixed by ``--random-state``, so the file is reproducible (RUN.json
records its SHA-256).

    python scripts/seed_queries.py --preset cifar10-fast-cpu --scenario cifar10-fast-cpu --data-root ../shared/data \
        --pool tinyimagenet --output runs/seedmix.npz
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

# run as a file (python scripts/seed_queries.py), the repository root must be importable for ``benchmarks``
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from art_am.atomic import write_npz_atomic  # noqa: E402
from art_am.attacks import augment_seed_images  # noqa: E402
from benchmarks.data import evaluation_split, load_source  # noqa: E402
from benchmarks.presets import PRESETS  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--pool", help="name of the scenario's KnockoffNets query set to blend with (default: seeds)")
    parser.add_argument("--queries", type=int, help="number of queries (default: the scenario's KnockoffNets budget)")
    parser.add_argument("--max-shift", type=int, default=4)
    parser.add_argument("--mix-probability", type=float, default=0.5)
    parser.add_argument("--seed-weight", type=float, nargs=2, default=(0.6, 0.9), metavar=("LOW", "HIGH"))
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--output", required=True, help="the .npz archive to write")
    args = parser.parse_args(argv)

    if args.preset not in PRESETS:
        parser.error(f"--preset must be one of {sorted(PRESETS)}, got {args.preset!r}")
    named = {s.name: s for s in PRESETS[args.preset]}
    if args.scenario not in named:
        parser.error(f"--scenario must be one of preset {args.preset}'s {sorted(named)}, got {args.scenario!r}")
    scenario = named[args.scenario]
    split = evaluation_split(scenario.test_source, scenario.attacks.jbda_seeds, args.data_root, scenario.shuffle_test)
    pool = None
    if args.pool is not None:
        sources = scenario.attacks.knockoff_sources
        if args.pool not in sources:
            parser.error(f"--pool must be one of the scenario's query sets {sorted(sources)}, got {args.pool!r}")
        pool, _ = load_source(sources[args.pool], args.data_root)
    queries = augment_seed_images(
        split.x_seeds,
        args.queries or scenario.attacks.knockoff_queries,
        max_shift=args.max_shift,
        mix_probability=args.mix_probability,
        seed_weight=tuple(args.seed_weight),
        pool=pool,
        random_state=args.random_state,
    )
    pixels = np.round(np.clip(queries, 0.0, 1.0) * 255.0).astype(np.uint8)
    write_npz_atomic(args.output, {"x": pixels}, compressed=True)
    print(f"wrote {len(pixels)} queries {pixels.shape[1:]} to {args.output}")


if __name__ == "__main__":
    main()
