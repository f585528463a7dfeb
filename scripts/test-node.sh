#!/usr/bin/env bash
# Tests the Node binding (bindings-node/): installs its npm devDependencies (pinned @napi-rs/cli and
# typescript), builds the addon (debug) and the minicloud CLI the end-to-end tests start, type-checks a
# usage file against the package's .d.ts files, and runs node --test. Fails loudly at the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> node: %s\n' "$*"; }

command -v node >/dev/null || { echo "node is required (Node 18+)" >&2; exit 1; }
command -v cargo >/dev/null || { echo "cargo is required" >&2; exit 1; }

step "npm ci (bindings-node)"
# npm ci first. @napi-rs/cli's own native dependencies list one optional package per platform; a registry
# mirror holding only this platform's makes `npm ci` call the lock "out of sync", so then install from the
# same lock without rewriting it (loudly: the message says so).
(cd bindings-node && {
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || {
    echo "npm ci refused the lock (other platforms' optional packages are not on this registry); npm install --no-save from the lock instead"
    npm install --no-save --no-audit --no-fund --loglevel=error
  }
})

step "build the addon (napi build, debug; native.js is our own loader, so --no-js)"
(cd bindings-node && npx napi build --platform --no-js --dts native.d.ts)

step "build the minicloud CLI (the engine the end-to-end tests start)"
cargo build -p minicloud-cli

step "tsc --noEmit --strict on a usage file"
(cd bindings-node && npx tsc --noEmit --strict -p __test__/types/tsconfig.json)

step "node --test"
(cd bindings-node && MINICLOUD_BIN="$PWD/../target/debug/minicloud" node --test __test__/)
