"""The contribution exported at ART's paths passes its ART-style tests against ART as installed."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _export_module():
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    try:
        import export_to_art  # pylint: disable=import-outside-toplevel
    finally:
        sys.path.pop(0)
    return export_to_art


EXPORT = _export_module()
PRS_WITH_TESTS = [name for name, pr in EXPORT.PULL_REQUESTS.items() if pr.tests]


@pytest.mark.parametrize("pr", PRS_WITH_TESTS)
def test_each_pull_request_passes_its_art_style_tests_alone(tmp_path, pr):
    """Each PR exported with only its dependencies' files runs its own ART-style tests against ART as installed."""
    written = EXPORT.export(str(tmp_path), overlay_installed_art=True, with_shims=True, pr=pr)
    for relative in written:
        if relative.endswith(".py") and relative.startswith("art/"):
            text = open(tmp_path / relative, encoding="utf-8").read()
            # no code dependency on the plugin (docstrings may name its training helpers, which stay there)
            assert not re.search(r"^\s*(from|import) art_am", text, re.M), f"{relative} still imports art_am"
    notes = open(tmp_path / "ART_CONTRIBUTION.txt", encoding="utf-8").read()
    assert notes.startswith(f"# {pr}") and "**Title:**" in notes
    environment = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "tests"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    expected = sum(
        open(os.path.join(ROOT, "scripts", "art_tests", name)).read().count("\ndef test_")
        for name in EXPORT.PULL_REQUESTS[pr].tests
    )
    assert f"{expected} passed" in result.stdout


def test_every_pull_request_has_a_description_and_known_dependencies():
    for name, pr in EXPORT.PULL_REQUESTS.items():
        assert os.path.isfile(os.path.join(ROOT, "scripts", "upstream", f"{name}.md")), name
        assert all(dependency in EXPORT.PULL_REQUESTS for dependency in pr.depends_on)
    assert [pr.name for pr in EXPORT.with_dependencies("pr5-prediction-poisoning")] == [
        "pr1-postprocessor-input",
        "pr2-deceptive-perturbation",
        "pr4-adaptive-misinformation",
        "pr5-prediction-poisoning",
    ]
    with pytest.raises(ValueError, match="Unknown pull request"):
        EXPORT.with_dependencies("pr9")
