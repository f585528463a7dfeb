#!/usr/bin/env bash
# Builds every Linux artifact users install, for x86_64 and aarch64, glibc 2.17+ and musl, into dist/
# (gitignored). Cross builds with cargo-zigbuild and zig (pinned in scripts/release-tools.sh); profile `dist`
# (release + LTO, stripped; the uniffi library stripped once the bindings are generated from it). Long (the two x86_64 targets took 21 minutes on a shared 2-core
# machine): CI does not run it. MINICLOUD_RELEASE_TARGETS="x86_64-unknown-linux-gnu ..." builds some targets only
# (x86_64-unknown-linux-gnu and x86_64-unknown-linux-musl are needed for the jar and the install test).
#
#   dist/node/     minicloud.<platform>.node (linux-x64-gnu, linux-arm64-gnu, linux-x64-musl, linux-arm64-musl)
#   dist/npm/      minicloud-<version>.tgz and one minicloud-<platform>-<version>.tgz per addon
#   dist/python/   minicloud_sdk wheels: manylinux2014 (glibc 2.17) and musllinux_1_2, x86_64 and aarch64; the
#                  source distribution
#   dist/jna/      linux-x86-64/ and linux-aarch64/ libminicloud_uniffi.so (glibc 2.17, from the wheels), the
#                  jar's natives
#   dist/kotlin/   minicloud-kotlin-<version>.jar (+ .pom, -sources.jar, -javadoc.jar) with those natives as JNA
#                  resources
#   dist/cli/      minicloud-<version>-<arch>-linux-musl: static binaries
#   dist/SIZES.md  each artifact's size, architecture (`file`) and newest glibc symbol (`objdump -T`)
#
# Then it proves what it built: every glibc artifact needs nothing above GLIBC_2.17, every artifact is for the
# architecture its name says, the musl CLI is static, auditwheel accepts each wheel's tag; and it installs the
# x86_64 artifacts from outside the repository and invokes helloWorld through each
# (scripts/test-packages.sh --dist dist). macOS, Windows, Android and iOS: .github/workflows/release.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DIST="$ROOT/dist"
PROFILE=dist
step() { printf '\n==> release: %s\n' "$*"; }

# shellcheck source=scripts/release-tools.sh
source "$ROOT/scripts/release-tools.sh"
step "tools: Rust targets, cargo-zigbuild $CARGO_ZIGBUILD_VERSION, zig $ZIGLANG_VERSION, maturin $MATURIN_VERSION, auditwheel $AUDITWHEEL_VERSION"
release_tools cross
VERSION="$(cargo metadata --format-version 1 --no-deps | python3 -c \
  'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "minicloud-cli"))')"
rm -rf "$DIST"
mkdir -p "$DIST"/{node,npm,python,jna,kotlin,cli}

# napi's platform name, JNA's resource folder and the wheel's platform tag of each Linux target.
napi_platform() { case "$1" in
  x86_64-unknown-linux-gnu) echo linux-x64-gnu ;; aarch64-unknown-linux-gnu) echo linux-arm64-gnu ;;
  x86_64-unknown-linux-musl) echo linux-x64-musl ;; aarch64-unknown-linux-musl) echo linux-arm64-musl ;; esac; }
jna_prefix() { case "$1" in x86_64-*) echo linux-x86-64 ;; aarch64-*) echo linux-aarch64 ;; esac; }
wheel_tag() { case "$1" in *-gnu) echo manylinux2014 ;; *-musl) echo musllinux_1_2 ;; esac; }

for target in "${LINUX_TARGETS[@]}"; do
  # glibc targets are built against glibc 2.17 (cargo-zigbuild's `<triple>.2.17`); musl has no version.
  zig_target="$target"; [[ "$target" == *-gnu ]] && zig_target="$target.2.17"

  step "$target: Node addon (napi build --cross-compile)"
  (cd bindings-node && npx napi build --platform --profile "$PROFILE" --target "$zig_target" --cross-compile \
    --no-js --dts native.d.ts --output-dir "$DIST/node")

  step "$target: Python wheel (maturin --zig, $(wheel_tag "$target"))"
  build_wheel --locked --profile "$PROFILE" --zig --target "$target" --compatibility "$(wheel_tag "$target")" \
    --out "$DIST/python"

  if [[ "$target" == *-gnu ]]; then
    step "$target: the Kotlin jar's native: the library of the manylinux2014 wheel just built (glibc 2.17)"
    mkdir -p "$DIST/jna/$(jna_prefix "$target")"
    unzip -j -o -q "$(ls "$DIST"/python/*manylinux*"${target%%-*}".whl)" '*/libminicloud_uniffi.so' \
      -d "$DIST/jna/$(jna_prefix "$target")"
  else
    step "$target: static CLI (cargo zigbuild)"
    # Its own target dir: the addon and the wheel build this target's dependencies with -crt-static off
    # (a cdylib must link musl dynamically), the static CLI with it on; sharing one dir rebuilds both each time.
    cargo zigbuild --locked --profile "$PROFILE" --target "$target" -p minicloud-cli --target-dir target/static-cli
    cp "target/static-cli/$target/$PROFILE/minicloud" "$DIST/cli/minicloud-$VERSION-${target%%-*}-linux-musl"
  fi
done

step "strip the uniffi library in the wheels (maturin generated the Python module from it before packing)"
for whl in "$DIST"/python/*.whl; do strip_uniffi_wheel "$whl"; done

step "Python source distribution (maturin sdist: pip builds it where no wheel fits)"
build_sdist --out "$DIST/python"

step "npm packages (scripts/package-node.sh)"
bash scripts/package-node.sh "$DIST/npm" "$DIST/node"

step "Kotlin jar with the Linux natives as JNA resources (mvn package)"
# The bindings are generated from the x86_64 glibc library by the pinned uniffi-bindgen (a debug build: it is a
# build tool, and whole-program optimisation of it would only cost time).
# uniffi-bindgen reads an unstripped copy; the jar carries the stripped natives.
cargo build --locked -p minicloud-uniffi --bin uniffi-bindgen
rm -rf "$DIST/.jna-symbols" && cp -R "$DIST/jna" "$DIST/.jna-symbols"
strip_uniffi "$DIST"/jna/*/libminicloud_uniffi.so
# The release profile as Maven Central gets it (sources and javadoc jars beside the jar), without signing.
(cd bindings-uniffi/kotlin && mvn -B -q -Prelease verify -Dgpg.skip -Dmaven.test.skip=true -Dminicloud.cargo.skip=true \
  -Dminicloud.libdir="$DIST/.jna-symbols/linux-x86-64" -Dminicloud.bindgen="$ROOT/target/debug/uniffi-bindgen" \
  -Dminicloud.natives="$DIST/jna" -Dminicloud.hostNative.skip=true)
rm -rf "$DIST/.jna-symbols"
cp bindings-uniffi/kotlin/target/minicloud-kotlin-"$VERSION"{,-sources,-javadoc}.jar "$DIST/kotlin/"
cp bindings-uniffi/kotlin/pom.xml "$DIST/kotlin/minicloud-kotlin-$VERSION.pom"

step "check: architecture, glibc floor, static CLI, wheel tags; sizes in dist/SIZES.md"
bash scripts/check-artifacts.sh "$DIST"

step "install the x86_64 artifacts from outside the repository (scripts/test-packages.sh --dist)"
bash scripts/test-packages.sh --dist "$DIST"
