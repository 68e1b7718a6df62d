#!/usr/bin/env bash
# Install Debian's chromium for the browser-checked tests, only when it is not there yet,
# so a CI runner with a cached image pays nothing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    echo "chromium present: $(chromium --version 2>/dev/null || echo unknown version)"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
echo "chromium installed: $(chromium --version 2>/dev/null || echo unknown version)"
