"""
Write the contribution as it would sit in an ART checkout, one pull request at a time (``docs/upstream.md``): each PR's
modules at ART's paths with their imports rewritten, its tests in ART's style (``scripts/art_tests/``: flat files,
``art_warning``, ``image_dl_estimator``, ``skip_framework``), its description (``scripts/upstream/pr*.md``) and the
lines to add to ART's ``__init__`` files and API pages. A PR's export holds the files of the PRs it depends on too, so
that its tests run; PR 1 is a patch to ART itself (``scripts/upstream/art-pr1-postprocessor-input.patch``, checked by
``scripts/check_art_patch.py``).

    python scripts/export_to_art.py --pr pr4-adaptive-misinformation --out /path/to/adversarial-robustness-toolbox
    python scripts/export_to_art.py --out /tmp/art-check --overlay-installed-art --with-shims     # every PR at once

``--overlay-installed-art`` first copies the installed ``art`` package into ``--out`` (so the exported modules sit in
a complete ART tree), and ``--with-shims`` writes stand-ins for the two helpers of ART's repository that its wheel
does not ship (``tests/conftest.py``'s fixtures, ``tests/utils.ARTTestException``): together they let
``tests/test_export.py`` run each PR's exported tests against ART as installed. Never use the shims in a checkout.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UPSTREAM = os.path.join(ROOT, "scripts", "upstream")
POSTPROCESSOR = "art.defences.postprocessor"

# art_am module -> ART module (longest names first when rewriting)
MODULES = {
    "art_am.validation": f"{POSTPROCESSOR}.validation",
    "art_am.metrics": f"{POSTPROCESSOR}.ood_scores.metrics",
    "art_am.inference": f"{POSTPROCESSOR}.inference_pytorch",
    "art_am.models.reinit": f"{POSTPROCESSOR}.reinit_pytorch",
    "art_am.defences.ood_scores": f"{POSTPROCESSOR}.ood_scores",
    "art_am.attacks.checks": "art.attacks.extraction.extraction_checks",
    "art_am.attacks.jacobian_augmentation": "art.attacks.extraction.jacobian_augmentation",
    **{
        f"art_am.defences.{name}": f"{POSTPROCESSOR}.{name}"
        for name in (
            "adaptive_misinformation",
            "input_aware",
            "probabilities",
            "calibration",
            "confidence_matching",
            "deceptive_perturbation",
            "top1",
            "prediction_poisoning_pytorch",
            "mad_oracles",
        )
    },
}
PACKAGES = {"art_am.defences.ood_scores"}  # exported as folders
# Names in docstrings and messages: the packages' public names (mentions of art_am.training stay: its training helpers
# remain in the plugin).
REFERENCES = {"art_am.defences": POSTPROCESSOR, "art_am.attacks": "art.attacks.extraction"}


@dataclass(frozen=True)
class PullRequest:
    """
    One pull request to ART.

    :param name: Its key, also the name of its description ``scripts/upstream/<name>.md``.
    :param modules: The art_am modules it adds.
    :param tests: ``scripts/art_tests`` file -> its path in ART.
    :param init_lines: ART ``__init__`` file -> the import lines to add.
    :param rst: ART API page -> the classes to document.
    :param depends_on: PRs whose files it needs.
    :param patch: A patch to ART's own files instead of new files.
    """

    name: str
    modules: tuple[str, ...] = ()
    tests: dict[str, str] = field(default_factory=dict)
    init_lines: dict[str, list[str]] = field(default_factory=dict)
    rst: dict[str, list[str]] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    patch: str | None = None


_INIT = "art/defences/postprocessor/__init__.py"
_RST = "docs/modules/defences/postprocessor.rst"
PULL_REQUESTS = {
    pr.name: pr
    for pr in (
        PullRequest("pr1-postprocessor-input", patch="art-pr1-postprocessor-input.patch"),
        PullRequest(
            "pr2-deceptive-perturbation",
            modules=(
                "art_am.validation",
                "art_am.defences.probabilities",
                "art_am.defences.top1",
                "art_am.defences.deceptive_perturbation",
            ),
            tests={"test_deceptive_perturbation.py": "tests/defences/test_deceptive_perturbation.py"},
            init_lines={_INIT: [f"from {POSTPROCESSOR}.deceptive_perturbation import DeceptivePerturbation"]},
            rst={_RST: ["DeceptivePerturbation"]},
        ),
        PullRequest("pr3-knockoff-seed"),  # a change to ART's KnockoffNets, described only (no new file)
        PullRequest(
            "pr4-adaptive-misinformation",
            modules=(
                "art_am.metrics",
                "art_am.inference",
                "art_am.defences.input_aware",
                "art_am.defences.ood_scores",
                "art_am.defences.adaptive_misinformation",
                "art_am.defences.calibration",
                "art_am.defences.confidence_matching",
            ),
            tests={"test_adaptive_misinformation.py": "tests/defences/test_adaptive_misinformation.py"},
            init_lines={_INIT: [f"from {POSTPROCESSOR}.adaptive_misinformation import AdaptiveMisinformation"]},
            rst={_RST: ["AdaptiveMisinformation"]},
            depends_on=("pr1-postprocessor-input", "pr2-deceptive-perturbation"),
        ),
        PullRequest(
            "pr5-prediction-poisoning",
            modules=(
                "art_am.models.reinit",
                "art_am.defences.mad_oracles",
                "art_am.defences.prediction_poisoning_pytorch",
            ),
            tests={"test_prediction_poisoning.py": "tests/defences/test_prediction_poisoning.py"},
            init_lines={
                _INIT: [f"from {POSTPROCESSOR}.prediction_poisoning_pytorch import PredictionPoisoningPyTorch"]
            },
            rst={_RST: ["PredictionPoisoningPyTorch"]},
            depends_on=("pr4-adaptive-misinformation",),
        ),
        PullRequest(
            "pr6-jacobian-augmentation",
            modules=("art_am.attacks.checks", "art_am.attacks.jacobian_augmentation"),
            tests={"test_jacobian_augmentation.py": "tests/attacks/test_jacobian_augmentation.py"},
            init_lines={
                "art/attacks/extraction/__init__.py": [
                    "from art.attacks.extraction.jacobian_augmentation import JacobianDatasetAugmentation"
                ]
            },
            rst={"docs/modules/attacks/extraction.rst": ["JacobianDatasetAugmentation"]},
            depends_on=("pr2-deceptive-perturbation",),
        ),
    )
}


def with_dependencies(name: str) -> list[PullRequest]:
    """
    :return: The PR and every PR it depends on, dependencies first.
    :raises ValueError: For an unknown PR name.
    """
    if name not in PULL_REQUESTS:
        raise ValueError(f"Unknown pull request {name!r}; known: {', '.join(PULL_REQUESTS)}.")
    ordered: list[PullRequest] = []
    for dependency in PULL_REQUESTS[name].depends_on:
        ordered += [pr for pr in with_dependencies(dependency) if pr not in ordered]
    return ordered + [PULL_REQUESTS[name]]


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


def export(out: str, overlay_installed_art: bool = False, with_shims: bool = False, pr: str | None = None) -> list[str]:
    """
    :param out: The folder to write into (an ART checkout, or an empty folder).
    :param overlay_installed_art: Copy the installed ``art`` package into ``out`` first.
    :param with_shims: Write stand-ins for ART's test helpers (checks only).
    :param pr: One pull request (with its dependencies' files; only its own tests), or None for all of them.
    :return: The files written, relative to ``out``.
    """
    requests = list(PULL_REQUESTS.values()) if pr is None else with_dependencies(pr)
    own = requests if pr is None else requests[-1:]
    written = []
    if overlay_installed_art:
        import art  # pylint: disable=import-outside-toplevel

        shutil.copytree(os.path.dirname(art.__file__), os.path.join(out, "art"), dirs_exist_ok=True)
    for request in requests:
        for source in request.modules:
            written += _export_module(out, source)
    for request in own:
        for name, relative in request.tests.items():
            os.makedirs(os.path.join(out, os.path.dirname(relative)), exist_ok=True)
            shutil.copyfile(os.path.join(ROOT, "scripts", "art_tests", name), os.path.join(out, relative))
            written.append(relative)
    notes = []
    for request in own:
        notes += [f"# {request.name}", ""]
        with open(os.path.join(UPSTREAM, f"{request.name}.md"), encoding="utf-8") as stream:
            notes.append(stream.read().rstrip())
        if request.patch:
            notes += ["", f"Apply scripts/upstream/{request.patch} to ART (git apply)."]
        for relative, lines in request.init_lines.items():
            notes += ["", f"Add to {relative}:"] + [f"    {line}" for line in lines]
        for relative, classes in request.rst.items():
            notes += ["", f"Add to {relative}:"] + [f"    .. autoclass:: {name}\n       :members:" for name in classes]
        notes.append("")
    with open(os.path.join(out, "ART_CONTRIBUTION.txt"), "w", encoding="utf-8") as stream:
        stream.write("\n".join(notes) + "\n")
    written.append("ART_CONTRIBUTION.txt")
    if with_shims:
        written += _write_shims(out)
    return written


def _export_module(out: str, source: str) -> list[str]:
    target = MODULES[source]
    if source in PACKAGES:
        folder = os.path.join(ROOT, _path(source))
        files = [(os.path.join(folder, f), os.path.join(_path(target), f)) for f in sorted(os.listdir(folder))]
    else:
        files = [(os.path.join(ROOT, _path(source) + ".py"), _path(target) + ".py")]
    written = []
    for path, relative in files:
        if not path.endswith(".py"):
            continue
        with open(path, encoding="utf-8") as stream:
            text = rewrite(stream.read())
        os.makedirs(os.path.join(out, os.path.dirname(relative)), exist_ok=True)
        with open(os.path.join(out, relative), "w", encoding="utf-8") as stream:
            stream.write(text)
        written.append(relative)
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
    parser.add_argument("--pr", choices=sorted(PULL_REQUESTS), default=None, help="one pull request (default: all)")
    args = parser.parse_args(argv)
    written = export(args.out, args.overlay_installed_art, args.with_shims, args.pr)
    print(f"wrote {len(written)} files under {args.out}; see ART_CONTRIBUTION.txt for the __init__ and rst lines")


if __name__ == "__main__":
    main()
