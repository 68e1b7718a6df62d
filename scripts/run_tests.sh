#!/usr/bin/env bash
# Set up ./.venv (scripts/setup_env.sh) and run the test suite, without the tests marked slow
# (long end-to-end runs at upstream's sizes, Inception on real images). Extra arguments go to
# pytest: `bash scripts/run_tests.sh -m slow` runs the slow ones, `-m ""` everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
# The browser-checked tests need Debian's chromium; install it where we may (root, or CI).
if ! command -v chromium >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "${CI:-}" ]; }; then
    bash .ci/install_browser.sh
fi
exec .venv/bin/python -m pytest -m "not slow" "$@"
