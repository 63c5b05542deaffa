"""ART's rule for modules under art/defences: importing them does not import a deep-learning framework."""

import ast
import importlib
import os

import numpy as np
import pytest
from art.estimators.classification import BlackBoxClassifier

from art_am.defences import AdaptiveMisinformation

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# The modules Adaptive Misinformation, Deceptive Perturbation and the output scores need. The PyTorch-only modules
# (Prediction Poisoning, the MAD oracles, the feature scores, the sign-step detector, art_am.inference) may import it.
FRAMEWORK_FREE = [
    "art_am/validation.py",
    "art_am/metrics.py",
    "art_am/defences/__init__.py",
    "art_am/defences/adaptive_misinformation.py",
    "art_am/defences/input_aware.py",
    "art_am/defences/probabilities.py",
    "art_am/defences/calibration.py",
    "art_am/defences/confidence_matching.py",
    "art_am/defences/deceptive_perturbation.py",
    "art_am/defences/top1.py",
    "art_am/defences/ood_scores/__init__.py",
    "art_am/defences/ood_scores/base.py",
    "art_am/defences/ood_scores/combined.py",
    "art_am/defences/ood_scores/noise_level.py",
    "art_am/defences/ood_scores/output_scores.py",
]
FRAMEWORKS = ("torch", "torchvision", "tensorflow", "keras", "jax")


def _top_level_imports(path: str) -> list[str]:
    """Modules imported at module level (inside functions and under ``if TYPE_CHECKING:`` do not count)."""
    tree = ast.parse(open(os.path.join(ROOT, path), encoding="utf-8").read())
    found = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


@pytest.mark.parametrize("path", FRAMEWORK_FREE)
def test_the_framework_free_modules_import_no_framework_at_top_level(path):
    frameworks = [name for name in _top_level_imports(path) if name.split(".")[0] in FRAMEWORKS]
    assert not frameworks, f"{path} imports {frameworks} at module level"
    # nor do the art_am modules it imports at top level
    for name in _top_level_imports(path):
        if name.startswith("art_am."):
            module = name.replace(".", "/") + ".py"
            package = name.replace(".", "/") + "/__init__.py"
            assert module in FRAMEWORK_FREE or package in FRAMEWORK_FREE, f"{path} imports {name} at module level"


def _modules_under(*folders: str) -> list[str]:
    found = []
    for folder in folders:
        for base, _, names in os.walk(os.path.join(ROOT, folder)):
            found += [os.path.relpath(os.path.join(base, n), ROOT) for n in names if n.endswith(".py")]
    return sorted(found)


@pytest.mark.parametrize("path", _modules_under("art_am/defences", "art_am/attacks"))
def test_modules_that_import_torch_follow_arts_pytorch_naming(path):
    """ART's rule for the rest: a module under art/defences or art/attacks that imports torch at top level carries
    ``_pytorch`` in its name, and so do its classes (``PyTorch`` suffix); the earlier names stay as plain aliases."""
    frameworks = [name for name in _top_level_imports(path) if name.split(".")[0] in FRAMEWORKS]
    if not frameworks:
        return
    assert path.endswith("_pytorch.py"), f"{path} imports {frameworks} at top level but lacks the _pytorch suffix"
    tree = ast.parse(open(os.path.join(ROOT, path), encoding="utf-8").read())
    public = [node.name for node in tree.body if isinstance(node, ast.ClassDef) and not node.name.startswith("_")]
    assert public and all(name.endswith("PyTorch") for name in public), f"{path}: classes {public}"


def test_the_lazy_exports_still_resolve():
    from art_am.defences import (
        PredictionPoisoning,  # pylint: disable=import-outside-toplevel
        PredictionPoisoningPyTorch,  # pylint: disable=import-outside-toplevel
    )
    from art_am.defences.ood_scores import (
        SignStepDetector,  # pylint: disable=import-outside-toplevel
        SignStepDetectorPyTorch,  # pylint: disable=import-outside-toplevel
    )

    assert PredictionPoisoning is PredictionPoisoningPyTorch and SignStepDetector is SignStepDetectorPyTorch
    assert SignStepDetector.name == "sign-detector"
    with pytest.raises(AttributeError, match="no attribute"):
        _ = importlib.import_module("art_am.defences").Nonexistent


def test_any_art_classifier_serves_as_the_misinformation_model(rng):
    """A framework-free f_hat (a BlackBoxClassifier over NumPy) gives the formula's answer."""
    x = rng.random((40, 1, 28, 28), dtype=np.float32)
    logits = rng.normal(size=(40, 10)) * 3
    victim = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    misinformation = rng.dirichlet(np.ones(10), 40)
    rows = {row.tobytes(): i for i, row in enumerate(x)}
    f_hat = BlackBoxClassifier(
        lambda batch: misinformation[[rows[row.tobytes()] for row in batch]], (1, 28, 28), 10, clip_values=(0, 1)
    )
    tau = float(np.median(victim.max(1)))
    served = AdaptiveMisinformation(f_hat, threshold=tau, preds_type="probabilities")(victim, x=x)
    # reference: the paper's blend written out
    weight = 1.0 / (1.0 + np.exp(np.clip(1000.0 * (victim.max(1) - tau), -700, 700)))
    expected = (1 - weight[:, None]) * victim + weight[:, None] * misinformation
    np.testing.assert_allclose(served, expected, atol=1e-6)
