"""
PR 1 of docs/upstream.md as a patch that applies: ``scripts/upstream/art-pr1-postprocessor-input.patch`` lets ART's
estimators pass the query ``x`` (and themselves, ``estimator``) to the postprocessors whose ``__call__`` declares
them. This script applies it to a throw-away copy of the installed ``art`` package and checks, each model and defence
served at batch sizes 1, 7 and 128 through ``PyTorchClassifier.predict``:

1. ART's five postprocessors (ReverseSigmoid, Rounded, HighConfidence, ClassLabels, GaussianNoise) give the same
   outputs through the patched ART as through the installed one (they declare no ``x`` and are called as before);
2. AdaptiveMisinformation and PredictionPoisoning (default and explicit surrogate) served by the patched ART, with
   art_am's frame walk disabled (it raises if reached), give the same answers as today's frame walk on the installed
   ART;
3. a postprocessor declaring ``x`` and ``estimator`` receives exactly the predict input and the estimator.

Each side runs in its own process (the patched copy first on ``PYTHONPATH``). Exit status 0 when every check holds.

    python scripts/check_art_patch.py            # against the installed ART (CI: 1.20.1, and 1.17.1 in check_lowest)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATCH = os.path.join(ROOT, "scripts", "upstream", "art-pr1-postprocessor-input.patch")
BATCH_SIZES = (1, 7, 128)


def _serve(output: str, patched: bool) -> None:
    """Child process: every defence's answers through PyTorchClassifier.predict, saved to ``output``."""
    # pylint: disable=import-outside-toplevel
    from unittest import mock

    import torch
    from art.defences.postprocessor import ClassLabels, GaussianNoise, HighConfidence, ReverseSigmoid, Rounded
    from art.defences.postprocessor.postprocessor import Postprocessor
    from art.estimators.classification import PyTorchClassifier

    import art_am.defences.input_aware as input_aware
    from art_am.defences import AdaptiveMisinformation, PredictionPoisoning

    def model(seed: int) -> torch.nn.Module:
        torch.manual_seed(seed)
        return torch.nn.Sequential(
            torch.nn.Conv2d(1, 4, 5),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(4),
            torch.nn.Flatten(),
            torch.nn.Linear(144, 10),
        )

    class Recorder(Postprocessor):
        """Records what the estimator passes."""

        def __init__(self) -> None:
            super().__init__(is_fitted=True, apply_fit=False, apply_predict=True)
            self.seen: list = []

        def __call__(self, preds, x=None, estimator=None):  # pylint: disable=arguments-differ
            self.seen.append((x, estimator))
            return preds

    x = np.random.default_rng(0).random((150, 1, 28, 28), dtype=np.float32)
    defences = {
        "reverse_sigmoid": lambda: ReverseSigmoid(beta=1.0, gamma=0.2),
        "rounded": lambda: Rounded(decimals=2),
        "high_confidence": lambda: HighConfidence(cutoff=0.3),
        "class_labels": ClassLabels,
        "gaussian_noise": lambda: GaussianNoise(scale=0.1),
        "am": lambda: AdaptiveMisinformation(misinformation_model=model(1), threshold=0.3),
        "pp_default_surrogate": lambda: PredictionPoisoning(epsilon=0.5),
        "pp_surrogate": lambda: PredictionPoisoning(surrogate_model=model(2), epsilon=1.0, oracle="argmax"),
    }
    answers = {}
    walk = mock.patch.object(
        input_aware, "_query_from_calling_frames", side_effect=AssertionError("the frame walk was reached")
    )
    with walk if patched else mock.patch.object(input_aware, "_lists_postprocessor", input_aware._lists_postprocessor):
        for name, make in defences.items():
            for batch_size in BATCH_SIZES:
                np.random.seed(0)  # GaussianNoise draws from NumPy's global generator
                victim = model(0)
                classifier = PyTorchClassifier(
                    model=victim,
                    loss=torch.nn.CrossEntropyLoss(),
                    input_shape=(1, 28, 28),
                    nb_classes=10,
                    clip_values=(0.0, 1.0),
                    postprocessing_defences=[make()],
                )
                answers[f"{name}-{batch_size}"] = classifier.predict(x, batch_size=batch_size)
        recorder = Recorder()
        classifier = PyTorchClassifier(
            model=model(0),
            loss=torch.nn.CrossEntropyLoss(),
            input_shape=(1, 28, 28),
            nb_classes=10,
            postprocessing_defences=[recorder],
        )
        classifier.predict(x, batch_size=7)
        ((seen_x, seen_estimator),) = recorder.seen
        answers["recorder_x_is_input"] = np.array(seen_x is x)
        answers["recorder_estimator_is_classifier"] = np.array(seen_estimator is classifier)
    np.savez(output, **answers)


def _apply_patch(target: str) -> None:
    import art  # pylint: disable=import-outside-toplevel

    shutil.copytree(os.path.dirname(art.__file__), os.path.join(target, "art"))
    subprocess.run(["git", "apply", "-p1", PATCH], cwd=target, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--patched", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.patched)
        return 0
    import art  # pylint: disable=import-outside-toplevel

    with tempfile.TemporaryDirectory() as work:
        patched_root = os.path.join(work, "patched")
        os.makedirs(patched_root)
        _apply_patch(patched_root)
        results = {}
        for side in ("installed", "patched"):
            output = os.path.join(work, f"{side}.npz")
            env = dict(os.environ)
            command = [sys.executable, os.path.abspath(__file__), "--serve", output]
            if side == "patched":
                env["PYTHONPATH"] = os.pathsep.join([patched_root, env.get("PYTHONPATH", "")])
                command.append("--patched")
            subprocess.run(command, env=env, check=True)
            with np.load(output) as archive:
                results[side] = {key: archive[key] for key in archive.files}
    installed, patched = results["installed"], results["patched"]
    failures = []
    for key in sorted(k for k in installed if not k.startswith("recorder")):
        if not np.array_equal(installed[key], patched[key]):
            failures.append(f"{key}: max difference {np.max(np.abs(installed[key] - patched[key])):.3g}")
    if not patched["recorder_x_is_input"] or not patched["recorder_estimator_is_classifier"]:
        failures.append("the patched estimator did not pass its input and itself to a postprocessor declaring them")
    if installed["recorder_x_is_input"]:
        failures.append("the installed ART already passes x: the check would not tell the patch's effect")
    print(
        f"ART {art.__version__}: {len(installed) - 2} served answers compared (installed vs patched, batch sizes "
        f"{BATCH_SIZES}); the frame walk was disabled on the patched side"
    )
    for failure in failures:
        print(f"FAIL {failure}")
    print("OK" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
