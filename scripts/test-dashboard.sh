#!/usr/bin/env bash
# Tests the engine's dashboard (minicloud serve → /dashboard/) in headless Chromium: installs Debian's
# chromium when missing and the pinned playwright-core (tests/dashboard), builds the CLI, runs node --test.
# SCREENSHOT=engine/dashboard.png bash scripts/test-dashboard.sh also refreshes the README's screenshot
# (install a CJK font first, e.g. Debian's fonts-wqy-microhei, or the Chinese labels show as boxes).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> dashboard: %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

step "chromium (Debian package)"
if ! command -v chromium >/dev/null; then
  as_root apt-get update
  as_root apt-get install -y chromium
fi

step "npm ci (playwright-core; pinned)"
(cd tests/dashboard && npm ci --no-audit --no-fund --loglevel=error)

step "build the minicloud CLI"
cargo build -p minicloud-cli

step "node --test (tests/dashboard)"
if [ -n "${SCREENSHOT:-}" ]; then SCREENSHOT="$(realpath -m "$SCREENSHOT")"; export SCREENSHOT; fi
(cd tests/dashboard && node --test)
