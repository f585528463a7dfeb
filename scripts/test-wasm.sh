#!/usr/bin/env bash
# Tests the wasm binding (bindings-wasm/, npm package minicloud-wasm): installs what it needs, builds the
# size-first package (wasm and JS builds, every entry), lints the crate for wasm32, then runs node --test on
# bindings-wasm/test/: every shared vector on every host entry (V8, JavaScriptCore, QuickJS), the host
# behaviours (§1.8 defects, time limits, cancellation, loaders, zero-config entries, hostile host APIs), end to
# end against the engine for every host, the web entry in headless Chromium, and the size ceilings.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> [wasm] %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The one artifact built on nightly (-Zbuild-std, panic=immediate-abort: no panic strings, no core::fmt); the
# native crates stay on stable. Pinned by date; bindings-wasm/build.sh reads the same variable.
export MINICLOUD_WASM_NIGHTLY=nightly-2026-05-19

step "toolchain: wasm32 target, clippy, rustfmt; $MINICLOUD_WASM_NIGHTLY with rust-src"
rustup target add wasm32-unknown-unknown >/dev/null
rustup component add clippy rustfmt >/dev/null
rustup toolchain install "$MINICLOUD_WASM_NIGHTLY" --profile minimal --component rust-src >/dev/null

step "JavaScriptCore's shell (Debian package) for the engine test"
if ! command -v jsc >/dev/null; then
  as_root apt-get update
  as_root apt-get install -y libjavascriptcoregtk-4.0-bin
fi

step "chromium (Debian package) for the browser test"
if ! command -v chromium >/dev/null; then
  as_root apt-get update
  as_root apt-get install -y chromium
fi

step "npm ci (binaryen's wasm-opt and wasm2js, esbuild, playwright-core, quickjs-emscripten; pinned)"
(cd bindings-wasm && npm ci --no-audit --no-fund --loglevel=error)

step "cargo fmt and clippy for wasm32 (warnings are errors)"
cargo fmt -p minicloud-wasm -- --check
cargo clippy --no-deps -p minicloud-wasm --target wasm32-unknown-unknown -- -D warnings

step "build the package: cargo (nightly, build-std) → wasm-opt -Oz (MVP) → wasm2js → esbuild"
bindings-wasm/build.sh

step "the engine CLI for the end-to-end tests"
cargo build -p minicloud-cli

step "node --test bindings-wasm/test/*.test.mjs"
(cd bindings-wasm && node --test test/*.test.mjs)

step "sizes per entry"
(cd bindings-wasm && node size.mjs)
