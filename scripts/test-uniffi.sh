#!/usr/bin/env bash
# Tests the uniffi bindings (bindings-uniffi/): builds the cdylib, the pinned uniffi-bindgen and the CLI once,
# checks the checked-in Swift bindings against a fresh generation, runs the Kotlin tests (mvn test: the pom
# generates the Kotlin bindings and puts the cdylib on the classpath as a JNA resource) and the
# Python tests (maturin develop into a venv, pytest). Installs what it needs; fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
UNIFFI="$ROOT/bindings-uniffi"

step() { printf '\n==> uniffi: %s\n' "$*"; }
apt_install() {
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update && $sudo apt-get install -y "$@"
}
need_apt() { # need_apt <command> <package>: installs the Debian package when the command is missing
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
}

step "tools (Java 17, Maven, Python venv)"
need_apt java openjdk-17-jdk-headless
need_apt mvn maven
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_install python3-venv

step "build the cdylib (with its test-only panicking exports), uniffi-bindgen (same uniffi version) and the CLI (debug, once)"
cargo build -p minicloud-uniffi -p minicloud-cli --features minicloud-uniffi/test-support
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
LIBDIR="$TARGET_DIR/debug"
LIB="$LIBDIR/libminicloud_uniffi.so"
BINDGEN="$LIBDIR/uniffi-bindgen"
export MINICLOUD_CLI="$LIBDIR/minicloud"

step "Swift: checked-in bindings match a fresh generation (no Swift compiler here; see bindings-uniffi/README.md)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$UNIFFI/swift/generate.sh" "$BINDGEN" "$LIB" "$scratch"
for f in Sources/Minicloud/Minicloud.swift Sources/MinicloudFFI/include/MinicloudFFI.h \
  Sources/MinicloudFFI/include/module.modulemap; do
  if ! diff -u "$UNIFFI/swift/$f" "$scratch/$f" >"$scratch/drift.diff"; then
    head -n 40 "$scratch/drift.diff"
    echo "bindings-uniffi/swift/$f is stale: run bindings-uniffi/swift/generate.sh $BINDGEN $LIB bindings-uniffi/swift" >&2
    exit 1
  fi
done

step "Kotlin: mvn test (the pom generates the bindings from the library built above; vectors, engine end-to-end, cancellation)"
(cd "$UNIFFI/kotlin" && mvn -B -q test -Dminicloud.cargo.skip=true -Dminicloud.libdir="$LIBDIR")

step "Python: venv, maturin develop, pytest (vectors, engine end-to-end, asyncio cancellation)"
VENV="$UNIFFI/python/.venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check maturin==1.9.6 pytest==8.3.4 pytest-asyncio==0.25.3
(cd "$UNIFFI/python" && VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" maturin develop --features test-support)
(cd "$UNIFFI/python" && "$VENV/bin/python" -m pytest -q -rs)

printf '\nuniffi bindings: all tests passed\n'
