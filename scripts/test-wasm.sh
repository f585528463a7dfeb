#!/usr/bin/env bash
# Tests the wasm binding (bindings-wasm/, npm package minicloud-wasm): installs what it needs, builds the
# size-optimised package, lints the crate for wasm32, then runs node --test on bindings-wasm/test/: every
# shared vector on every host entry, the host behaviours (§1.8 defects, time limits, cancellation, loaders),
# end to end against the engine for every host, the web entry in headless Chromium, and the size ceiling.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> [wasm] %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The CLI must be exactly the version of the wasm-bindgen crate (pinned with = in bindings-wasm/Cargo.toml).
WASM_BINDGEN_VERSION=0.2.130
locked=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
if [ "$locked" != "$WASM_BINDGEN_VERSION" ]; then
  echo "Cargo.lock has wasm-bindgen $locked but scripts/test-wasm.sh pins the CLI at $WASM_BINDGEN_VERSION" >&2
  exit 1
fi

step "toolchain: wasm32 target, clippy, rustfmt"
rustup target add wasm32-unknown-unknown >/dev/null
rustup component add clippy rustfmt >/dev/null

step "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  # --locked first; a registry mirror that lacks one of the CLI's locked dependencies gets the newest
  # compatible ones instead (the CLI itself stays at the pinned version).
  cargo install --locked wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force ||
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

step "chromium (Debian package) for the browser test"
if ! command -v chromium >/dev/null; then
  as_root apt-get update
  as_root apt-get install -y chromium
fi

step "npm ci (binaryen's wasm-opt, playwright-core; pinned)"
(cd bindings-wasm && npm ci --no-audit --no-fund --loglevel=error)

step "cargo fmt and clippy for wasm32 (warnings are errors)"
cargo fmt -p minicloud-wasm -- --check
cargo clippy --no-deps -p minicloud-wasm --target wasm32-unknown-unknown -- -D warnings

step "build the package: cargo (wasm-release) → wasm-bindgen → wasm-opt -Oz"
bindings-wasm/build.sh

step "the engine CLI for the end-to-end tests"
cargo build -p minicloud-cli

step "node --test bindings-wasm/test/"
(cd bindings-wasm && node --test test/)

step "sizes per entry"
(cd bindings-wasm && node size.mjs)
