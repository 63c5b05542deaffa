"""The contribution exported at ART's paths passes its ART-style tests against ART as installed."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_exported_tree_passes_its_art_style_tests(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    try:
        from export_to_art import export  # pylint: disable=import-outside-toplevel
    finally:
        sys.path.pop(0)
    written = export(str(tmp_path), overlay_installed_art=True, with_shims=True)
    assert "art/defences/postprocessor/adaptive_misinformation.py" in written
    for relative in written:
        if relative.endswith(".py") and relative.startswith("art/"):
            text = open(tmp_path / relative, encoding="utf-8").read()
            # no code dependency on the plugin (docstrings may name its training helpers, which stay there)
            assert not re.search(r"^\s*(from|import) art_am", text, re.M), f"{relative} still imports art_am"
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
    assert "5 passed" in result.stdout
