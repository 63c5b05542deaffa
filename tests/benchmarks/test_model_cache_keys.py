"""The model cache's digests: every committed checkpoint is found under the key its scenario computes today, so that
a run resumed from them loads its models instead of silently retraining them (a recipe field added to the key at its
default once changed every earlier digest). Packed checkpoints (``benchmarks.checkpoint_pack``) count under the name
they unpack to."""

import glob
import os

import pytest

from benchmarks.checkpoint_pack import SUFFIX
from benchmarks.model_cache import CHECKPOINT_NAME, _digest, _key
from benchmarks.presets import PRESETS

RESULTS = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "results")


def test_every_committed_checkpoint_keeps_its_digest():
    scenarios = {s.name: s for preset in PRESETS.values() for s in preset}
    checked = 0
    committed = glob.glob(os.path.join(RESULTS, "*", "checkpoints", "*.pt"))
    packed = glob.glob(os.path.join(RESULTS, "*", "checkpoints", "*.pt" + SUFFIX))  # unpacked under the same name
    for path in sorted(committed + [path[: -len(SUFFIX)] for path in packed]):
        match = CHECKPOINT_NAME.match(os.path.basename(path))
        if match is None or match.group(1) not in scenarios:
            continue
        name, kind, seed, digest = match.groups()
        assert _digest(_key(scenarios[name], kind, int(seed))) == digest, os.path.basename(path)
        checked += 1
    if checked == 0:
        pytest.skip("no committed checkpoints here (the source distribution leaves them out)")
    assert checked >= 30  # ResNet-8 CIFAR-10 and Flowers-17 runs, and the fast recipe's
