#!/usr/bin/env bash
# Builds the Swift package's binary target, dist/apple/MinicloudFFI.xcframework (+ .zip and its checksum), from
# the Rust core: libminicloud_uniffi as a static library for iOS devices (arm64), the iOS simulator (arm64 +
# x86_64) and macOS (arm64 + x86_64), with the checked-in generated header and module map
# (bindings-uniffi/swift/Sources/MinicloudFFI/include, kept fresh by scripts/test-uniffi.sh's drift check).
#
#   bash scripts/build-apple.sh                      local build: the root Package.swift then uses it
#   bash scripts/build-apple.sh --release-url URL    also writes URL and the zip's checksum into Package.swift
#
# Needs macOS with Xcode (xcodebuild, lipo, swift) and rustup. Not run by CI; no Linux machine can run it, and it
# has never been run by the project: the first maintainer to run it should also run `swift build` and
# `swift test` at the root (the tests start the engine: `cargo build -p minicloud-cli` first).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$ROOT/dist/apple"
PROFILE=dist
RELEASE_URL=""
[ "${1:-}" != --release-url ] || RELEASE_URL="${2:?--release-url needs the URL the zip will be published at}"

for tool in xcodebuild lipo swift rustup; do
  command -v "$tool" >/dev/null || { echo "$tool is required (macOS with Xcode and rustup)" >&2; exit 1; }
done

IOS=aarch64-apple-ios
SIM=(aarch64-apple-ios-sim x86_64-apple-ios)
MAC=(aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "$IOS" "${SIM[@]}" "${MAC[@]}"
export IPHONEOS_DEPLOYMENT_TARGET=13.0 MACOSX_DEPLOYMENT_TARGET=10.15

for target in "$IOS" "${SIM[@]}" "${MAC[@]}"; do
  echo "==> apple: $target"
  # A static library for this one build (the crate's own crate-types stay cdylib + rlib).
  cargo rustc --locked -p minicloud-uniffi --lib --profile "$PROFILE" --target "$target" --crate-type staticlib
done

rm -rf "$OUT" && mkdir -p "$OUT"/{ios,sim,mac,headers}
lib() { echo "target/$1/$PROFILE/libminicloud_uniffi.a"; }
cp "$(lib "$IOS")" "$OUT/ios/"
lipo -create "$(lib "${SIM[0]}")" "$(lib "${SIM[1]}")" -output "$OUT/sim/libminicloud_uniffi.a"
lipo -create "$(lib "${MAC[0]}")" "$(lib "${MAC[1]}")" -output "$OUT/mac/libminicloud_uniffi.a"
cp bindings-uniffi/swift/Sources/MinicloudFFI/include/{MinicloudFFI.h,module.modulemap} "$OUT/headers/"

xcodebuild -create-xcframework \
  -library "$OUT/ios/libminicloud_uniffi.a" -headers "$OUT/headers" \
  -library "$OUT/sim/libminicloud_uniffi.a" -headers "$OUT/headers" \
  -library "$OUT/mac/libminicloud_uniffi.a" -headers "$OUT/headers" \
  -output "$OUT/MinicloudFFI.xcframework"
(cd "$OUT" && zip -qry MinicloudFFI.xcframework.zip MinicloudFFI.xcframework)
CHECKSUM="$(swift package compute-checksum "$OUT/MinicloudFFI.xcframework.zip")"
echo "$CHECKSUM" >"$OUT/MinicloudFFI.xcframework.zip.checksum"
ls -l "$OUT/MinicloudFFI.xcframework.zip"
echo "checksum: $CHECKSUM"

if [ -n "$RELEASE_URL" ]; then
  sed -i '' -e "s|^let xcframeworkURL = \".*\"|let xcframeworkURL = \"$RELEASE_URL\"|" \
    -e "s|^let xcframeworkChecksum = \".*\"|let xcframeworkChecksum = \"$CHECKSUM\"|" Package.swift
  grep -n '^let xcframework' Package.swift
fi
