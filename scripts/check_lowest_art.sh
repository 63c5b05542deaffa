#!/usr/bin/env bash
# The whole test suite against the lowest supported ART (constraints-lowest.txt), in a fresh virtual environment: the
# lower end of SUPPORTED_ART_VERSIONS and setup.py's range (the upper end is constraints.txt's pin, which the main CI
# step tests). Ray is not installed here, so the Ray executor test skips (it tests the engine, not ART).
# Usage: scripts/check_lowest_art.sh
set -euxo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q -c constraints-lowest.txt . pytest hypothesis matplotlib
LOWEST="$(sed -n 's/^adversarial-robustness-toolbox==//p' constraints-lowest.txt)"
"$WORK/venv/bin/python" -c "import art, sys; assert art.__version__ == sys.argv[1], art.__version__" "$LOWEST"
# ART <= 1.19 installs a top-level "tests" package: ours must still be the one imported (tests/__init__.py).
"$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider -W "ignore:pkg_resources is deprecated" tests
# PR 1 of docs/upstream.md applied to this ART version (scripts/check_art_patch.py).
"$WORK/venv/bin/python" scripts/check_art_patch.py
