"""
The share of the seed-image query sets (``runs/seedmix.npz``, ``runs/seedshift.npz``, written by
``scripts/seed_queries.py``) below AM's tau under seed 0's OE defender of the optimistic scenario (tau 0.27) and of
the broad-outlier probe (tau 0.2), read from the model cache the runs trained:

    python scripts/broad_probe_shares.py --cache-dir /work/cache-cpu > results/cifar10-fast-cpu-broad/query_shares.json
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from art_am.inference import predict_proba  # noqa: E402
from art_am.training import load_checkpoint  # noqa: E402
from benchmarks.data import load_source  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--runs", default="runs", help="folder of the query archives")
    args = parser.parse_args()
    sets = {name: load_source(f"file:{args.runs}/{name}.npz", "")[0] for name in ("seedmix", "seedshift")}
    shares = {}
    for label, scenario, tau in (("optimistic", "cifar10-fast-cpu", 0.27), ("broad", "cifar10-fast-cpu-broad", 0.2)):
        (path,) = glob.glob(os.path.join(args.cache_dir, f"{scenario}-oe-seed0-*.pt"))
        model, _ = load_checkpoint(path)
        for name, x in sets.items():
            below = float((predict_proba(model.eval(), x).max(1) < tau).mean())
            shares[f"{label}/{name}"] = {"oe_checkpoint": os.path.basename(path), "tau": tau, "below": below}
    print(json.dumps(shares, indent=1))


if __name__ == "__main__":
    main()
