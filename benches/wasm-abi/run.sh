#!/usr/bin/env bash
# Builds the core behind wasm-bindgen and behind the C ABI bindings-wasm ships, as one crate with the same
# nightly, flags and wasm-opt passes as bindings-wasm/build.sh, and prints wasm and JS glue sizes (raw, gzip -9).
# Needs: what bindings-wasm/build.sh needs, plus wasm-bindgen-cli 0.2.130.
set -euo pipefail
cd "$(dirname "$0")"
NIGHTLY=${MINICLOUD_WASM_NIGHTLY:-nightly-2026-05-19}
flags="-Ctarget-cpu=mvp -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none"
opt=../../bindings-wasm/node_modules/.bin/wasm-opt
passes="--mvp-features --enable-mutable-globals --low-memory-unused --merge-similar-functions --flatten --rereloop -Oz
  -Oz --merge-similar-functions --converge --strip-debug --strip-producers --strip-target-features"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
build() {
  RUSTFLAGS="$flags" cargo "+$NIGHTLY" build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort \
    --target-dir target --features "$1"
  cp target/wasm32-unknown-unknown/release/minicloud_wasm_abi_bench.wasm "$out/$1.wasm"
}
build bindgen
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name abi "$out/bindgen.wasm"
build c-abi
for wasm in "$out/abi_bg.wasm" "$out/c-abi.wasm"; do
  # shellcheck disable=SC2086
  "$opt" $passes -o "$wasm" "$wasm"
done
../../bindings-wasm/node_modules/.bin/esbuild "$out/abi.js" --minify --format=esm --log-level=warning >"$out/abi.min.js"
../../bindings-wasm/node_modules/.bin/esbuild ../../bindings-wasm/js/exchange.js --minify --format=esm \
  --log-level=warning >"$out/exchange.min.js"
row() { printf '| %s | %d B | %d B | %d B | %d B |\n' "$1" "$(wc -c <"$2")" "$(gzip -9c "$2" | wc -c)" \
  "$(wc -c <"$3")" "$(gzip -9c "$3" | wc -c)"; }
printf '| export surface | wasm raw | wasm gzip | JS glue raw (minified) | JS glue gzip |\n| --- | --- | --- | --- | --- |\n'
row "wasm-bindgen 0.2.130" "$out/abi_bg.wasm" "$out/abi.min.js"
row "C ABI (mc_alloc, mc_run) + js/exchange.js" "$out/c-abi.wasm" "$out/exchange.min.js"
