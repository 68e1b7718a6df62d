#!/usr/bin/env bash
# Set up ./.venv (scripts/setup_env.sh) and run the test suite. Extra arguments go to pytest,
# e.g. `bash scripts/run_tests.sh -m "not slow"` or `bash scripts/run_tests.sh tests/test_data.py`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
# The browser-checked tests need Debian's chromium; install it where we may (root, or CI).
if ! command -v chromium >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "${CI:-}" ]; }; then
    bash .ci/install_browser.sh
fi
exec .venv/bin/python -m pytest "$@"
