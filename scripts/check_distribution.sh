#!/usr/bin/env bash
# Build the wheel and the sdist, install the wheel into a fresh virtual environment, import and smoke-run it from
# outside the checkout, and run a share of the tests from the unpacked sdist (which carries tests/, benchmarks/,
# results/ and docs/). Usage: scripts/check_distribution.sh [python of the dev venv]
set -euxo pipefail
cd "$(dirname "$0")/.."
PYTHON="${1:-.venv/bin/python}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
df -h . "$WORK" || true  # the build writes the sdist (about 70 MB) and this check a second torch venv (about 5.5 GB)
"$PYTHON" -m build --no-isolation --outdir "$WORK/dist" .
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q -c constraints.txt "$WORK"/dist/*.whl pytest hypothesis matplotlib
(cd "$WORK" && "$WORK/venv/bin/python" - <<'PY'
import numpy as np
import torch
from art.estimators.classification import PyTorchClassifier

import art_am
from art_am.datasets import load_embedded_default
from art_am.defences import AdaptiveMisinformation
from art_am.models import create_model

assert "site-packages" in art_am.__file__, art_am.__file__
data = load_embedded_default()  # the package data travelled with the wheel
f, f_hat = create_model("lenet5", 10).eval(), create_model("lenet5", 10).eval()
am = AdaptiveMisinformation(misinformation_model=f_hat, threshold=0.5, preds_type="logits")
victim = PyTorchClassifier(
    model=f, loss=torch.nn.CrossEntropyLoss(), input_shape=(1, 28, 28), nb_classes=10, clip_values=(0.0, 1.0),
    postprocessing_defences=[am],
)
served = victim.predict(data.x_test[:64])
assert served.shape == (64, 10) and np.allclose(served.sum(axis=1), 1.0, atol=1e-5)
print("wheel smoke test passed:", art_am.__version__, art_am.__file__)
PY
)
mkdir "$WORK/sdist" && tar xzf "$WORK"/dist/*.tar.gz -C "$WORK/sdist"
cd "$WORK"/sdist/art_am-*
"$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider tests/defences/test_adaptive_misinformation.py tests/benchmarks/test_selection.py \
    tests/benchmarks/test_published_results.py
