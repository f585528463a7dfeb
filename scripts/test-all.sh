#!/usr/bin/env bash
# Runs every test of minicloud, installing what it needs first. This is the README's test command and
# what CI (.ci/run) calls. Fails loudly at the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain: rustfmt, clippy, wasm32 target"
rustup component add rustfmt clippy >/dev/null
rustup target add wasm32-unknown-unknown >/dev/null

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests (core vectors, transport faults, engine, CLI)"
cargo test --workspace

step "core builds for wasm32-unknown-unknown"
cargo check -p minicloud-core --target wasm32-unknown-unknown

step "the protocol machine alone builds for wasm32-unknown-unknown, without serde_json or futures"
cargo check -p minicloud-core --no-default-features --target wasm32-unknown-unknown
if cargo tree -p minicloud-core --no-default-features --target wasm32-unknown-unknown -e normal --prefix none |
  grep -E '^(serde_json|futures)'; then
  echo "the machine's wasm32 build must not depend on serde_json or futures (ARCHITECTURE.md)" >&2
  exit 1
fi

step "official minapp-sdk 3.23.6: the shared vectors, and signing in to the engine (tests/reference)"
cargo build -p minicloud-cli
(cd tests/reference && npm ci --no-audit --no-fund --loglevel=error && node --test)

# --- bindings: each binding adds one step below, calling its own script (scripts/test-<binding>.sh) ---
step "Node binding (bindings-node)"; bash scripts/test-node.sh
step "Kotlin, Swift and Python bindings (bindings-uniffi)"; bash scripts/test-uniffi.sh
step "wasm binding for browsers and the seven mini-program hosts (bindings-wasm)"; bash scripts/test-wasm.sh
step "the engine's dashboard in headless Chromium (tests/dashboard)"; bash scripts/test-dashboard.sh
# (end of bindings)

step "packages: each one packed, installed from outside the repository and invoked (scripts/test-packages.sh)"
bash scripts/test-packages.sh

printf '\nall minicloud tests passed\n'
