# Sourced by the release and packaging scripts: installs the pinned build tools once and puts them on PATH.
#   release_tools            maturin in target/tools/venv, the pinned npm devDependencies of bindings-node
#                            (@napi-rs/cli)
#   release_tools cross      also zig (PyPI `ziglang`), auditwheel, cargo-zigbuild and the four Linux Rust targets
# Pins: change them here only.
MATURIN_VERSION=1.9.6
AUDITWHEEL_VERSION=6.8.2
ZIGLANG_VERSION=0.15.2
CARGO_ZIGBUILD_VERSION=0.24.1
WHEEL_VERSION=0.45.1
# MINICLOUD_RELEASE_TARGETS (space-separated) narrows a run of scripts/build-release.sh to some of them.
read -r -a LINUX_TARGETS <<<"${MINICLOUD_RELEASE_TARGETS:-x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl}"

release_tools() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local venv="$root/target/tools/venv"
  if ! "$venv/bin/python" -c 'import ensurepip' >/dev/null 2>&1; then
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || {
      local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
      $sudo apt-get update && $sudo apt-get install -y python3-venv
    }
    python3 -m venv "$venv"
  fi
  local wheels=("maturin==$MATURIN_VERSION")
  [ "${1:-}" != cross ] ||
    wheels+=("auditwheel==$AUDITWHEEL_VERSION" "ziglang==$ZIGLANG_VERSION" "wheel==$WHEEL_VERSION")
  "$venv/bin/pip" install -q --disable-pip-version-check "${wheels[@]}"
  # cargo-zigbuild and maturin --zig find zig as `python3 -m ziglang` with the venv first on PATH.
  export PATH="$venv/bin:$PATH"
  [ -d "$root/bindings-node/node_modules/@napi-rs/cli" ] ||
    (cd "$root/bindings-node" && npm ci --no-audit --no-fund --loglevel=error)
  if [ "${1:-}" = cross ]; then
    rustup target add "${LINUX_TARGETS[@]}" >/dev/null
    rustup component add llvm-tools >/dev/null 2>&1
    if [ "$(cargo zigbuild --version 2>/dev/null)" != "cargo-zigbuild $CARGO_ZIGBUILD_VERSION" ]; then
      cargo install cargo-zigbuild --locked --version "$CARGO_ZIGBUILD_VERSION"
    fi
  fi
}

# build_wheel MATURIN_BUILD_ARGS...: `maturin build` of bindings-uniffi/python. `maturin develop`
# (scripts/test-uniffi.sh) leaves the generated module in the source tree (minicloud/_ffi/, gitignored), which
# maturin build refuses to overwrite; it is removed first (the next maturin develop writes it again).
build_wheel() {
  local python
  python="$(cd "$(dirname "${BASH_SOURCE[0]}")/../bindings-uniffi/python" && pwd)"
  rm -rf "$python/minicloud/_ffi"
  (cd "$python" && maturin build "$@")
}

# build_sdist ARGS...: `maturin sdist` of the Python package (the pure-Python files, and the Rust sources its
# build compiles: the uniffi crate and its path dependencies), without a module `maturin develop` left behind.
build_sdist() {
  local python
  python="$(cd "$(dirname "${BASH_SOURCE[0]}")/../bindings-uniffi/python" && pwd)"
  rm -rf "$python/minicloud/_ffi"
  (cd "$python" && maturin sdist "$@")
}

# strip_uniffi FILE...: strips the uniffi library (any architecture) with the toolchain's llvm-strip. Only after
# the bindings were generated from it: uniffi-bindgen reads their metadata from the symbol table this removes
# (the exported functions the bindings call stay).
strip_uniffi() {
  local sysroot host
  sysroot="$(rustc --print sysroot)"
  host="$(rustc -vV | sed -n 's/^host: //p')"
  "$sysroot/lib/rustlib/$host/bin/llvm-strip" --strip-all "$@"
}

# strip_uniffi_wheel WHEEL: the wheel with its uniffi library stripped (its RECORD rewritten by `wheel pack`).
strip_uniffi_wheel() {
  local wheel="$1" unpacked
  unpacked="$(mktemp -d)"
  wheel unpack -d "$unpacked" "$wheel" >/dev/null
  find "$unpacked" -name 'libminicloud_uniffi.so' -print0 | while IFS= read -r -d '' lib; do strip_uniffi "$lib"; done
  rm "$wheel"
  wheel pack -d "$(dirname "$wheel")" "$unpacked"/* >/dev/null
  rm -rf "$unpacked"
}
