#!/usr/bin/env bash
# Builds the floor module in each variant with bindings-wasm/build.sh's profile and wasm-opt flags and prints
# its sizes (wasm and wasm-bindgen glue, raw and gzip -9). Needs: the wasm32-unknown-unknown target,
# wasm-bindgen-cli 0.2.130, `npm ci` done in bindings-wasm/ (for binaryen's wasm-opt).
set -euo pipefail
cd "$(dirname "$0")"
opt=../../bindings-wasm/node_modules/.bin/wasm-opt
features="--enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-multivalue"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '| variant | wasm raw | wasm gzip | glue gzip |\n| --- | --- | --- | --- |\n'
for variant in "" "preserve_order" "async" "async,preserve_order"; do
  cargo build -q --release --target wasm32-unknown-unknown --no-default-features --features "$variant" \
    --target-dir target
  wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name floor \
    target/wasm32-unknown-unknown/release/minicloud_wasm_floor.wasm
  # shellcheck disable=SC2086
  "$opt" --low-memory-unused --merge-similar-functions --flatten --rereloop -Oz -Oz --merge-similar-functions \
    --converge --strip-debug --strip-producers --strip-target-features $features \
    -o "$out/floor_bg.wasm" "$out/floor_bg.wasm"
  printf '| %s | %d B | %d B | %d B |\n' "${variant:-sync}" "$(wc -c <"$out/floor_bg.wasm")" \
    "$(gzip -9c "$out/floor_bg.wasm" | wc -c)" "$(gzip -9c "$out/floor.js" | wc -c)"
done
