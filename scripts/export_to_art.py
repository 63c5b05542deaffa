"""
Write the contribution as it would sit in an ART checkout: the defences and the JBDA attack at ART's paths with their
imports rewritten, the tests in ART's style (``scripts/art_tests/``: flat files, ``art_warning``,
``image_dl_estimator``, ``skip_framework``), and the lines to add to ART's ``__init__`` files and API pages.

    python scripts/export_to_art.py --out /path/to/adversarial-robustness-toolbox      # into a checkout
    python scripts/export_to_art.py --out /tmp/art-check --overlay-installed-art --with-shims

``--overlay-installed-art`` first copies the installed ``art`` package into ``--out`` (so the exported modules sit in
a complete ART tree), and ``--with-shims`` writes stand-ins for the two helpers of ART's repository that its wheel
does not ship (``tests/conftest.py``'s fixtures, ``tests/utils.ARTTestException``): together they let
``tests/test_export.py`` run the exported tests against ART as installed. Never use the shims in a real checkout.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# art_am module -> ART module (longest names first when rewriting)
MODULES = {
    "art_am.validation": "art.defences.postprocessor.validation",
    "art_am.metrics": "art.defences.postprocessor.ood_scores.metrics",
    "art_am.inference": "art.defences.postprocessor.inference_pytorch",
    "art_am.models.reinit": "art.defences.postprocessor.reinit_pytorch",
    "art_am.defences.ood_scores": "art.defences.postprocessor.ood_scores",
    "art_am.attacks.jacobian_augmentation": "art.attacks.extraction.jacobian_augmentation",
    **{
        f"art_am.defences.{name}": f"art.defences.postprocessor.{name}"
        for name in (
            "adaptive_misinformation",
            "input_aware",
            "probabilities",
            "calibration",
            "confidence_matching",
            "deceptive_perturbation",
            "top1",
            "prediction_poisoning",
            "mad_oracles",
        )
    },
}
PACKAGES = {"art_am.defences.ood_scores"}  # exported as folders
# Names in docstrings and messages: the packages' public names (mentions of art_am.training stay: its training helpers
# remain in the plugin).
REFERENCES = {"art_am.defences": "art.defences.postprocessor", "art_am.attacks": "art.attacks.extraction"}
TESTS = {
    "test_adaptive_misinformation.py": "tests/defences/test_adaptive_misinformation.py",
    "test_jacobian_augmentation.py": "tests/attacks/test_jacobian_augmentation.py",
}
INIT_LINES = {
    "art/defences/postprocessor/__init__.py": [
        "from art.defences.postprocessor.adaptive_misinformation import AdaptiveMisinformation",
        "from art.defences.postprocessor.deceptive_perturbation import DeceptivePerturbation",
        "from art.defences.postprocessor.prediction_poisoning import PredictionPoisoning",
    ],
    "art/attacks/extraction/__init__.py": [
        "from art.attacks.extraction.jacobian_augmentation import JacobianDatasetAugmentation",
    ],
}
RST = {
    "docs/modules/defences/postprocessor.rst": [
        "AdaptiveMisinformation",
        "DeceptivePerturbation",
        "PredictionPoisoning",
    ],
    "docs/modules/attacks/extraction.rst": ["JacobianDatasetAugmentation"],
}


def rewrite(text: str) -> str:
    """
    :return: ``text`` with every art_am module path replaced by its ART path.
    """
    for name in sorted(MODULES, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", MODULES[name], text)
    for name, target in REFERENCES.items():
        text = re.sub(rf"\b{re.escape(name)}\b", target, text)
    return text


def _path(module: str) -> str:
    return module.replace(".", os.sep)


def export(out: str, overlay_installed_art: bool = False, with_shims: bool = False) -> list[str]:
    """
    :return: The files written, relative to ``out``.
    """
    written = []
    if overlay_installed_art:
        import art  # pylint: disable=import-outside-toplevel

        shutil.copytree(os.path.dirname(art.__file__), os.path.join(out, "art"), dirs_exist_ok=True)
    for source, target in MODULES.items():
        if source in PACKAGES:
            folder = os.path.join(ROOT, _path(source))
            files = [(os.path.join(folder, f), os.path.join(_path(target), f)) for f in sorted(os.listdir(folder))]
        else:
            files = [(os.path.join(ROOT, _path(source) + ".py"), _path(target) + ".py")]
        for path, relative in files:
            if not path.endswith(".py"):
                continue
            with open(path, encoding="utf-8") as stream:
                text = rewrite(stream.read())
            os.makedirs(os.path.join(out, os.path.dirname(relative)), exist_ok=True)
            with open(os.path.join(out, relative), "w", encoding="utf-8") as stream:
                stream.write(text)
            written.append(relative)
    for name, relative in TESTS.items():
        os.makedirs(os.path.join(out, os.path.dirname(relative)), exist_ok=True)
        shutil.copyfile(os.path.join(ROOT, "scripts", "art_tests", name), os.path.join(out, relative))
        written.append(relative)
    notes = ["Add to ART's package __init__ files:"]
    for relative, lines in INIT_LINES.items():
        notes += [f"  {relative}:"] + [f"    {line}" for line in lines]
    notes.append("Add to ART's API pages:")
    for relative, classes in RST.items():
        notes += [f"  {relative}:"] + [f"    .. autoclass:: {name}\n       :members:" for name in classes]
    with open(os.path.join(out, "ART_CONTRIBUTION.txt"), "w", encoding="utf-8") as stream:
        stream.write("\n".join(notes) + "\n")
    written.append("ART_CONTRIBUTION.txt")
    if with_shims:
        written += _write_shims(out)
    return written


def _write_shims(out: str) -> list[str]:
    shims = {
        "tests/__init__.py": "",
        "tests/utils.py": "class ARTTestException(Exception):\n    pass\n",
        "tests/conftest.py": """import numpy as np
import pytest
import torch

from art.estimators.classification import PyTorchClassifier


def pytest_configure(config):
    config.addinivalue_line("markers", "skip_framework(*names): ART's marker (this shim runs PyTorch only)")


@pytest.fixture
def art_warning():
    def raise_it(exception):
        raise exception

    return raise_it


@pytest.fixture
def image_dl_estimator():
    def build(**kwargs):
        torch.manual_seed(0)
        layers = [torch.nn.Conv2d(1, 1, 7), torch.nn.ReLU(), torch.nn.MaxPool2d(4), torch.nn.Flatten()]
        model = torch.nn.Sequential(*layers, torch.nn.Linear(25, 10))
        estimator = PyTorchClassifier(
            model=model, loss=torch.nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
            input_shape=(1, 28, 28), nb_classes=10, clip_values=(0.0, 1.0),
        )
        return estimator, None

    return build
""",
    }
    for relative, text in shims.items():
        os.makedirs(os.path.join(out, os.path.dirname(relative)), exist_ok=True)
        with open(os.path.join(out, relative), "w", encoding="utf-8") as stream:
            stream.write(text)
    return list(shims)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="an ART checkout, or an empty folder")
    parser.add_argument("--overlay-installed-art", action="store_true", help="copy the installed art package first")
    parser.add_argument("--with-shims", action="store_true", help="stand-ins for ART's test helpers (checks only)")
    args = parser.parse_args(argv)
    written = export(args.out, args.overlay_installed_art, args.with_shims)
    print(f"wrote {len(written)} files under {args.out}; see ART_CONTRIBUTION.txt for the __init__ and rst lines")


if __name__ == "__main__":
    main()
