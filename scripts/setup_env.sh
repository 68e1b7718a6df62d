#!/usr/bin/env bash
# Create ./.venv with everything the toolkit and its tests need. Idempotent; offline-safe
# apart from the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }
pip install -c constraints.txt $(grep -v -E '^\s*(#|$)|^visdom' requirements.txt) -r requirements-dev.txt
# visdom's sdist imports pkg_resources at build time (gone from setuptools >= 81).
pip install "setuptools<81" wheel
pip install -c constraints.txt --no-build-isolation visdom
# the toolkit itself, editable (pyproject.toml): its modules import from anywhere, its crossnet-* commands
pip install --no-deps --no-build-isolation -e .
# visdom's web assets from the npm registry (cached in .cache/), so its server starts offline.
.venv/bin/python scripts/install_visdom_assets.py
echo "environment ready: $(pwd)/.venv"
