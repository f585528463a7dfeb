#!/usr/bin/env bash
# Generates the Swift bindings into this Swift package's layout, deterministically (no formatter):
#   generate.sh <uniffi-bindgen> <libminicloud_uniffi.so|.dylib> <package root>
# scripts/test-uniffi.sh runs it into a scratch copy and fails when the checked-in files differ.
set -euo pipefail
bindgen="$1" lib="$2" root="$3"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$bindgen" generate --no-format --library "$lib" --language swift --out-dir "$scratch" >/dev/null
mkdir -p "$root/Sources/Minicloud" "$root/Sources/MinicloudFFI/include"
cp "$scratch/Minicloud.swift" "$root/Sources/Minicloud/Minicloud.swift"
cp "$scratch/MinicloudFFI.h" "$root/Sources/MinicloudFFI/include/MinicloudFFI.h"
cp "$scratch/MinicloudFFI.modulemap" "$root/Sources/MinicloudFFI/include/module.modulemap"
